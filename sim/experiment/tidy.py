"""The identifying columns that make a sweep's time series tidy and join-free.

Every time-series row carries its run's variant, design point, replication, seed and
swept parameter values, so R, Excel or Stata users can filter and plot it without joining
it to ``runs.parquet``.
"""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa

#: The run identifiers repeated on every time-series row (besides ``run_id``).
ID_COLUMNS = ("variant", "point", "replication", "seed")


def scalar(value: Any) -> Any:
    """A table cell for a parameter value: lists and tables become JSON text."""
    # Lists/tables as levels (e.g. a list of sectors) would give a column of mixed types.
    return json.dumps(value) if isinstance(value, list | dict) else value


def key_fields(plan: Any) -> list[pa.Field]:
    """Arrow fields of the identifying columns of ``plan``'s runs, in table order."""
    fields = [
        pa.field("variant", pa.string()),
        pa.field("point", pa.int64()),
        pa.field("replication", pa.int64()),
        pa.field("seed", pa.int64()),
    ]
    for name in plan.design.names:
        values = [scalar(point[name]) for point in plan.design.points]
        fields.append(pa.field(name, _arrow_type(values)))
    return fields


def _arrow_type(values: list[Any]) -> pa.DataType:
    if all(isinstance(v, bool) for v in values):
        return pa.bool_()
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return pa.int64()
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return pa.float64()
    return pa.string()
