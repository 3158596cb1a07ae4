"""``pushpull export``: a results folder as tidy tables any tool reads (CSV or parquet).

Writes three tables into ``RESULTS/export`` (or ``--out``):

- ``runs``: one row per run: identifiers, swept parameters, seed, every summary metric;
- ``timeseries``: one row per run and kept step, with the run's variant, design point,
  replication, seed and swept parameters on every row (no join needed);
- ``variants``: one row per variant, one column per resolved parameter (from the manifest).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from sim import store
from sim.experiment.errors import ExperimentError
from sim.experiment.tidy import ID_COLUMNS

FORMATS = ("csv", "parquet")


def export_results(results_dir: Path, fmt: str = "csv", out: Path | None = None) -> list[Path]:
    """Write the runs, time-series and variants tables of ``results_dir`` as ``fmt``.

    Returns:
        The paths written.

    Raises:
        ExperimentError: an unknown format or a folder without results.
    """
    from sim.analysis.report import load_results

    if fmt not in FORMATS:
        raise ExperimentError(f"--format {fmt}: unknown format; allowed: {', '.join(FORMATS)}")
    results_dir = Path(results_dir)
    manifest, runs = load_results(results_dir)
    out_dir = Path(out) if out else results_dir / "export"
    if out_dir.exists() and not out_dir.is_dir():
        raise ExperimentError(f"--out {out_dir}: exists and is not a folder")
    out_dir.mkdir(parents=True, exist_ok=True)
    tables = {"runs": runs, "variants": variants_table(manifest)}
    ts_path = results_dir / store.TIMESERIES_FILE
    if ts_path.exists():
        tables["timeseries"] = tidy_timeseries(pq.read_table(ts_path).to_pandas(), runs, manifest)
    written = []
    for name, table in tables.items():
        path = out_dir / f"{name}.{fmt}"
        if fmt == "csv":
            table.to_csv(path, index=False)
        else:
            store.write_parquet_atomic(table, path)
        written.append(path)
    return written


def tidy_timeseries(ts: pd.DataFrame, runs: pd.DataFrame, manifest: dict) -> pd.DataFrame:
    """The time series with every run's identifiers and swept values as columns.

    Results written before the time series carried them get them from the runs table.
    """
    keys = [c for c in (*ID_COLUMNS, *manifest.get("design", {}).get("names", [])) if c in runs]
    missing = [c for c in keys if c not in ts]
    if missing:
        ts = ts.merge(runs[["run_id", *missing]], on="run_id", how="left", validate="m:1")
    first = ["run_id", *keys, "step"]
    return ts[[*first, *(c for c in ts.columns if c not in first)]]


def variants_table(manifest: dict) -> pd.DataFrame:
    """One row per variant, one column per resolved parameter; lists and tables as JSON."""
    rows = []
    for variant, params in manifest.get("variants", {}).items():
        cells = {k: json.dumps(v) if isinstance(v, list | dict) else v for k, v in params.items()}
        rows.append({"variant": variant, **cells})
    return pd.DataFrame(rows)
