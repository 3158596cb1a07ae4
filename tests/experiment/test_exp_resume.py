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
import faulthandler, signal, sys
# Ctrl-C as a terminal delivers it: a test runner started as a background job (`... &` in a
# script) ignores SIGINT, and a process inherits that, so the sweep would never see it.
signal.signal(signal.SIGINT, signal.default_int_handler)
faulthandler.register(signal.SIGUSR1, all_threads=True)  # a stuck sweep's stacks, on request
from sim.experiment.plan import make_plan
from sim.experiment.runner import run_plan
from sim.experiment.spec import load_experiment
from exp_helpers import run_then_hang
exp, text = load_experiment(sys.argv[1])
run_plan(make_plan(exp, sys.argv[1], text), sys.argv[2], workers=int(sys.argv[3]),
         batch_size=1, run_fn=run_then_hang)
"""


def start_hanging_sweep(path, out, workers: int) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(HELPERS), *sys.path]))
    return subprocess.Popen(
        [sys.executable, "-c", HANGING_SWEEP, str(path), str(out), str(workers)],
        start_new_session=True,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def wait_for_parts(proc: subprocess.Popen, out, count: int) -> None:
    deadline = time.monotonic() + 600  # an upper bound for a stuck test, not a speed target
    while len(list((out / "parts").glob("*.runs.parquet"))) < count:
        assert proc.poll() is None, proc.stderr.read().decode()
        assert time.monotonic() < deadline
        time.sleep(0.05)


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
    proc = start_hanging_sweep(path, out, 1)
    wait_for_parts(proc, out, 4)
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


def test_ctrl_c_stops_busy_workers_and_keeps_the_finished_runs(tmp_path):
    """Ctrl-C does not wait for the batches the workers are running: it stops them.

    Each worker hangs after four runs, so waiting for them would never end.
    """
    path = write(tmp_path, KILLABLE)
    out = tmp_path / "interrupted"
    proc = start_hanging_sweep(path, out, 2)
    wait_for_parts(proc, out, 8)
    os.killpg(proc.pid, signal.SIGINT)  # what the terminal sends on Ctrl-C
    try:
        proc.wait(timeout=300)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGUSR1)  # where it is stuck, for the failure message
        time.sleep(2)
        os.killpg(proc.pid, signal.SIGKILL)
        raise AssertionError(f"not stopped by Ctrl-C:\n{proc.stderr.read().decode()}") from None
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.stderr.close()
    runs = pd.read_parquet(out / "runs.parquet")  # consolidated on the way out
    assert len(runs) == 8 and (runs["status"] == "ok").all()
