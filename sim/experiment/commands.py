"""The ``sweep``, ``analyze``, ``compare`` and ``export`` commands of the ``pushpull`` CLI.

Their shared options (``--set``, ``--steps``, ``--seed``, ``--out``, ``--force``,
``--quiet``, ``--workers``) come from :mod:`sim.clikit`, so every command spells and means
them the same way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sim.clikit import (
    ForceOpt,
    QuietOpt,
    SetOpt,
    StepsOpt,
    WorkersOpt,
    check_out_dir,
    fail,
    out_option,
    scenario_overrides,
    seed_option,
)
from sim.experiment import executors
from sim.experiment.errors import ExperimentError, RunFault
from sim.experiment.progress import ProgressBar, failed_in_dir, headline, print_report, say

#: Where results go by default (git ignores it); committed results are written on purpose.
RESULTS_ROOT = Path("out")
EXIT_RUNS_FAILED = 1


def check_out(out: Path | None) -> None:
    """Refuse an ``--out`` that is a file, lies below one, or cannot be written, up front."""
    from sim.outputs import out_dir_problem

    problem = out_dir_problem(out) if out is not None else None
    if problem:
        raise ExperimentError(f"--out {out}: {problem}")


SchedulerOpt = Annotated[
    str | None,
    typer.Option(help="Dask scheduler address, e.g. tcp://host:8786; runs the sweep there."),
]
ResumeOpt = Annotated[
    bool, typer.Option("--resume/--fresh", help="Resume an interrupted sweep, or start over.")
]
BatchOpt = Annotated[int | None, typer.Option(min=1, help="Runs per task (default: auto).")]
DryRunOpt = Annotated[
    bool, typer.Option("--dry-run", help="Validate and show the plan; run and write nothing.")
]
MasterSeedOpt = seed_option("Master seed: every run's seed is spawned from it.")
SweepOutOpt = out_option("default: out/<experiment name>")
CompareOutOpt = out_option("default: out/compare-<names>")
ExperimentArg = Annotated[
    Path, typer.Argument(metavar="EXPERIMENT", help="Experiment file (TOML).")
]
ResultsArg = Annotated[
    Path, typer.Argument(metavar="RESULTS", help="A results folder written by sweep or compare.")
]


def register(app: typer.Typer) -> None:
    """Add the experiment commands to the ``pushpull`` typer app."""
    app.command("sweep")(sweep)
    app.command("analyze")(analyze)
    app.command("compare")(compare)
    app.command("export")(export)


def sweep(
    experiment: ExperimentArg,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    out: SweepOutOpt = None,
    resume: ResumeOpt = True,
    batch_size: BatchOpt = None,
    dry_run: DryRunOpt = False,
    seed: MasterSeedOpt = None,
    steps: StepsOpt = None,
    set_: SetOpt = None,
    force: ForceOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Run every run of an experiment, in parallel, resumably; results go to parquet."""
    from sim.config import ConfigError
    from sim.experiment.design import design_warnings

    try:
        plan = _load_plan(experiment, set_, steps, seed)
        for line in design_warnings(plan.experiment.sweep):
            say(f"warning: {experiment}: {line}")
        if dry_run:
            _dry_run(plan, workers, scheduler)
            return
        out_dir = out or RESULTS_ROOT / plan.experiment.name
        name = plan.experiment.name
        check_out(out_dir)
        check_out_dir(out_dir, _results_of(name), force, f"experiment {name!r}")
        executors.warm_up_processes(workers, scheduler)  # imports the model while we do
        report = _run_sweep(plan, out_dir, workers, scheduler, not resume, batch_size, quiet)
    except RunFault as exc:
        raise fail(str(exc), EXIT_RUNS_FAILED) from None
    except (ExperimentError, ConfigError) as exc:
        raise fail(str(exc)) from None
    except KeyboardInterrupt:
        say("interrupted: finished runs are saved; rerun the same command to resume")
        raise typer.Exit(130) from None
    print_report(report, quiet)
    if report.failed or report.lost or failed_in_dir(report.out_dir):
        raise typer.Exit(EXIT_RUNS_FAILED)


def _load_plan(experiment: Path, set_: list[str] | None, steps: int | None, seed: int | None):
    from sim.experiment.plan import make_plan, with_cli_overrides
    from sim.experiment.spec import load_experiment

    spec, text = load_experiment(experiment)
    overrides, labels = scenario_overrides(set_, steps)
    spec = with_cli_overrides(spec, overrides, labels, seed)
    return make_plan(spec, str(experiment), text)


def _results_of(name: str):
    """Whether a folder holds (possibly partial) results of the experiment ``name``."""
    from sim import store

    def ours(folder: Path) -> bool:
        manifest = store.read_manifest(folder)
        if manifest is None:
            return (folder / store.PARTS_DIR).is_dir()  # the runner explains what is wrong
        return manifest.get("name") == name

    return ours


def _dry_run(plan, workers: int | None, scheduler: str | None) -> None:
    from rich.console import Console
    from rich.table import Table

    from sim.experiment.runner import preflight

    schema = preflight(plan)  # also checks [output] columns against a short run
    say(headline(plan, workers, scheduler))
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


def _run_sweep(plan, out_dir: Path, workers, scheduler, fresh: bool, batch_size, quiet: bool):
    from sim.experiment.runner import run_plan

    text = headline(plan, workers, scheduler)
    with ProgressBar(plan.experiment.name, text, quiet) as (on_start, on_batch):
        return run_plan(
            plan,
            out_dir,
            workers=workers,
            scheduler=scheduler,
            fresh=fresh,
            batch_size=batch_size,
            progress=on_batch,
            on_start=on_start,
        )


def analyze(results_dir: ResultsArg, quiet: QuietOpt = False) -> None:
    """Write figures/, summary.md and (Sobol, Morris) sensitivity.csv for a sweep's results."""
    from sim.analysis.report import analyze_results

    try:
        written = analyze_results(results_dir, warn=lambda line: say(f"warning: {line}"))
    except ExperimentError as exc:
        raise fail(str(exc)) from None
    if not quiet:
        for path in written:
            typer.echo(str(path))


def compare(
    scenarios: Annotated[
        list[str], typer.Argument(metavar="SCENARIO...", help="Two or more scenarios.")
    ],
    replications: Annotated[int, typer.Option(min=1, help="Runs per scenario.")] = 10,
    out: CompareOutOpt = None,
    workers: WorkersOpt = None,
    seed: MasterSeedOpt = None,
    steps: StepsOpt = None,
    set_: SetOpt = None,
    force: ForceOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Compare scenarios side by side: table, participation figure and a plain-language report."""
    from rich.console import Console

    from sim.analysis.compare import compare_scenarios
    from sim.config import ConfigError

    try:
        overrides, labels = scenario_overrides(set_, steps)
        check_out(out)
        with ProgressBar("compare", quiet=quiet) as (on_start, on_batch):
            result = compare_scenarios(
                scenarios,
                overrides=overrides,
                override_label=labels,
                replications=replications,
                out=out,
                workers=workers,
                seed=1 if seed is None else seed,
                force=force,
                progress=on_batch,
                on_start=on_start,
            )
    except (ExperimentError, ConfigError) as exc:
        raise fail(str(exc)) from None
    if not quiet:
        Console().print(result.table)
        for path in result.written:
            typer.echo(str(path))
    if result.failed:
        raise typer.Exit(EXIT_RUNS_FAILED)


def export(
    results_dir: ResultsArg,
    format_: Annotated[str, typer.Option("--format", "-f", help="csv | parquet.")] = "csv",
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Output folder (default: RESULTS/export).")
    ] = None,
    quiet: QuietOpt = False,
) -> None:
    """Write tidy runs, time series and variants tables (CSV for R, Excel, Stata; or parquet)."""
    from sim.analysis.export import export_results

    try:
        written = export_results(results_dir, format_, out)
    except ExperimentError as exc:
        raise fail(str(exc)) from None
    if not quiet:
        for path in written:
            typer.echo(str(path))
