"""Faults: no orphans after ``kill -9``, SIGTERM stops like Ctrl-C, and a lost or wrong
Dask scheduler is one error line in bounded time, resumable (issue 11, items 11 and 12).

Time limits here only bound a hang (generous, for a loaded machine); nothing depends on
how fast anything runs.
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from exp_helpers import SMALL_SWEEP, write

psutil = pytest.importorskip("psutil")

REPO = Path(__file__).resolve().parents[2]
# 24 runs of 60 steps, in batches of one: long enough to be stopped mid-sweep.
SLOW = SMALL_SWEEP.replace('"steps" = 30', '"steps" = 60').replace(
    "replications = 2", "replications = 4"
)
HANG_LIMIT = 120  # seconds; only to fail instead of hanging


def sweep(path: Path, out: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "sim.experiment", "sweep", str(path), "--out", str(out), *extra],
        cwd=REPO,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(condition, what: str, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + HANG_LIMIT
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"ended before {what}: {proc.communicate()}")
        time.sleep(0.1)


def committed(out: Path) -> int:
    return len(list((out / "parts").glob("*.runs.parquet")))


def workers_of(proc: subprocess.Popen) -> list:
    return psutil.Process(proc.pid).children(recursive=True)


def test_kill_9_leaves_no_process_behind(tmp_path) -> None:
    out = tmp_path / "out"
    proc = sweep(write(tmp_path, SLOW), out, "--workers", "2", "--batch-size", "1")
    wait_for(lambda: committed(out) >= 1, "a first batch", proc)
    family = workers_of(proc)
    assert len(family) >= 3  # fork server, resource tracker, workers
    proc.kill()
    proc.wait()
    gone, alive = psutil.wait_procs(family, timeout=30)
    assert not alive, f"orphans: {[p.cmdline()[:3] for p in alive]}"


def test_sigterm_stops_like_ctrl_c_and_the_sweep_resumes(tmp_path) -> None:
    out = tmp_path / "out"
    path = write(tmp_path, SLOW)
    proc = sweep(path, out, "--workers", "2", "--batch-size", "1")
    wait_for(lambda: committed(out) >= 2, "two batches", proc)
    family = workers_of(proc)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=HANG_LIMIT)
    assert proc.returncode == 130, err
    assert "interrupted: finished runs are saved" in err and "Traceback" not in err
    counts = json.loads((out / "manifest.json").read_text())["counts"]
    assert counts["finished"] >= 2 and counts["timeseries_rows"] > 0  # consolidated
    assert not psutil.wait_procs(family, timeout=30)[1]
    proc = sweep(path, out, "--workers", "1")
    _, err = proc.communicate(timeout=HANG_LIMIT * 2)
    assert proc.returncode == 0, err
    assert "24/24 runs done" in err


@pytest.fixture
def http_port():
    """A port answering HTTP, like the Dask dashboard."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()


@pytest.fixture
def talker_port():
    """A port that greets every connection with an HTTP response (Dask read 3 EiB from it)."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi")

    threading.Thread(target=serve, daemon=True).start()
    yield listener.getsockname()[1]
    listener.close()


@pytest.mark.parametrize(
    ("service", "expected"),
    [("http_port", "not a Dask scheduler"), ("talker_port", "does not answer like a Dask")],
)
def test_a_wrong_service_as_scheduler_is_one_line(tmp_path, request, service, expected) -> None:
    port = request.getfixturevalue(service)
    out = tmp_path / "out"
    proc = sweep(write(tmp_path, SMALL_SWEEP), out, "--scheduler", f"tcp://127.0.0.1:{port}")
    _, err = proc.communicate(timeout=HANG_LIMIT)
    assert proc.returncode == 2
    assert err.startswith("error: --scheduler") and err.count("\n") == 1 and expected in err
    assert not out.exists()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.skipif(shutil.which("dask", path=str(Path(sys.executable).parent)) is None, reason="")
def test_a_lost_scheduler_is_one_line_and_the_sweep_resumes(tmp_path) -> None:
    bindir = Path(sys.executable).parent
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(REPO))
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": env}
    scheduler = subprocess.Popen(  # noqa: S603
        [bindir / "dask", "scheduler", "--port", str(port), "--dashboard-address", ":0"], **quiet
    )
    address = f"tcp://127.0.0.1:{port}"
    worker = None
    try:
        wait_for(lambda: _listening(port), "the scheduler")
        worker = subprocess.Popen(  # noqa: S603
            [bindir / "dask", "worker", address, "--nthreads", "1", "--no-dashboard"], **quiet
        )
        out = tmp_path / "out"
        path = write(tmp_path, SLOW)
        proc = sweep(path, out, "--scheduler", address, "--batch-size", "1")
        wait_for(lambda: committed(out) >= 1, "a first batch on the cluster", proc)
        scheduler.kill()
        _, err = proc.communicate(timeout=HANG_LIMIT)
        assert proc.returncode == 1, err
        assert err.strip().splitlines()[-1].startswith("error: --scheduler")
        assert "lost the connection to the Dask scheduler" in err and "Traceback" not in err
    finally:
        for p in (scheduler, worker):
            if p is not None:
                p.kill()
                p.wait()
    done = json.loads((out / "manifest.json").read_text())["counts"]["finished"]
    assert done >= 1
    proc = sweep(path, out, "--workers", "1")
    _, err = proc.communicate(timeout=HANG_LIMIT * 2)
    assert proc.returncode == 0 and f"({24 - done} now, {done} before)" in err, err


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False
