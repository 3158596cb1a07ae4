"""Conventions shared by every ``pushpull`` command: options, one-line errors, output folders.

Every command spells a shared option the same way and gives it the same meaning (the
README's "Command-line conventions" lists them once). Errors of any kind, including the
usage errors click reports itself, are one line on stderr: ``error: <where>: <what>``.
"""

from __future__ import annotations

import sys
import tomllib
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from sim.loading import ConfigError, ScenarioNote

try:  # recent typer vendors click; its commands raise the vendored exceptions
    from typer._click import exceptions as click_errors
except ImportError:  # pragma: no cover - older typer on plain click
    from click import exceptions as click_errors

#: ``-h`` as well as ``--help`` on every command.
CONTEXT = {"help_option_names": ["-h", "--help"]}
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130

SetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        metavar="NAME=VALUE",
        help="Override a parameter, e.g. push.incentive=0.3 (repeatable).",
    ),
]
StepsOpt = Annotated[int | None, typer.Option(help="Number of steps of every run.")]
QuietOpt = Annotated[
    bool, typer.Option("--quiet", "-q", help="Print nothing but warnings and errors.")
]
ForceOpt = Annotated[
    bool,
    typer.Option(
        "--force", help="Write into a non-empty --out folder that holds no earlier result."
    ),
]
WorkersOpt = Annotated[
    int | None,
    typer.Option("--workers", "-w", min=1, help="Local worker processes (default: all cores)."),
]


def out_option(default: str) -> Any:
    """The ``--out`` option of a command whose default folder is ``default``."""
    return Annotated[Path | None, typer.Option("--out", "-o", help=f"Output folder ({default}).")]


def seed_option(meaning: str) -> Any:
    """The ``--seed`` option; ``meaning`` says whether it is a run's or a master seed."""
    return Annotated[int | None, typer.Option(help=meaning)]


def fail(message: str, code: int = EXIT_BAD_INPUT) -> typer.Exit:
    """Print ``error: message`` as one line on stderr; return the exit (code 2) to raise."""
    typer.echo(f"error: {' '.join(message.split())}", err=True)
    return typer.Exit(code)


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


def scenario_overrides(
    pairs: list[str] | None, steps: int | None = None, seed: int | None = None
) -> tuple[dict[str, Any], dict[str, str]]:
    """Overrides from ``--set``, ``--steps`` and ``--seed``, and the option naming each.

    The labels make an error name the option the user typed (``--steps``, not ``--set``).
    """
    overrides = parse_sets(pairs)
    labels = {"*": "--set"}
    for name, value in (("steps", steps), ("seed", seed)):
        if value is not None:
            overrides[name] = value
            labels[name] = f"--{name}"
    return overrides, labels


def check_out_dir(out_dir: Path, ours: Callable[[Path], bool], force: bool, what: str) -> None:
    """Refuse a non-empty output folder that holds no earlier result of ``what``.

    Args:
        out_dir: the folder the command would write.
        ours: whether the folder holds an earlier result this command may update.
        force: write anyway (``--force``).
        what: how the error names the result, e.g. ``"a run of baseline"``.

    Raises:
        ConfigError: the folder is someone else's.
    """
    if force or not out_dir.is_dir() or not any(out_dir.iterdir()) or ours(out_dir):
        return
    raise ConfigError(
        f"--out {out_dir}: the folder is not empty and holds no earlier result of {what}; "
        "choose another folder, or use --force to write into it anyway"
    )


def print_notes() -> None:
    """Show :class:`ScenarioNote` warnings as ``note: ...`` lines, each once."""

    def show(message, category, filename, lineno, file=None, line=None) -> None:  # noqa: ANN001
        if issubclass(category, ScenarioNote):
            typer.echo(f"note: {message}", err=True)
        else:
            original(message, category, filename, lineno, file, line)

    original = warnings.showwarning
    warnings.showwarning = show
    warnings.simplefilter("default", ScenarioNote)


class OneLineErrors(TyperGroup):
    """A command group whose usage errors are one line, like every other error."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):  # noqa: ANN001
        """Run the command; report click's usage errors as ``error: ...`` (exit code 2)."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, False, **extra)
        except click_errors.NoArgsIsHelpError as exc:  # bare ``pushpull``: the help
            exc.show()
            sys.exit(exc.exit_code)
        except click_errors.UsageError as exc:
            command = exc.ctx.command_path if exc.ctx else "pushpull"
            typer.echo(f"error: {command}: {exc.format_message()} (see {command} -h)", err=True)
            sys.exit(exc.exit_code)
        except click_errors.ClickException as exc:
            typer.echo(f"error: {exc.format_message()}", err=True)
            sys.exit(exc.exit_code)
        except typer.Abort:  # Ctrl-C outside a command's own handling
            typer.echo("interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)
        sys.exit(code if isinstance(code, int) else 0)
