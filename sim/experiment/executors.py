"""Executors: run batches serially, on local processes, or on a Dask distributed cluster.

All three yield ``(batch, result_or_exception)`` as batches finish, keeping only a bounded
number of batches in flight so that memory stays flat however many runs a sweep has.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from itertools import islice
from typing import Any

from sim.experiment.errors import ExperimentError

Outcome = tuple[Any, Any]  # (batch, result) or (batch, BaseException)
#: Batches queued per worker: enough to keep workers busy between hand-offs, few enough
#: that pending results never pile up.
INFLIGHT_PER_WORKER = 2
#: Imported once by the fork server; every local worker starts with them loaded.
PRELOAD = ["__main__", "sim.experiment.worker", "sim.run"]


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
    return ctx


def warm_up_processes() -> None:
    """Start the fork server now, so it imports the model while the caller does other work.

    Worker processes are forked from it later and start with the model already imported.
    """
    if _context().get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()


def iter_processes(fn: Callable, batches: Iterable, workers: int) -> Iterator[Outcome]:
    """Run batches on ``workers`` local processes.

    The forkserver start method is used (spawn where it does not exist): forking the
    coordinating process directly is unsafe once it runs threads (the progress display
    does), and spawning fresh interpreters would re-import the model for every worker.
    """
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=_context(), initializer=_leave_sigint_to_parent
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


def _leave_sigint_to_parent() -> None:
    # Ctrl-C reaches every process of the terminal's process group; the coordinating
    # process handles it (and stops the workers), so workers print no tracebacks.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _stop_now(pool: ProcessPoolExecutor) -> None:
    """Interrupted (Ctrl-C) or broken: drop queued batches and stop the workers at once.

    Waiting would finish every batch already handed to a worker (seconds each); their runs
    are not recorded either way, so a resume runs them again.
    """
    processes = list((getattr(pool, "_processes", None) or {}).values())  # no API before 3.14
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(timeout=10)


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
    """Connect to a running Dask scheduler (raises ExperimentError if unreachable)."""
    try:
        from distributed import Client
    except ImportError:  # pragma: no cover - distributed is a declared dependency
        raise ExperimentError("--scheduler needs the 'distributed' package") from None
    try:
        return Client(address, timeout="10s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise ExperimentError(f"--scheduler: cannot reach {address}: {exc}") from None


def dask_workers(client: Any) -> int:
    """Total worker threads of the cluster (at least 1)."""
    workers = client.scheduler_info().get("workers", {})
    return max(1, sum(w.get("nthreads", 1) for w in workers.values()))


def iter_dask(fn: Callable, batches: Iterable, client: Any) -> Iterator[Outcome]:
    """Run batches on a Dask cluster; results come back to this process to be stored.

    Tasks are submitted with ``pure=False`` so that Dask never merges two batches, and the
    results are fetched as they finish, so nothing accumulates on the cluster.
    """
    from distributed import as_completed

    limit = dask_workers(client) * INFLIGHT_PER_WORKER
    source = iter(batches)
    futures = {}
    for batch in islice(source, limit):
        futures[client.submit(fn, batch, pure=False)] = batch
    queue = as_completed(list(futures))
    try:
        for future in queue:
            batch = futures.pop(future)
            try:
                yield batch, future.result()
            except Exception as exc:  # noqa: BLE001 - reported per batch by the runner
                yield batch, exc
            future.release()
            for nxt in islice(source, 1):
                new = client.submit(fn, nxt, pure=False)
                futures[new] = nxt
                queue.add(new)
    finally:
        for future in futures:
            future.cancel()
