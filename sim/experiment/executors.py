"""Executors: run batches serially, on local processes, or on a Dask distributed cluster.

All three yield ``(batch, result_or_exception)`` as batches finish, keeping only a bounded
number of batches in flight so that memory stays flat however many runs a sweep has.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import socket
import struct
import sys
import threading
import time
from asyncio import CancelledError
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from itertools import islice
from typing import Any
from urllib.parse import urlsplit

from sim.experiment.errors import ExperimentError, RunFault

Outcome = tuple[Any, Any]  # (batch, result) or (batch, BaseException)
#: Batches queued per worker: enough to keep workers busy between hand-offs, few enough
#: that pending results never pile up.
INFLIGHT_PER_WORKER = 2
#: Imported once by the fork server; every local worker starts with them loaded.
#: (sim.experiment.preload imports the main script, which "__main__" fails to do.)
PRELOAD = ["__main__", "sim.experiment.preload", "sim.experiment.worker", "sim.run"]
#: Environment variable holding the main script's path, read by the fork server
#: (:mod:`sim.experiment.preload`, which must not be imported here: it loads the model).
MAIN_ENV = "PUSHPULL_FORKSERVER_MAIN"
#: Seconds between a local worker's checks that the sweep that started it is still alive.
PARENT_POLL = 0.5
#: Seconds to connect to a Dask scheduler.
CONNECT_TIMEOUT = 10.0
#: Seconds to wait for a scheduler's handshake (it sends it at once on connection).
HANDSHAKE_TIMEOUT = 5.0
#: Seconds between checks of the Dask connection while waiting for results.
DASK_POLL = 1.0
#: Seconds a lost Dask connection may try to come back before the sweep gives up.
DASK_RECONNECT = 20.0
#: A Dask message's 8-byte length prefix above this is not a Dask handshake.
MAX_HANDSHAKE = 1 << 20


def default_workers() -> int:
    """All cores available to this process."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def iter_serial(fn: Callable, batches: Iterable) -> Iterator[Outcome]:
    """Run batches one after another in this process (``--workers 1``: no pickling at all)."""
    for batch in batches:
        try:
            yield batch, fn(batch)
        except Exception as exc:  # noqa: BLE001 - reported per batch by the runner
            yield batch, exc


def _context() -> multiprocessing.context.BaseContext:
    if "forkserver" not in multiprocessing.get_all_start_methods():  # Windows
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    main_path = _main_script()
    if main_path:
        os.environ[MAIN_ENV] = main_path  # read by the fork server, which inherits it
    return ctx


def _main_script() -> str | None:
    """The path workers are told to run as their main module (as multiprocessing.spawn does).

    None when the main module is run by name (``python -m``: workers skip it) or has no file.
    """
    main = sys.modules.get("__main__")
    if getattr(getattr(main, "__spec__", None), "name", None) is not None:
        return None
    path = getattr(main, "__file__", None)
    return os.path.normpath(path) if path else None


def warm_up_processes(workers: int | None, scheduler: str | None) -> None:
    """Start the fork server now, so it imports the model while the caller does other work.

    Only for local worker processes (``workers``, default all cores, more than one; no
    ``scheduler``). Worker processes are forked from it later and start with the model already
    imported; starting it again is harmless.
    """
    if scheduler or (workers or default_workers()) <= 1:
        return
    if _context().get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()


def iter_processes(fn: Callable, batches: Iterable, workers: int) -> Iterator[Outcome]:
    """Run batches on ``workers`` local processes.

    The forkserver start method is used (spawn where it does not exist): forking the
    coordinating process directly is unsafe once it runs threads (the progress display
    does), and spawning fresh interpreters would re-import the model for every worker.
    Workers watch the sweep that started them and exit when it is gone (even after a
    ``kill -9``); when the sweep stops early (Ctrl-C, SIGTERM) they are stopped at once.
    """
    parent = os.getpid()
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=_context(),
        initializer=_init_worker,
        initargs=(parent, _start_time(parent)),
    )
    finished = False
    try:
        yield from _bounded(pool.submit, fn, batches, workers * INFLIGHT_PER_WORKER)
        finished = True
    finally:
        if finished:
            pool.shutdown(wait=True)
        else:
            _stop_now(pool)


def _init_worker(parent: int, started: float | None) -> None:
    """Worker initializer: leave Ctrl-C to the sweep, and exit when the sweep is gone."""
    _leave_sigint_to_parent()
    watch_parent(parent, started)


def _leave_sigint_to_parent() -> None:
    # Ctrl-C reaches every process of the terminal's process group; the coordinating
    # process handles it (and stops the workers), so workers print no tracebacks.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _stop_now(pool: ProcessPoolExecutor) -> None:
    """Interrupted (Ctrl-C, SIGTERM) or broken: drop queued batches, stop the workers at once.

    Waiting would finish every batch already handed to a worker (seconds each); their runs
    are not recorded either way, so a resume runs them again. Python 3.14 has
    ``pool.terminate_workers()``; before it the processes are only reachable privately.
    """
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(Exception):
            process.terminate()
    for process in processes:
        process.join(timeout=10)


def _start_time(pid: int) -> float | None:
    import psutil

    try:
        return psutil.Process(pid).create_time()
    except psutil.Error:
        return None


def watch_parent(pid: int, started: float | None) -> None:
    """Worker initializer: exit as soon as process ``pid`` (the sweep) is gone.

    A worker's parent is the fork server, not the sweep, so the kernel's parent-death
    signal cannot help; the sweep is recognised by its pid and start time (a pid can be
    reused). A daemon thread checks twice a second and ends the process with ``_exit``.
    """

    def watch() -> None:
        while _start_time(pid) == started:
            time.sleep(PARENT_POLL)
        os._exit(1)

    threading.Thread(target=watch, name="pushpull-parent-watch", daemon=True).start()


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM stops the sweep like Ctrl-C: what finished is saved."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread (e.g. a notebook's worker): leave it alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _bounded(submit: Callable, fn: Callable, batches: Iterable, limit: int) -> Iterator[Outcome]:
    source = iter(batches)
    pending: dict[Future, Any] = {submit(fn, b): b for b in islice(source, limit)}
    while pending:
        done, _ = wait(pending, return_when=FIRST_COMPLETED)
        for future in done:
            batch = pending.pop(future)
            error = future.exception()
            yield batch, (error if error is not None else future.result())
            for nxt in islice(source, 1):
                pending[submit(fn, nxt)] = nxt


def connect_dask(address: str) -> Any:
    """Connect to a running Dask scheduler, within a bounded time.

    The address is first checked to answer like a Dask scheduler (it speaks first, with a
    short length-prefixed handshake), so a dashboard or any other service gives a clear
    error at once instead of a hang or an absurd allocation.

    Raises:
        ExperimentError: unreachable, not a Dask scheduler, or no answer in time.
    """
    try:
        from distributed import Client
    except ImportError:  # pragma: no cover - distributed is a declared dependency
        raise ExperimentError("--scheduler needs the 'distributed' package") from None
    problem = _probe_scheduler(address)
    if problem:
        raise ExperimentError(f"--scheduler {address}: {problem}")
    _quiet_dask_logs()
    outcome: dict[str, Any] = {}

    def connect() -> None:
        try:
            outcome["client"] = Client(address, timeout=f"{CONNECT_TIMEOUT:g}s")
        except Exception as exc:  # noqa: BLE001 - reported as one line below
            outcome["error"] = exc

    thread = threading.Thread(target=connect, name="pushpull-dask-connect", daemon=True)
    thread.start()
    thread.join(3 * CONNECT_TIMEOUT)
    if "client" in outcome:
        return outcome["client"]
    reason = outcome.get("error") or f"no answer within {3 * CONNECT_TIMEOUT:g} s"
    text = " ".join(str(reason).split())[:200]
    raise ExperimentError(f"--scheduler {address}: cannot connect: {text}")


def _quiet_dask_logs() -> None:
    """Silence Dask's client-side logs: a lost scheduler is reported as one line instead.

    Left alone, Dask logs each reconnection attempt with a full traceback.
    """
    import logging

    import distributed  # noqa: F401 - configures its loggers on import; override them after

    names = [n for n in logging.root.manager.loggerDict if n.split(".")[0] == "distributed"]
    for name in ["distributed", *names]:
        logging.getLogger(name).setLevel(logging.CRITICAL)


def _probe_scheduler(address: str) -> str | None:
    """Why ``address`` is not a reachable Dask scheduler (one phrase), or None."""
    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    if parts.scheme not in ("tcp", "tls"):
        return f"unsupported protocol {parts.scheme!r}; give tcp://host:port (port 8786 by default)"
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        return "not a host:port address"
    if not host or not port:
        return "give host and port, e.g. tcp://10.0.0.5:8786"
    try:
        with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT) as sock:
            if parts.scheme == "tls":
                return None  # encrypted: the handshake is checked by Dask itself
            sock.settimeout(HANDSHAKE_TIMEOUT)
            head = _read_exactly(sock, 8)
    except TimeoutError:
        return (
            f"no Dask handshake within {HANDSHAKE_TIMEOUT:g} s: not a Dask scheduler "
            "(the dashboard's port? the scheduler listens on 8786 by default)"
        )
    except OSError as exc:
        return f"cannot reach it ({exc.strerror or exc})"
    if head is None or not 0 < struct.unpack("<Q", head)[0] <= MAX_HANDSHAKE:
        return "it does not answer like a Dask scheduler (the scheduler listens on 8786 by default)"
    return None


def _read_exactly(sock: socket.socket, n: int) -> bytes | None:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def close_dask(client: Any) -> None:
    """Close a Dask client without hanging or raising, even when the scheduler is gone."""
    with contextlib.suppress(Exception):
        client.close(timeout=CONNECT_TIMEOUT)


def dask_workers(client: Any) -> int:
    """Total worker threads of the cluster (at least 1)."""
    workers = client.scheduler_info().get("workers", {})
    return max(1, sum(w.get("nthreads", 1) for w in workers.values()))


def iter_dask(fn: Callable, batches: Iterable, client: Any) -> Iterator[Outcome]:
    """Run batches on a Dask cluster; results come back to this process to be stored.

    Tasks are submitted with ``pure=False`` so that Dask never merges two batches, and the
    results are fetched as they finish, so nothing accumulates on the cluster. The wait
    is in short slices with a check of the connection between them, so a lost scheduler
    ends the sweep within seconds (what finished is saved) instead of a hang.

    Raises:
        RunFault: the connection to the scheduler was lost.
    """
    from distributed import wait as dask_wait

    source = iter(batches)
    limit = dask_workers(client) * INFLIGHT_PER_WORKER
    futures = {client.submit(fn, b, pure=False): b for b in islice(source, limit)}
    lost_since = None
    try:
        while futures:
            lost_since = _check_connection(client, lost_since)
            try:
                dask_wait(list(futures), timeout=DASK_POLL, return_when="FIRST_COMPLETED")
            except TimeoutError:
                pass
            except (Exception, CancelledError):  # futures cancelled: the scheduler is gone
                raise RunFault(_lost_message(client)) from None
            for future in [f for f in futures if f.done()]:
                if future.status == "cancelled":  # we cancel nothing: the scheduler lost it
                    raise RunFault(_lost_message(client))
                batch = futures.pop(future)
                try:
                    yield batch, future.result()
                except Exception as exc:  # noqa: BLE001 - reported per batch by the runner
                    yield batch, exc
                future.release()
                for nxt in islice(source, 1):
                    futures[client.submit(fn, nxt, pure=False)] = nxt
    finally:
        for future in futures:
            with contextlib.suppress(Exception):  # the client may be closed already
                future.cancel()


def _check_connection(client: Any, lost_since: float | None) -> float | None:
    """Raise RunFault once the scheduler has been unreachable too long; track since when."""
    status = getattr(client, "status", "running")
    if status == "running":
        return None
    now = time.monotonic()
    if status != "connecting" or (lost_since is not None and now - lost_since > DASK_RECONNECT):
        raise RunFault(_lost_message(client))
    return lost_since if lost_since is not None else now


def _lost_message(client: Any) -> str:
    address = getattr(getattr(client, "scheduler", None), "address", "") or "the scheduler"
    return (
        f"--scheduler {address}: lost the connection to the Dask scheduler; finished runs "
        "are saved: rerun the same command to resume"
    )
