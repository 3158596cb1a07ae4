"""``python -m sim.experiment``: the experiment commands without the rest of the CLI."""

import typer

from sim.clikit import CONTEXT, OneLineErrors, print_notes
from sim.experiment.commands import register

app = typer.Typer(
    cls=OneLineErrors,
    context_settings=CONTEXT,
    callback=print_notes,
    add_completion=False,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    help="pushpull experiments: sweep, analyze, compare.",
)
register(app)

if __name__ == "__main__":
    app()
