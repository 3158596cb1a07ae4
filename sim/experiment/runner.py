"""Run a plan: preflight, resume bookkeeping, batched execution, persistence, manifest."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterator
from concurrent.futures.process import BrokenProcessPool
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from sim import resources, store
from sim.experiment import executors, tidy, worker
from sim.experiment.batching import BatchSizer, guided_batch_size
from sim.experiment.errors import ExperimentError
from sim.experiment.manifest import build_manifest, git_commit, now
from sim.experiment.plan import Plan
from sim.experiment.worker import Batch, RunFn, Task, run_batch_tables
from sim.outputs import out_dir_problem

#: Error messages kept for the final report (all are in runs.parquet).
MAX_ERRORS = 100
DIED = "a worker process died (killed, or out of memory?)"


@dataclass
class Schema:
    """What every run produces, learnt from a short preflight run of each variant."""

    metrics: list[str]
    columns: list[str]
    numeric: list[bool]
    keys: list[pa.Field] = field(default_factory=list)  # variant, point, ..., swept parameters

    def arrow(self) -> pa.Schema | None:
        """The time-series parquet schema, or None when no time series are kept."""
        if not self.columns:
            return None
        fields = [pa.field("run_id", pa.int64()), *self.keys, pa.field("step", pa.int64())]
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
    warnings: list[str] = field(default_factory=list)


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
        for column, is_numeric in worker.column_kinds(ts).items():
            if column != "step":
                found.setdefault(column, is_numeric)
    columns = _select_columns(plan, list(found))
    numeric = [bool(found[c]) for c in columns]
    return Schema(list(metrics), columns, numeric, tidy.key_fields(plan))


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


def check_dir(plan: Plan, out_dir: Path) -> None:
    """Refuse a results directory that holds another experiment's (or unknown) results.

    An unreadable manifest (e.g. truncated by a full disk) is no obstacle when every run part
    says it belongs to this experiment: the manifest is written anew.
    """
    problem = out_dir_problem(out_dir)
    if problem:
        raise ExperimentError(f"{out_dir}: {problem}")
    try:
        manifest = store.read_manifest(out_dir)
    except ExperimentError as exc:
        if store.PartStore(out_dir).fingerprints() == {plan.fingerprint}:
            return
        raise ExperimentError(f"{exc}; use --fresh to start over") from None
    if manifest is not None and manifest.get("fingerprint") != plan.fingerprint:
        raise ExperimentError(
            f"{out_dir}: holds results of a different version of experiment "
            f"{manifest.get('name')!r}; use --fresh to discard them or --out for another directory"
        )
    if manifest is None and store.PartStore(out_dir).run_parts():
        raise ExperimentError(
            f"{out_dir}: has run parts but no manifest; use --fresh to start over"
        )


def prepare_dir(plan: Plan, out_dir: Path, fresh: bool) -> store.PartStore:
    """Make ``out_dir`` ready: start over (``fresh``) or check it belongs to this plan."""
    if fresh:
        store.clear(out_dir)
    else:
        check_dir(plan, out_dir)
    parts = store.PartStore(out_dir, plan.fingerprint)
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


@dataclass
class Options:
    """How to run a plan (see :func:`run_plan` for the meaning of each field)."""

    workers: int | None = None
    scheduler: str | None = None
    fresh: bool = False
    batch_size: int | None = None
    run_fn: RunFn | None = None
    progress: Progress | None = None
    on_start: Callable[[int, int], None] | None = None


def run_plan(plan: Plan, out_dir: Path | str, **options: Any) -> SweepReport:
    """Execute the runs of ``plan`` that are not yet in ``out_dir`` and consolidate.

    Args:
        plan: The validated plan.
        out_dir: Results directory.
        **options: Fields of :class:`Options`:
            workers: Local worker processes (default: all cores); ignored with ``scheduler``.
            scheduler: Address of a Dask scheduler, e.g. ``tcp://host:8786``.
            fresh: Discard existing results instead of resuming.
            batch_size: Runs per task (default: shrinking batches of at most 16).
            run_fn: Executes one scenario (default: the core model; tests inject failures).
            progress: Called after each finished batch with (runs, failed runs).
            on_start: Called once with (runs to do, runs already done).

    Raises:
        ExperimentError: bad input, a results directory of another experiment, or one in
            use by another sweep.
    """
    opts = Options(**options)
    problem = out_dir_problem(Path(out_dir))
    if problem:  # before anything runs: a path that cannot be written is bad input
        raise ExperimentError(f"{out_dir}: {problem}")
    if not opts.fresh:
        check_dir(plan, Path(out_dir))  # before the lock file is created: bad input writes nothing
    client = executors.connect_dask(opts.scheduler) if opts.scheduler else None
    # overlaps the workers' imports with the preflight
    executors.warm_up_processes(opts.workers, opts.scheduler)
    try:
        schema = preflight(plan, opts.run_fn)
        with store.exclusive(Path(out_dir)), executors.sigterm_as_interrupt():
            return _run_locked(plan, Path(out_dir), schema, client, opts)
    finally:
        if client is not None:
            executors.close_dask(client)


def _run_locked(
    plan: Plan, out_dir: Path, schema: Schema, client: Any, opts: Options
) -> SweepReport:
    previous = _previous_manifest(out_dir)
    parts = prepare_dir(plan, out_dir, opts.fresh)
    done = set(parts.finished()["run_id"].tolist())
    todo = [t for t in plan.tasks if t.run_id not in done]
    report = SweepReport(out_dir, total=len(plan.tasks), skipped=len(plan.tasks) - len(todo))
    if parts.dropped:
        report.warnings.append(
            f"{parts.dropped} saved batch(es) were damaged or incomplete; their runs run again"
        )
    if done and todo and previous.get("git_commit") not in (None, git_commit()):
        # Same experiment, different code: the model may have changed between sessions.
        report.warnings.append(
            f"resuming results of commit {previous['git_commit'][:10]} with commit "
            f"{(git_commit() or '?')[:10]}; use --fresh if the model changed"
        )
    local = _affordable_workers(plan, opts.workers or executors.default_workers(), report)
    nworkers = executors.dask_workers(client) if client else local
    manifest = build_manifest(plan, schema, out_dir, nworkers, opts.scheduler)
    store.write_json_atomic(manifest, out_dir / store.MANIFEST_FILE)
    if opts.on_start:
        opts.on_start(len(todo), report.skipped)
    size = guided_batch_size(nworkers, opts.batch_size)
    batches = make_batches(plan, schema, todo, size, opts.run_fn)
    try:
        with closing(_outcomes(batches, client, nworkers)) as outcomes:
            _consume(outcomes, parts, report, opts.progress, size)
    finally:
        # Also after Ctrl-C: what finished is consolidated and usable right away.
        _finish(parts, schema, manifest, report)
    return report


def _affordable_workers(plan: Plan, workers: int, report: SweepReport) -> int:
    """As many local workers as memory holds, each running the plan's largest run."""
    per_worker = max(resources.run_bytes(c) for c in plan.configs.values()) + resources.BASE_BYTES
    fits = max(1, int(resources.available_memory() // per_worker))
    if fits >= workers:
        return workers
    report.warnings.append(
        f"{workers} workers would need about {resources.size_text(workers * per_worker)} of "
        f"memory; using {fits}"
    )
    return fits


def _previous_manifest(out_dir: Path) -> dict:
    # check_dir has accepted an unreadable manifest only if the parts are this experiment's.
    try:
        return store.read_manifest(out_dir) or {}
    except ExperimentError:
        return {}


def _outcomes(batches: Iterator[Batch], client: Any, workers: int) -> Iterator:
    if client is not None:
        return executors.iter_dask(run_batch_tables, batches, client)
    if workers == 1:
        return executors.iter_serial(run_batch_tables, batches)
    return executors.iter_processes(run_batch_tables, batches, workers)


def _consume(
    outcomes: Iterator,
    parts: store.PartStore,
    report: SweepReport,
    progress: Progress | None,
    sizer: BatchSizer | None = None,
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
                failed = _store(result, parts, report, sizer)
            if progress:
                progress(n, failed)
    except BrokenProcessPool:
        # A worker died (killed, out of memory): the pool cannot go on. What finished is
        # saved; the remaining runs are left for a resume.
        report.lost = max(report.lost, 1)
        _note(report, f"{DIED}; rerun the command to resume the remaining runs")


def _store(
    result: tuple[pa.Table, pa.Table | None],
    parts: store.PartStore,
    report: SweepReport,
    sizer: BatchSizer | None,
) -> int:
    """Persist a finished batch and count it in the report; returns its failed runs."""
    runs, timeseries = result
    parts.write_batch(runs, timeseries)
    status = runs.column("status").to_pylist()
    failed = sum(s != "ok" for s in status)
    report.failed += failed
    report.ok += len(status) - failed
    if failed:
        ids, errors = runs.column("run_id").to_pylist(), runs.column("error").to_pylist()
        for run_id, state, error in zip(ids, status, errors, strict=True):
            if state != "ok":
                _note(report, f"run {run_id}: {error}")
    if sizer is not None:
        sizer.observe(len(status), pc.sum(runs.column("duration")).as_py() or 0.0)
    return failed


def _note(report: SweepReport, message: str) -> None:
    # Bounded: a sweep where every run fails must not hold every message in memory.
    if len(report.errors) < MAX_ERRORS:
        report.errors.append(message)


def _finish(parts: store.PartStore, schema: Schema, manifest: dict, report: SweepReport) -> None:
    n_runs, n_rows = parts.consolidate(schema.arrow())
    finished = parts.finished()
    manifest.update(
        finished_at=now(),
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
