"""The ``study`` command of the ``pushpull`` CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sim.clikit import QuietOpt, WorkersOpt, fail
from sim.experiment.commands import EXIT_RUNS_FAILED, ResumeOpt, SchedulerOpt
from sim.experiment.errors import ExperimentError
from sim.experiment.progress import say as tell


def register(app: typer.Typer) -> None:
    """Add ``study`` to the ``pushpull`` typer app."""
    app.command("study")(study)


def study(
    quick: Annotated[
        bool, typer.Option("--quick", help="Fewer replications and samples (a few minutes).")
    ] = False,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    out: Annotated[
        Path | None,
        typer.Option(help="Results folder (default results/study, or results/study-quick)."),
    ] = None,
    index: Annotated[
        Path | None, typer.Option(help="Study index file (default experiments/study.toml).")
    ] = None,
    only: Annotated[
        list[str] | None, typer.Option("--only", help="Run only this question id (repeatable).")
    ] = None,
    resume: ResumeOpt = True,
    quiet: QuietOpt = False,
) -> None:
    """Run every experiment of the study (resumably) and write REPORT.md with the answers."""
    from sim.config import ConfigError
    from sim.study.runner import run_study
    from sim.study.spec import DEFAULT_INDEX

    def say(question: str, message: str) -> None:
        if not quiet:
            tell(f"{question}: {message}")

    try:
        result = run_study(
            index or DEFAULT_INDEX,
            out,
            quick=quick,
            workers=workers,
            scheduler=scheduler,
            fresh=not resume,
            only=only,
            progress=say,
        )
    except (ExperimentError, ConfigError) as exc:
        raise fail(str(exc)) from None
    except KeyboardInterrupt:
        tell("interrupted: finished runs are saved; rerun the same command to resume")
        raise typer.Exit(130) from None
    tell(
        f"{sum(q.runs for q in result.questions)} runs, {result.failed} failed, "
        f"{result.seconds:.0f} s -> {result.report}"
    )
    if result.failed:
        raise typer.Exit(EXIT_RUNS_FAILED)
