"""A sweep killed with SIGKILL resumes to exactly the uninterrupted result."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pandas as pd
from exp_helpers import SMALL_SWEEP, read_results, write
from pandas.testing import assert_frame_equal

from sim.experiment.plan import make_plan
from sim.experiment.runner import run_plan
from sim.experiment.spec import load_experiment

# Slower runs than elsewhere so the kill lands mid-sweep: 36 runs of about 0.1 s.
KILLABLE = SMALL_SWEEP.replace('"steps" = 30', '"steps" = 120').replace(
    "replications = 2", "replications = 6"
)


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
    proc = subprocess.Popen(
        sweep_cmd(path, out, 1),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while len(list((out / "parts").glob("*.runs.parquet"))) < 4:
        assert proc.poll() is None, "sweep ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.005)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    committed = len(list((out / "parts").glob("*.runs.parquet")))
    assert 4 <= committed < 36
    assert not (out / "runs.parquet").exists()

    resumed = subprocess.run(sweep_cmd(path, out, 2), capture_output=True, text=True, timeout=120)
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
