"""``python -m sim.viz [--port N] [--preset NAME] [--size N]``: start the explorer.

The same as ``pushpull viz``; useful before the package is installed and in tests.
"""

from __future__ import annotations

import typer

from sim.viz.commands import register

app = typer.Typer(add_completion=False)
register(app)

if __name__ == "__main__":
    app()  # with a single command registered, typer runs it without a subcommand name
