"""A sweep killed with SIGKILL resumes to exactly the uninterrupted result."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
from exp_helpers import SMALL_SWEEP, read_results, write
from pandas.testing import assert_frame_equal

from sim.experiment.plan import make_plan
from sim.experiment.runner import run_plan
from sim.experiment.spec import load_experiment

KILLABLE = SMALL_SWEEP.replace("replications = 2", "replications = 6")  # 36 runs
HELPERS = Path(__file__).resolve().parent
#: A sweep on one worker whose fifth run hangs (exp_helpers.run_then_hang): the kill
#: lands after exactly four committed runs, however fast or loaded the machine is.
HANGING_SWEEP = """
import sys
from sim.experiment.plan import make_plan
from sim.experiment.runner import run_plan
from sim.experiment.spec import load_experiment
from exp_helpers import run_then_hang
exp, text = load_experiment(sys.argv[1])
run_plan(make_plan(exp, sys.argv[1], text), sys.argv[2], workers=1, batch_size=1,
         run_fn=run_then_hang)
"""


def sweep_cmd(path, out, workers):
    return [
        sys.executable,
        "-m",
        "sim.experiment",
        "sweep",
        str(path),
        "--out",
        str(out),
        "--workers",
        str(workers),
        "--batch-size",
        "1",
    ]


def test_sigkill_then_resume_gives_the_uninterrupted_result(tmp_path):
    path = write(tmp_path, KILLABLE)
    out = tmp_path / "killed"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(HELPERS), *sys.path]))
    proc = subprocess.Popen(
        [sys.executable, "-c", HANGING_SWEEP, str(path), str(out)],
        start_new_session=True,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 600  # an upper bound for a stuck test, not a speed target
    while len(list((out / "parts").glob("*.runs.parquet"))) < 4:
        assert proc.poll() is None, proc.stderr.read().decode()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stderr.close()
    committed = len(list((out / "parts").glob("*.runs.parquet")))
    assert committed == 4
    assert not (out / "runs.parquet").exists()

    resumed = subprocess.run(sweep_cmd(path, out, 2), capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    assert f"resuming: {committed} runs already done" in resumed.stderr

    exp, text = load_experiment(path)
    run_plan(make_plan(exp, str(path), text), tmp_path / "clean", workers=1)
    runs, ts = read_results(out)
    clean_runs, clean_ts = read_results(tmp_path / "clean")
    assert runs["run_id"].is_unique and len(runs) == 36
    assert_frame_equal(runs, clean_runs)
    assert_frame_equal(ts, clean_ts)
    assert not list((out / "parts").glob(".*.tmp"))
    assert pd.read_json(out / "manifest.json", typ="series")["counts"]["missing"] == 0
