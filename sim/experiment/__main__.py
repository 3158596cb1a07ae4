"""``python -m sim.experiment``: the experiment commands without the rest of the CLI."""

import typer

from sim.experiment.commands import register

app = typer.Typer(
    add_completion=False,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    help="pushpull experiments: sweep, analyze, compare.",
)
register(app)

if __name__ == "__main__":
    app()
