"""The ``pushpull`` command line: run a scenario, list parameters, and the registered extras.

Bad input never ends in a traceback: it is reported as one line on stderr with exit code 2.
"""

from __future__ import annotations

import gc
import importlib
import sys
import tomllib
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from sim import __version__
from sim.clikit import (
    CONTEXT,
    ForceOpt,
    OneLineErrors,
    QuietOpt,
    SetOpt,
    StepsOpt,
    check_out_dir,
    fail,
    out_option,
    parse_sets,
    print_notes,
    scenario_overrides,
    seed_option,
)
from sim.loading import ConfigError, load_scenario
from sim.params_table import FORMATS, render_params

app = typer.Typer(
    cls=OneLineErrors,
    help="pushpull: simulate why people keep acting together (push versus pull).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings=CONTEXT,
)
stdout = Console()
stderr = Console(stderr=True)
EXTRA_COMMANDS = (
    "sim.experiment.commands",
    "sim.study.commands",
    "sim.viz.commands",
    "sim.validation.commands",
)
__all__ = ["app", "fail", "main", "parse_sets"]


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
    print_notes()


RunSeedOpt = seed_option("Seed of the run (default: the scenario's).")
RunOutOpt = out_option("default: out/<scenario>")
ScenarioArg = Annotated[
    str,
    typer.Argument(metavar="SCENARIO", help="Bundled scenario name or path to a TOML file."),
]


@app.command()
def run(
    scenario: ScenarioArg,
    seed: RunSeedOpt = None,
    steps: StepsOpt = None,
    set_: SetOpt = None,
    out: RunOutOpt = None,
    force: ForceOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Run one scenario; write timeseries.parquet, summary.json, scenario.toml, timeseries.png."""
    try:
        overrides, labels = scenario_overrides(set_, steps, seed)
        config = load_scenario(scenario, overrides, override_label=labels)
        out_dir = out or Path("out") / config.name
    except ConfigError as exc:
        raise fail(str(exc)) from None
    problem = _run_problem(config, out_dir)  # an unusable folder first: it says what is wrong
    if problem:
        raise fail(problem if problem.startswith("--out") else f"{scenario}: {problem}")
    try:
        check_out_dir(out_dir, _run_of(config.name), force, f"a run of {config.name}")
    except ConfigError as exc:
        raise fail(str(exc)) from None
    from sim.outputs import write_run  # heavy imports only once the input is known to be good
    from sim.run import run_scenario

    result = run_scenario(config, progress=not quiet)
    try:
        paths = write_run(result, out_dir)
    except OSError as exc:
        message = f"error: --out {out_dir}: cannot write ({exc.strerror or exc}); nothing changed"
        stderr.print(message, markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    if not quiet:
        _print_summary(config.name, config.seed, result.summary, result.seconds)
        stdout.print(f"wrote {', '.join(str(p) for p in paths)}", highlight=False)


def _run_of(name: str):
    """Whether a folder holds an earlier ``run`` of the scenario ``name``."""

    def ours(folder: Path) -> bool:
        try:
            with (folder / "scenario.toml").open("rb") as handle:
                return tomllib.load(handle).get("name") == name
        except (OSError, tomllib.TOMLDecodeError):
            return False

    return ours


def _run_problem(config: Any, out_dir: Path) -> str | None:
    """Why the run cannot start (an unusable --out, too little memory), checked up front."""
    from sim.outputs import OUTPUT_FILES, out_dir_problem
    from sim.resources import run_problem

    problem = out_dir_problem(out_dir, OUTPUT_FILES)
    return f"--out {out_dir}: {problem}" if problem else run_problem(config)


def _print_summary(name: str, seed: int, summary: dict[str, Any], seconds: float) -> None:
    table = Table(title=f"{name} (seed {seed}, {seconds:.2f} s)")
    table.add_column("metric", no_wrap=True)
    table.add_column("value", justify="right", no_wrap=True)
    for key, value in summary.items():
        shown = (
            "n/a" if value is None else (f"{value:.4g}" if isinstance(value, float) else str(value))
        )
        table.add_row(key, shown)
    stdout.print(table)


@app.command()
def params(
    scenario: Annotated[
        str | None,
        typer.Argument(
            metavar="[SCENARIO]", help="Show this scenario's values (default: the defaults)."
        ),
    ] = None,
    format_: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            help=f"{' | '.join(FORMATS)} (default: table on a terminal, tsv when piped).",
        ),
    ] = "",
) -> None:
    """Print every parameter: dotted name, value, allowed values and meaning."""
    try:
        if format_ and format_ not in FORMATS:
            raise ConfigError(f"--format {format_}: unknown format; allowed: {', '.join(FORMATS)}")
        flat = load_scenario(scenario).flat()
    except ConfigError as exc:
        raise fail(str(exc)) from None
    chosen = format_ or ("table" if sys.stdout.isatty() else "tsv")
    render_params(flat, chosen, f"parameters of {scenario or 'the defaults'}", stdout)


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
    finally:
        # The interpreter's last collections walk every object the model's libraries made:
        # about a second at exit. What is left is released by the process ending anyway.
        gc.freeze()
