"""Run a plan: preflight, resume bookkeeping, batched execution, persistence, manifest."""

from __future__ import annotations

import fnmatch
import platform
import subprocess
from collections.abc import Callable, Iterator
from concurrent.futures.process import BrokenProcessPool
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from sim import store
from sim.experiment import executors, worker
from sim.experiment.errors import ExperimentError
from sim.experiment.plan import Plan
from sim.experiment.worker import Batch, RunFn, Task, run_batch

#: Upper bound on runs per batch: a batch is also the unit of persistence.
MAX_BATCH = 16
#: Error messages kept for the final report (all are in runs.parquet).
MAX_ERRORS = 100
DIED = "a worker process died (killed, or out of memory?)"


@dataclass
class Schema:
    """What every run produces, learnt from a short preflight run of each variant."""

    metrics: list[str]
    columns: list[str]
    numeric: list[bool]

    def arrow(self) -> pa.Schema | None:
        """The time-series parquet schema, or None when no time series are kept."""
        if not self.columns:
            return None
        fields = [pa.field("run_id", pa.int64()), pa.field("step", pa.int64())]
        fields += [
            pa.field(c, pa.float64() if n else pa.string())
            for c, n in zip(self.columns, self.numeric, strict=True)
        ]
        return pa.schema(fields)


@dataclass
class SweepReport:
    """What a sweep did in this session.

    ``failed`` counts runs that raised (recorded as failed); ``lost`` counts runs whose
    batch never came back (a worker died): they are not recorded, so a resume reruns them.
    """

    out_dir: Path
    total: int
    skipped: int = 0
    ok: int = 0
    failed: int = 0
    lost: int = 0
    errors: list[str] = field(default_factory=list)


Progress = Callable[[int, int], None]  # (runs finished in this call, of which failed)


def preflight(plan: Plan, run_fn: RunFn | None = None) -> Schema:
    """Run every variant for two steps to learn metric names and time-series columns.

    This also surfaces a broken model or an unknown ``[output]`` column before hundreds of
    runs fail one by one.
    """
    metrics: dict[str, None] = {}
    found: dict[str, bool] = {}
    for variant, cfg in plan.configs.items():
        try:
            # Two steps and no schedule (its phases may lie beyond step 2) are enough to
            # learn the columns, which depend only on the sectors.
            short = cfg.with_overrides({"steps": min(cfg.steps, 2), "schedule": []})
            summary, ts = (run_fn or worker.execute_run)(short)
        except Exception as exc:  # noqa: BLE001 - reported as one line
            raise ExperimentError(
                f"{plan.source}: variant {variant!r} fails to run: {' '.join(str(exc).split())}"
            ) from None
        metrics.update(dict.fromkeys(summary))
        for column in ts.columns:
            if column != "step":
                found.setdefault(column, pd.api.types.is_numeric_dtype(ts[column]))
    columns = _select_columns(plan, list(found))
    return Schema(list(metrics), columns, [bool(found[c]) for c in columns])


def _select_columns(plan: Plan, available: list[str]) -> list[str]:
    wanted = plan.experiment.output.timeseries
    if wanted == "none":
        return []
    if wanted == "all":
        return available
    chosen: list[str] = []
    for pattern in wanted:
        matches = fnmatch.filter(available, pattern)
        if not matches:
            raise ExperimentError(
                f"{plan.source}: output.timeseries: no column {pattern!r}; "
                f"available: {', '.join(available)}"
            )
        chosen += [m for m in matches if m not in chosen]
    return chosen


def prepare_dir(plan: Plan, out_dir: Path, fresh: bool) -> store.PartStore:
    """Make ``out_dir`` ready: start over (``fresh``) or check it belongs to this plan."""
    manifest = store.read_manifest(out_dir)
    if fresh:
        store.clear(out_dir)
    elif manifest is not None and manifest.get("fingerprint") != plan.fingerprint:
        raise ExperimentError(
            f"{out_dir}: holds results of a different version of experiment "
            f"{manifest.get('name')!r}; use --fresh to discard them or --out for another directory"
        )
    elif manifest is None and (out_dir / store.PARTS_DIR).exists():
        raise ExperimentError(
            f"{out_dir}: has run parts but no manifest; use --fresh to start over"
        )
    parts = store.PartStore(out_dir)
    parts.open()
    return parts


def make_batches(
    plan: Plan, schema: Schema, todo: list[Task], size: Callable[[int], int], run_fn: RunFn | None
) -> Iterator[Batch]:
    """Group runs into batches of consecutive run ids (parts then never interleave).

    ``size(remaining)`` gives the size of the next batch from the number of runs left.
    """
    group: list[Task] = []
    limit = size(len(todo))
    for i, task in enumerate(todo):
        if group and (len(group) == limit or task.run_id != group[-1].run_id + 1):
            yield _batch(plan, schema, group, run_fn)
            group = []
            limit = size(len(todo) - i)
        group.append(task)
    if group:
        yield _batch(plan, schema, group, run_fn)


def _batch(plan: Plan, schema: Schema, tasks: list[Task], run_fn: RunFn | None) -> Batch:
    variants = {t.variant for t in tasks}
    points = {t.point: plan.design.points[t.point] for t in tasks}
    return Batch(
        tasks=tasks,
        configs={v: plan.configs[v] for v in variants},
        points=points,
        metrics=schema.metrics,
        columns=schema.columns,
        numeric=schema.numeric,
        every=plan.experiment.output.every,
        run_fn=run_fn,
        param_names=plan.design.names,
    )


def guided_batch_size(workers: int, fixed: int | None = None) -> Callable[[int], int]:
    """Batch sizes that shrink as the sweep nears its end (guided self-scheduling).

    Big batches early keep per-task overhead low; small batches late keep every worker busy
    until the last run, instead of one worker finishing a long batch alone.
    """
    if fixed:
        return lambda remaining: fixed
    return lambda remaining: max(1, min(MAX_BATCH, remaining // (workers * 4)))


def run_plan(
    plan: Plan,
    out_dir: Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    fresh: bool = False,
    batch_size: int | None = None,
    run_fn: RunFn | None = None,
    progress: Progress | None = None,
    on_start: Callable[[int, int], None] | None = None,
) -> SweepReport:
    """Execute the runs of ``plan`` that are not yet in ``out_dir`` and consolidate.

    Args:
        plan: The validated plan.
        out_dir: Results directory.
        workers: Local worker processes (default: all cores); ignored with ``scheduler``.
        scheduler: Address of a Dask scheduler, e.g. ``tcp://host:8786``.
        fresh: Discard existing results instead of resuming.
        batch_size: Runs per task (default: chosen from the number of runs and workers).
        run_fn: Executes one scenario (default: the core model; tests inject failures).
        progress: Called after each finished batch with (runs, failed runs).
        on_start: Called once with (runs to do, runs already done).

    Raises:
        ExperimentError: bad input or a results directory of another experiment.
    """
    if not scheduler and (workers or executors.default_workers()) > 1:
        executors.warm_up_processes()  # overlaps the workers' imports with the preflight
    schema = preflight(plan, run_fn)
    client = executors.connect_dask(scheduler) if scheduler else None
    manifest: dict[str, Any] | None = None
    try:
        out_dir = Path(out_dir)
        parts = prepare_dir(plan, out_dir, fresh)
        done = set(parts.finished()["run_id"].tolist())
        todo = [t for t in plan.tasks if t.run_id not in done]
        report = SweepReport(out_dir, total=len(plan.tasks), skipped=len(plan.tasks) - len(todo))
        nworkers = (
            executors.dask_workers(client) if client else (workers or executors.default_workers())
        )
        manifest = _manifest(plan, schema, out_dir, nworkers, scheduler)
        store.write_json_atomic(manifest, out_dir / store.MANIFEST_FILE)
        if on_start:
            on_start(len(todo), report.skipped)
        batches = make_batches(plan, schema, todo, guided_batch_size(nworkers, batch_size), run_fn)
        with closing(_outcomes(batches, client, nworkers)) as outcomes:
            _consume(outcomes, parts, report, progress)
    except KeyboardInterrupt:
        if manifest is not None:  # what finished is consolidated and usable
            _finish(parts, schema, manifest, report)
        raise
    finally:
        if client is not None:
            client.close()
    _finish(parts, schema, manifest, report)
    return report


def _outcomes(batches: Iterator[Batch], client: Any, workers: int) -> Iterator:
    if client is not None:
        return executors.iter_dask(run_batch, batches, client)
    if workers == 1:
        return executors.iter_serial(run_batch, batches)
    return executors.iter_processes(run_batch, batches, workers)


def _consume(
    outcomes: Iterator, parts: store.PartStore, report: SweepReport, progress: Progress | None
) -> None:
    try:
        for batch, result in outcomes:
            n = len(batch.tasks)
            if isinstance(result, BaseException):
                # Nothing is stored for a lost batch, so a resume runs it again.
                report.lost += n
                first, last = batch.tasks[0].run_id, batch.tasks[-1].run_id
                cause = (
                    DIED
                    if isinstance(result, BrokenProcessPool)
                    else f"{type(result).__name__}: {result}"
                )
                _note(report, f"runs {first}-{last} lost: {cause}; rerun the command to retry them")
                failed = n
            else:
                runs, timeseries = result
                parts.write_batch(runs, timeseries)
                failed = int((runs["status"] != "ok").sum())
                report.failed += failed
                report.ok += n - failed
                bad = runs.loc[runs["status"] != "ok", ["run_id", "error"]]
                for run_id, error in bad.itertuples(index=False):
                    _note(report, f"run {run_id}: {error}")
            if progress:
                progress(n, failed)
    except BrokenProcessPool:
        # A worker died (killed, out of memory): the pool cannot go on. What finished is
        # saved; the remaining runs are left for a resume.
        report.lost = max(report.lost, 1)
        _note(report, f"{DIED}; rerun the command to resume the remaining runs")


def _note(report: SweepReport, message: str) -> None:
    # Bounded: a sweep where every run fails must not hold every message in memory.
    if len(report.errors) < MAX_ERRORS:
        report.errors.append(message)


def _finish(parts: store.PartStore, schema: Schema, manifest: dict, report: SweepReport) -> None:
    n_runs, n_rows = parts.consolidate(schema.arrow())
    finished = parts.finished()
    manifest.update(
        finished_at=_now(),
        counts={
            "planned": report.total,
            "finished": int(len(finished)),
            "ok": int((finished["status"] == "ok").sum()),
            "failed": int((finished["status"] != "ok").sum()),
            "missing": report.total - int(len(finished)),
            "run_this_session": report.ok + report.failed,
            "timeseries_rows": n_rows,
        },
    )
    store.write_json_atomic(manifest, parts.out_dir / store.MANIFEST_FILE)


def _manifest(
    plan: Plan, schema: Schema, out_dir: Path, workers: int, scheduler: str | None
) -> dict[str, Any]:
    previous = store.read_manifest(out_dir) or {}
    return {
        "name": plan.experiment.name,
        "fingerprint": plan.fingerprint,
        "experiment_source": plan.source,
        "experiment_file": plan.text,
        "experiment": plan.experiment.model_dump(mode="json"),
        "package_version": _package_version(),
        "git_commit": _git_commit(),
        "python": platform.python_version(),
        "started_at": previous.get("started_at", _now()),
        "session_started_at": _now(),
        "finished_at": None,
        "executor": {"scheduler": scheduler, "workers": workers},
        "variants": {v: c.flat() for v, c in plan.configs.items()},
        "design": plan.design.to_json(),
        "master_seed": plan.experiment.seed,
        "seeds": [t.seed for t in plan.tasks],
        "metrics": schema.metrics,
        "timeseries_columns": schema.columns,
        "counts": previous.get("counts", {}),
    }


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pushpull")
    except PackageNotFoundError:
        import sim

        return str(getattr(sim, "__version__", "unknown"))


def _git_commit() -> str | None:
    root = Path(__file__).resolve().parents[2]
    try:
        out = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None
