"""``pushpull analyze``: figures, summary.md and sensitivity.csv for a results directory."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim import store
from sim.analysis import figures, sensitivity, stats, summary_md
from sim.experiment.errors import ExperimentError

#: Metrics shown in response curves and heatmaps (those present in the results).
KEY_METRICS = (
    "sustained_participation",
    "participation_mean",
    "progress_total",
    "cost_per_progress",
)
#: The endpoint chart shows this metric, one row per variant and design point.
ENDPOINT_METRIC = "sustained_participation"
MAX_ENDPOINT_ROWS = 120
#: More lines than this (variants x design points) make a time-series figure unreadable.
MAX_SERIES = 12


def load_results(results_dir: Path) -> tuple[dict, pd.DataFrame]:
    """The manifest and runs table of a results directory (ExperimentError if absent)."""
    results_dir = Path(results_dir)
    manifest = store.read_manifest(results_dir) if results_dir.is_dir() else None
    if manifest is None:
        raise ExperimentError(f"{results_dir}: not a results directory (no {store.MANIFEST_FILE})")
    runs_path = results_dir / store.RUNS_FILE
    if not runs_path.exists():
        raise ExperimentError(f"{runs_path}: missing; run or resume the sweep first")
    try:
        return manifest, pd.read_parquet(runs_path)
    except store.UNREADABLE:
        raise ExperimentError(
            f"{runs_path}: unreadable; rerun the sweep's command to rebuild it from its parts"
        ) from None


def fmt(mean: float, low: float, high: float, n: int | None = None) -> str:
    """``mean [low, high]`` with 3 significant digits; a missing interval is left out."""
    if not np.isfinite(mean):
        return "n/a"
    if not (np.isfinite(low) and np.isfinite(high)):
        return f"{mean:.3g}" + (f" (n={n})" if n is not None else "")
    return f"{mean:.3g} [{low:.3g}, {high:.3g}]"


def metric_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Metrics as rows, variants as columns, cells ``mean [low, high]``."""
    cells = summary.assign(
        cell=[
            fmt(m, lo, hi, n)
            for m, lo, hi, n in summary[["mean", "low", "high", "n"]].itertuples(index=False)
        ]
    )
    table = cells.pivot(index="metric", columns="variant", values="cell")
    return table.reindex(
        index=list(dict.fromkeys(summary["metric"])),
        columns=list(dict.fromkeys(summary["variant"])),
    )


def markdown_table(table: pd.DataFrame, corner: str = "metric") -> str:
    """A GitHub-flavoured markdown table (no extra dependency such as tabulate)."""
    header = [corner, *map(str, table.columns)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for index, row in table.iterrows():
        lines.append("| " + " | ".join([str(index), *map(str, row.tolist())]) + " |")
    return "\n".join(lines)


def analyze_results(results_dir: Path, warn=None) -> list[Path]:
    """Write figures/, summary.md, summary.csv and, for Sobol/Morris designs, sensitivity.csv.

    The endpoint chart (each variant's sustained participation with its CI) comes first;
    design points are never pooled: tables have one row per design point and variant, and
    time series are drawn per design point (or left to the response curves).

    Args:
        results_dir: a results folder written by sweep or compare.
        warn: called with each warning line (imprecise indices); also noted in summary.md.

    Returns:
        The paths written.
    """
    results_dir = Path(results_dir)
    manifest, runs = load_results(results_dir)
    metrics = [m for m in manifest.get("metrics", []) if m in runs]
    design = manifest.get("design", {"kind": "none", "names": []})
    fig_dir = results_dir / "figures"
    runs = runs.assign(series=series_labels(runs, design))
    by = ["variant", "point"]
    summary = stats.summarize(runs, metrics, by=by)
    summary = summary.merge(runs[["variant", "point", "series"]].drop_duplicates(), on=by)
    notes: list[str] = []
    written = _endpoint_figures(summary, manifest, fig_dir)
    written += _timeseries_figures(results_dir, manifest, runs, fig_dir, notes)
    written += _parameter_figures(runs, design, metrics, fig_dir)
    indices, more = sensitivity.compute(runs, design, metrics, seed=manifest.get("master_seed", 0))
    imprecise = sensitivity.precision_warnings(indices)
    notes += [*imprecise, *more]
    for line in imprecise:
        if warn:
            warn(line)
    if design.get("kind") in ("sobol", "morris"):
        path = results_dir / "sensitivity.csv"
        indices.to_csv(path, index=False)
        written.append(path)
        # Bars for the key metrics only (a figure each costs a second); the CSV has them all.
        drawn = [m for m in dict.fromkeys(indices["metric"]) if m in KEY_METRICS]
        for metric in drawn:
            written.append(
                figures.sensitivity_figure(indices, metric, fig_dir / f"sensitivity_{metric}.png")
            )
    csv_path = results_dir / "summary.csv"
    summary.to_csv(csv_path, index=False)
    path = results_dir / "summary.md"
    text = summary_md.render(manifest, runs, summary, indices, notes, written, results_dir)
    path.write_text(text, encoding="utf-8")
    store.record_outputs(results_dir, [*written, csv_path, path])
    return [*written, csv_path, path]


def series_labels(runs: pd.DataFrame, design: dict) -> pd.Series:
    """One label per run naming its variant and, in a sweep, its design point's values."""
    names = [n for n in design.get("names", []) if n in runs]
    if not names:
        return runs["variant"].astype(str)
    values = runs[names].astype(object).map(lambda v: f"{v:.3g}" if isinstance(v, float) else v)
    point = values.astype(str).apply(
        lambda row: ", ".join(f"{n}={v}" for n, v in row.items()), axis=1
    )
    return runs["variant"].astype(str) + " (" + point + ")"


def _endpoint_figures(summary: pd.DataFrame, manifest: dict, fig_dir: Path) -> list[Path]:
    metric = ENDPOINT_METRIC
    rows = summary[summary["metric"] == metric]
    if rows.empty or len(rows) > MAX_ENDPOINT_ROWS:
        return []
    table = rows.rename(columns={"series": "label"})[["label", "mean", "low", "high", "n"]]
    control = (manifest.get("experiment") or {}).get("control")
    path = fig_dir / f"endpoint_{metric}.png"
    return [figures.endpoint_figure(table, metric, path, reference=control)]


def _timeseries_figures(
    results_dir: Path, manifest: dict, runs: pd.DataFrame, fig_dir: Path, notes: list[str]
) -> list[Path]:
    ts_path = results_dir / store.TIMESERIES_FILE
    columns = list(manifest.get("timeseries_columns", []))
    if not columns or not ts_path.exists():
        return []
    ok_runs = runs[runs["status"] == "ok"]
    label = ok_runs.set_index("run_id")["series"]
    if label.nunique() > MAX_SERIES:
        notes.append(
            f"time series not drawn: {label.nunique()} lines (one per variant and design "
            f"point) would not be readable; see the endpoint chart and the response curves"
        )
        return []
    bands = stats.series_bands(ts_path, ok_runs, columns, label=label)
    marks = schedule_marks(manifest, ok_runs)
    order = list(dict.fromkeys(ok_runs["series"]))
    return [
        figures.timeseries_figure(
            bands, c, fig_dir / f"timeseries_{c}.png", order=order, marks=marks
        )
        for c in columns
        if (bands["column"] == c).any()
    ]


def schedule_marks(manifest: dict, runs: pd.DataFrame) -> dict[str, list[int]]:
    """Series label -> the steps where its own variant's policy changes (and no other's)."""
    variants = manifest.get("variants", {})
    series_variant = runs.drop_duplicates("series").set_index("series")["variant"]
    return {
        s: sorted({p["step"] for p in variants.get(v, {}).get("schedule") or []})
        for s, v in series_variant.items()
    }


def _parameter_figures(
    runs: pd.DataFrame, design: dict, metrics: list[str], fig_dir: Path
) -> list[Path]:
    ok = runs[runs["status"] == "ok"]
    names = [n for n in design.get("names", []) if n in ok]
    shown = [m for m in KEY_METRICS if m in metrics] or metrics[:4]
    if ok.empty or not names or not shown:
        return []
    written = [
        figures.response_figure(
            ok, n, shown, fig_dir / f"response_{n}.png", others=[o for o in names if o != n]
        )
        for n in names
    ]
    numeric = [n for n in names if pd.api.types.is_numeric_dtype(ok[n])]
    # A heatmap cell must be one design point: only a grid of exactly two parameters.
    if design.get("kind") == "grid" and len(names) == 2 and numeric == names:
        x, y = names
        path = fig_dir / f"heatmap_{x}_{y}_{shown[0]}.png"
        written.append(figures.heatmap_figure(ok, x, y, shown[0], path))
    return written
