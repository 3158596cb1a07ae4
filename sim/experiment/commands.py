"""The ``sweep``, ``analyze`` and ``compare`` commands of the ``pushpull`` CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from sim.experiment.errors import ExperimentError, RunFault

RESULTS_ROOT = Path("results")
EXIT_BAD_INPUT = 2
EXIT_RUNS_FAILED = 1

err_console = Console(stderr=True, highlight=False)


def register(app: typer.Typer) -> None:
    """Add the experiment commands to the ``pushpull`` typer app."""
    app.command("sweep")(sweep)
    app.command("analyze")(analyze)
    app.command("compare")(compare)


def fail(message: str, code: int = EXIT_BAD_INPUT) -> typer.Exit:
    """Print ``error: message`` as one line on stderr; return the exit to raise."""
    err_console.print(f"error: {message}", markup=False, soft_wrap=True)
    return typer.Exit(code)


def check_out(out: Path | None) -> None:
    """Refuse an ``--out`` that is a file, lies below one, or cannot be written, up front."""
    from sim.outputs import out_dir_problem

    problem = out_dir_problem(out) if out is not None else None
    if problem:
        raise ExperimentError(f"--out {out}: {problem}")


WorkersOpt = Annotated[
    int | None,
    typer.Option("--workers", "-w", min=1, help="Local worker processes (default: all cores)."),
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option(help="Dask scheduler address, e.g. tcp://host:8786; runs the sweep there."),
]
OutOpt = Annotated[Path | None, typer.Option(help="Results directory (default: results/<name>).")]
ResumeOpt = Annotated[
    bool, typer.Option("--resume/--fresh", help="Resume an interrupted sweep, or start over.")
]
BatchOpt = Annotated[int | None, typer.Option(min=1, help="Runs per task (default: auto).")]
DryRunOpt = Annotated[
    bool, typer.Option("--dry-run", help="Validate and show the plan; run and write nothing.")
]


def sweep(
    experiment: Annotated[Path, typer.Argument(help="Experiment file (TOML).")],
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    out: OutOpt = None,
    resume: ResumeOpt = True,
    batch_size: BatchOpt = None,
    dry_run: DryRunOpt = False,
) -> None:
    """Run every run of an experiment, in parallel, resumably; results go to parquet."""
    from sim.config import ConfigError

    try:
        if dry_run:
            _dry_run(experiment, workers, scheduler)
            return
        report = _run_sweep(experiment, out, workers, scheduler, not resume, batch_size)
    except RunFault as exc:
        raise fail(str(exc), EXIT_RUNS_FAILED) from None
    except (ExperimentError, ConfigError) as exc:
        raise fail(str(exc)) from None
    except KeyboardInterrupt:
        err_console.print("interrupted: finished runs are saved; rerun the same command to resume")
        raise typer.Exit(130) from None
    _print_report(report)
    if report.failed or report.lost or _failed_in_dir(report.out_dir):
        raise typer.Exit(EXIT_RUNS_FAILED)


def _dry_run(experiment: Path, workers: int | None, scheduler: str | None) -> None:
    from rich.table import Table

    from sim.experiment.plan import make_plan
    from sim.experiment.runner import preflight
    from sim.experiment.spec import load_experiment

    spec, text = load_experiment(experiment)
    plan = make_plan(spec, str(experiment), text)
    schema = preflight(plan)  # also checks [output] columns against a short run
    err_console.print(_headline(plan, workers, scheduler), markup=False, soft_wrap=True)
    table = Table(title=f"design: {plan.design.kind} (first 10 of {len(plan.design.points)})")
    for name in ["point", *plan.design.names]:
        table.add_column(name)
    for i, point in enumerate(plan.design.points[:10]):
        table.add_row(
            str(i),
            *(
                f"{point[n]:.4g}" if isinstance(point[n], float) else str(point[n])
                for n in plan.design.names
            ),
        )
    Console().print(table)
    typer.echo(f"variants: {', '.join(plan.configs)}")
    typer.echo(f"time series kept: {', '.join(schema.columns) or 'none'}")


def _headline(plan, workers: int | None, scheduler: str | None) -> str:
    from sim.experiment.executors import default_workers

    local = f"{workers or default_workers()} local worker process(es)"
    where = f"the Dask cluster at {scheduler}" if scheduler else local
    return (
        f"{plan.experiment.name}: {len(plan.tasks)} runs = {len(plan.configs)} variant(s) x "
        f"{len(plan.design.points)} design point(s) x {plan.experiment.replications} "
        f"replication(s), on {where}"
    )


def _run_sweep(
    experiment: Path,
    out: Path | None,
    workers: int | None,
    scheduler: str | None,
    fresh: bool,
    batch_size: int | None,
):
    from sim.experiment.plan import make_plan
    from sim.experiment.runner import run_plan
    from sim.experiment.spec import load_experiment

    spec, text = load_experiment(experiment)
    check_out(out)
    plan = make_plan(spec, str(experiment), text)
    headline = _headline(plan, workers, scheduler)
    with _progress_bar(spec.name, headline) as (on_start, on_batch):
        return run_plan(
            plan,
            out or RESULTS_ROOT / spec.name,
            workers=workers,
            scheduler=scheduler,
            fresh=fresh,
            batch_size=batch_size,
            progress=on_batch,
            on_start=on_start,
        )


class _progress_bar:  # noqa: N801 - used as a context manager like a function
    """A rich progress bar showing runs done, failures and the time remaining.

    It appears only once the runs start, so bad input found before (by the preflight)
    still gives nothing but its one error line.
    """

    def __init__(self, name: str, headline: str = "") -> None:
        self.progress = Progress(
            TextColumn(f"[bold]{name}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("runs, [red]{task.fields[failed]} failed"),
            TimeElapsedColumn(),
            TextColumn("left"),
            TimeRemainingColumn(),
            console=err_console,
        )
        self.headline = headline
        self.task = None
        self.failed = 0

    def __enter__(self):
        return self.on_start, self.on_batch

    def __exit__(self, *exc: object) -> None:
        if self.task is not None:
            self.progress.stop()

    def on_start(self, todo: int, done: int) -> None:
        """Show the plan's headline and start the bar (the runner is about to run)."""
        if self.headline:
            err_console.print(self.headline, markup=False, soft_wrap=True)
        if done:
            err_console.print(f"resuming: {done} runs already done, {todo} to go")
        if not todo:
            return
        self.progress.start()
        self.task = self.progress.add_task("runs", total=todo, failed=0)

    def on_batch(self, runs: int, failed: int) -> None:
        """Advance by a finished batch."""
        if self.task is None:
            return
        self.failed += failed
        self.progress.update(self.task, advance=runs, failed=self.failed)


def _print_report(report) -> None:
    from sim import store

    counts = (store.read_manifest(report.out_dir) or {}).get("counts", {})
    err_console.print(
        f"{counts.get('finished', 0)}/{report.total} runs done ({report.ok + report.failed} now, "
        f"{report.skipped} before): {counts.get('ok', 0)} ok, {counts.get('failed', 0)} failed"
        + (f", {report.lost} lost (rerun to retry)" if report.lost else "")
        + f" -> {report.out_dir}",
        markup=False,
        soft_wrap=True,
    )
    for line in report.warnings:
        err_console.print(f"warning: {line}", markup=False, soft_wrap=True)
    for line in report.errors[:5]:
        err_console.print(f"  {line}", markup=False, soft_wrap=True)
    if len(report.errors) > 5:
        err_console.print(
            f"  ... and {len(report.errors) - 5} more (see runs.parquet)",
            markup=False,
            soft_wrap=True,
        )


def _failed_in_dir(out_dir: Path) -> bool:
    from sim import store

    counts = (store.read_manifest(out_dir) or {}).get("counts", {})
    return bool(counts.get("failed", 0) or counts.get("missing", 0))


def analyze(
    results_dir: Annotated[Path, typer.Argument(help="A results directory written by sweep.")],
) -> None:
    """Write figures/, summary.md and (Sobol, Morris) sensitivity.csv for a sweep's results."""
    from sim.analysis.report import analyze_results

    try:
        written = analyze_results(results_dir)
    except ExperimentError as exc:
        raise fail(str(exc)) from None
    for path in written:
        typer.echo(str(path))


def compare(
    scenarios: Annotated[list[str], typer.Argument(help="Two or more scenario names or files.")],
    replications: Annotated[int, typer.Option(min=1, help="Runs per scenario.")] = 10,
    out: Annotated[
        Path | None, typer.Option(help="Output directory (default: results/compare-...).")
    ] = None,
    workers: WorkersOpt = None,
    seed: Annotated[int, typer.Option(min=0, help="Master seed.")] = 1,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="dotted.name=value applied to every scenario (repeatable)."),
    ] = None,
) -> None:
    """Compare scenarios side by side: table, participation figure and a plain-language report."""
    from sim.analysis.compare import compare_scenarios
    from sim.config import ConfigError

    try:
        from sim.cli import parse_sets  # lazy: sim.cli imports this module

        overrides = parse_sets(set_)
        check_out(out)
        with _progress_bar("compare") as (on_start, on_batch):
            result = compare_scenarios(
                scenarios,
                overrides=overrides,
                replications=replications,
                out=out,
                workers=workers,
                seed=seed,
                progress=on_batch,
                on_start=on_start,
            )
    except (ExperimentError, ConfigError) as exc:
        raise fail(str(exc)) from None
    Console().print(result.table)
    for path in result.written:
        typer.echo(str(path))
    if result.failed:
        raise typer.Exit(EXIT_RUNS_FAILED)
