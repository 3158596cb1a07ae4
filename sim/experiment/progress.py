"""What a sweep shows on the terminal: the plan's headline, a progress bar, the report."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

err_console = Console(stderr=True, highlight=False)


def say(message: str) -> None:
    """One line on stderr, never wrapped or styled."""
    err_console.print(message, markup=False, soft_wrap=True)


def headline(plan, workers: int | None, scheduler: str | None) -> str:
    """``name: N runs = variants x points x replications, on <where>``."""
    from sim.experiment.executors import default_workers

    local = f"{workers or default_workers()} local worker process(es)"
    where = f"the Dask cluster at {scheduler}" if scheduler else local
    return (
        f"{plan.experiment.name}: {len(plan.tasks)} runs = {len(plan.configs)} variant(s) x "
        f"{len(plan.design.points)} design point(s) x {plan.experiment.replications} "
        f"replication(s), on {where}"
    )


class ProgressBar:
    """A rich progress bar: runs done, failures, time elapsed and time remaining.

    It appears only once the runs start, so bad input found before (by the preflight)
    still gives nothing but its one error line. ``quiet`` shows nothing at all.
    """

    def __init__(self, name: str, headline: str = "", quiet: bool = False) -> None:
        self.progress = Progress(
            TextColumn(f"[bold]{name}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("runs, [red]{task.fields[failed]} failed[/red], elapsed"),
            TimeElapsedColumn(),
            TextColumn("remaining"),
            TimeRemainingColumn(),
            console=err_console,
            disable=quiet,
        )
        self.headline = headline
        self.quiet = quiet
        self.task = None
        self.failed = 0

    def __enter__(self):
        return self.on_start, self.on_batch

    def __exit__(self, *exc: object) -> None:
        if self.task is not None:
            self.progress.stop()

    def on_start(self, todo: int, done: int) -> None:
        """Show the plan's headline and start the bar (the runner is about to run)."""
        if self.headline and not self.quiet:
            say(self.headline)
        if done and not self.quiet:
            say(f"resuming: {done} runs already done, {todo} to go")
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


def print_report(report, quiet: bool = False) -> None:
    """What the sweep did (unless ``quiet``), then its warnings and first errors."""
    from sim import store

    counts = (store.read_manifest(report.out_dir) or {}).get("counts", {})
    if not quiet:
        say(
            f"{counts.get('finished', 0)}/{report.total} runs done "
            f"({report.ok + report.failed} now, {report.skipped} before): "
            f"{counts.get('ok', 0)} ok, {counts.get('failed', 0)} failed"
            + (f", {report.lost} lost (rerun to retry)" if report.lost else "")
            + f" -> {report.out_dir}"
        )
    for line in report.warnings:
        say(f"warning: {line}")
    for line in report.errors[:5]:
        say(f"  {line}")
    if len(report.errors) > 5:
        say(f"  ... and {len(report.errors) - 5} more (see runs.parquet)")


def failed_in_dir(out_dir: Path) -> bool:
    """Whether the results in ``out_dir`` hold failed or missing runs."""
    from sim import store

    counts = (store.read_manifest(out_dir) or {}).get("counts", {})
    return bool(counts.get("failed", 0) or counts.get("missing", 0))
