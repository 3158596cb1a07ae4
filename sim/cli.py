"""The ``pushpull`` command line: run a scenario, list parameters, and the registered extras.

Bad input never ends in a traceback: it is reported as one line on stderr with exit code 2.
"""

from __future__ import annotations

import importlib
import sys
import tomllib
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from sim import __version__
from sim.config import PARAMETERS
from sim.loading import ConfigError, load_scenario

app = typer.Typer(
    help="pushpull: simulate why people keep acting together (push versus pull).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
stdout = Console()
stderr = Console(stderr=True)
EXTRA_COMMANDS = (
    "sim.experiment.commands",
    "sim.study.commands",
    "sim.viz.commands",
    "sim.validation.commands",
)


def fail(message: str) -> typer.Exit:
    """Print one error line on stderr and return the exit to raise (code 2)."""
    stderr.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(2)


def parse_sets(pairs: list[str] | None) -> dict[str, Any]:
    """Parse ``--set dotted.name=value`` pairs; values are TOML values, else plain strings."""
    overrides: dict[str, Any] = {}
    for pair in pairs or []:
        name, sep, text = pair.partition("=")
        if not sep or not name.strip():
            raise ConfigError(f"--set {pair}: expected dotted.name=value")
        try:
            value = tomllib.loads(f"v = {text}")["v"]
        except tomllib.TOMLDecodeError:
            value = text  # bare words such as vision.mode=imposed
        overrides[name.strip()] = value
    return overrides


def version_callback(value: bool) -> None:
    if value:
        stdout.print(f"pushpull {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool, typer.Option("--version", callback=version_callback, is_eager=True)
    ] = False,
) -> None:
    """pushpull: simulate why people keep acting together (push versus pull)."""


@app.command()
def run(
    scenario: Annotated[str, typer.Argument(help="Bundled scenario name or path to a TOML file.")],
    seed: Annotated[int | None, typer.Option(help="Seed (overrides the scenario's).")] = None,
    steps: Annotated[int | None, typer.Option(help="Number of steps.")] = None,
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="Override: dotted.name=value (repeatable).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Output folder (default out/<scenario>).")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or table.")] = False,
) -> None:
    """Run one scenario; write timeseries.parquet, summary.json, scenario.toml, timeseries.png."""
    try:
        overrides = parse_sets(set_)
        if seed is not None:
            overrides["seed"] = seed
        if steps is not None:
            overrides["steps"] = steps
        config = load_scenario(scenario, overrides, override_label="--set")
    except ConfigError as exc:
        raise fail(str(exc)) from None
    out_dir = out or Path("out") / config.name
    if out_dir.exists() and not out_dir.is_dir():
        raise fail(f"--out {out_dir}: exists and is not a folder")
    from sim.outputs import write_run  # heavy imports only once the input is known to be good
    from sim.run import run_scenario

    result = run_scenario(config, progress=not quiet)
    paths = write_run(result, out_dir)
    if not quiet:
        _print_summary(config.name, config.seed, result.summary, result.seconds)
        stdout.print(f"wrote {', '.join(str(p) for p in paths)}", highlight=False)


def _print_summary(name: str, seed: int, summary: dict[str, Any], seconds: float) -> None:
    table = Table(title=f"{name} (seed {seed}, {seconds:.2f} s)")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key, value in summary.items():
        shown = (
            "n/a" if value is None else (f"{value:.4g}" if isinstance(value, float) else str(value))
        )
        table.add_row(key, shown)
    stdout.print(table)


@app.command()
def params(
    scenario: Annotated[
        str | None, typer.Argument(help="Show this scenario's values (default: the defaults).")
    ] = None,
) -> None:
    """Print every parameter: dotted name, value, allowed values and meaning."""
    try:
        flat = load_scenario(scenario).flat()
    except ConfigError as exc:
        raise fail(str(exc)) from None
    table = Table(title=f"parameters of {scenario or 'the defaults'}")
    for column in ("parameter", "value", "allowed", "meaning"):
        table.add_column(column, overflow="fold")
    for name, info in PARAMETERS.items():
        value = flat.get(name)
        table.add_row(name, "unlimited" if value is None else str(value), info.allowed(), info.doc)
    stdout.print(table)


def _register_extras() -> None:
    for module_name in EXTRA_COMMANDS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        module.register(app)


_register_extras()


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        stderr.print("interrupted")
        sys.exit(130)
