"""``pushpull params`` output: one row per parameter, as a table or for other tools.

On a terminal the rich table wraps only the meaning; every other format keeps each
parameter on one line with its whole name, so ``grep``, ``cut`` or a spreadsheet can read it.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from rich.console import Console
from rich.table import Table

from sim.config import PARAMETERS

FORMATS = ("table", "tsv", "csv", "json", "markdown")
COLUMNS = ("parameter", "value", "allowed", "meaning")


def param_rows(flat: dict[str, Any]) -> list[dict[str, Any]]:
    """One record per parameter: name, value (None means unlimited), allowed, meaning."""
    return [
        {"parameter": name, "value": flat.get(name), "allowed": info.allowed(), "meaning": info.doc}
        for name, info in PARAMETERS.items()
    ]


def _text(value: Any) -> str:
    if value is None:
        return "unlimited"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def render_params(flat: dict[str, Any], fmt: str, title: str, console: Console) -> None:
    """Print every parameter of ``flat`` in the format ``fmt`` (one of :data:`FORMATS`)."""
    rows = param_rows(flat)
    if fmt == "json":
        console.out(json.dumps(rows, indent=2), highlight=False)
        return
    if fmt == "table":
        table = Table(title=title)
        table.add_column("parameter", no_wrap=True)
        table.add_column("value", overflow="fold")
        table.add_column("allowed")
        table.add_column("meaning", ratio=1)
        for row in rows:
            table.add_row(row["parameter"], _text(row["value"]), row["allowed"], row["meaning"])
        console.print(table)
        return
    cells = [[row[c] if c != "value" else _text(row[c]) for c in COLUMNS] for row in rows]
    if fmt == "markdown":
        lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in cell) + " |" for cell in cells]
        text = "\n".join(lines) + "\n"
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter="\t" if fmt == "tsv" else ",", lineterminator="\n")
        writer.writerows([list(COLUMNS), *cells])
        text = buffer.getvalue()
    # Written raw: a console would wrap long lines at its width.
    console.file.write(text)
    console.file.flush()
