"""The ``pushpull validate`` command: run the published findings, write and print the table."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

DEFAULT_OUT = Path("out/validation")
stdout = Console()
stderr = Console(stderr=True, highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``validate`` to the ``pushpull`` typer app."""
    app.command("validate")(validate)


def validate(
    quick: Annotated[
        bool, typer.Option("--quick", help="Fewer replications (a few minutes on 2 cores).")
    ] = False,
    only: Annotated[
        list[str] | None, typer.Option("--only", help="Run only this finding id (repeatable).")
    ] = None,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for validation.json and validation.md.")
    ] = DEFAULT_OUT,
    workers: Annotated[int, typer.Option("--workers", "-w", min=1, help="Local processes.")] = 1,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress or table.")] = False,
) -> None:
    """Check the model against published findings; exit 1 if any is not reproduced."""
    from sim.validation import report
    from sim.validation.registry import FINDINGS
    from sim.validation.runner import count_runs, run_findings

    known = [f.id for f in FINDINGS]
    unknown = [name for name in only or [] if name not in known]
    if unknown:
        stderr.print(
            f"error: --only: unknown finding {unknown[0]!r}; allowed: {', '.join(known)}",
            soft_wrap=True,
        )
        raise typer.Exit(2)
    _check_writable(out)
    chosen = [f for f in FINDINGS if not only or f.id in only]
    with _progress(count_runs(chosen, quick), quiet) as advance:
        results = run_findings(chosen, quick, workers, advance)
    paths = report.write(results, out, quick)
    if not quiet:
        _print_table(report.table_rows(results))
        stdout.print(f"wrote {', '.join(str(p) for p in paths)}", highlight=False)
    raise typer.Exit(0 if all(r.passed for r in results) else 1)


def _check_writable(out: Path) -> None:
    """Refuse an output folder that cannot be created or written, before any run."""
    probe = out
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir() or not _writable(probe):
        stderr.print(f"error: --out {out}: not a writable folder", soft_wrap=True)
        raise typer.Exit(2)


def _writable(folder: Path) -> bool:
    import os

    return os.access(folder, os.W_OK | os.X_OK)


class _progress:
    """A rich progress bar over runs (nothing when quiet)."""

    def __init__(self, total: int, quiet: bool) -> None:
        self.total, self.quiet, self.bar = total, quiet, None

    def __enter__(self):
        if self.quiet:
            return lambda: None
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self.bar = Progress(
            TextColumn("validate"),
            BarColumn(),
            MofNCompleteColumn(),
            console=stderr,
            transient=True,
        )
        self.bar.start()
        task = self.bar.add_task("runs", total=self.total)
        return lambda: self.bar.advance(task)

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()


def _print_table(rows: list[tuple[str, ...]]) -> None:
    table = Table(title="pushpull validate")
    for column in ("finding", "target", "value", "95% interval", "runs", "result"):
        table.add_column(column, no_wrap=column == "finding")
    for row in rows:
        table.add_row(*row)
    stdout.print(table)
