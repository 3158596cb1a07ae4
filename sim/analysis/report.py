"""``pushpull analyze``: figures, summary.md and sensitivity.csv for a results directory."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd

from sim import store
from sim.analysis import figures, sensitivity, stats
from sim.analysis.wording import plain_sentences
from sim.experiment.errors import ExperimentError

#: Metrics shown in response curves and heatmaps (those present in the results).
KEY_METRICS = (
    "sustained_participation",
    "participation_mean",
    "progress_total",
    "cost_per_progress",
)
MAX_HEATMAPS = 3


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
    """Write figures/, summary.md and, for Sobol/Morris designs, sensitivity.csv.

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
    written = _timeseries_figures(results_dir, manifest, runs, fig_dir)
    written += _parameter_figures(runs, design, metrics, fig_dir)
    indices, notes = sensitivity.compute(runs, design, metrics, seed=manifest.get("master_seed", 0))
    imprecise = sensitivity.precision_warnings(indices)
    notes = [*imprecise, *notes]
    for line in imprecise:
        if warn:
            warn(line)
    if design.get("kind") in ("sobol", "morris"):
        path = results_dir / "sensitivity.csv"
        indices.to_csv(path, index=False)
        written.append(path)
        for metric in dict.fromkeys(indices["metric"]):
            written.append(
                figures.sensitivity_figure(indices, metric, fig_dir / f"sensitivity_{metric}.png")
            )
    summary = stats.summarize(runs, metrics)
    path = results_dir / "summary.md"
    path.write_text(
        _summary_md(manifest, runs, summary, indices, notes, written, results_dir), encoding="utf-8"
    )
    store.record_outputs(results_dir, [*written, path])
    return [*written, path]


def _timeseries_figures(
    results_dir: Path, manifest: dict, runs: pd.DataFrame, fig_dir: Path
) -> list[Path]:
    ts_path = results_dir / store.TIMESERIES_FILE
    columns = list(manifest.get("timeseries_columns", []))
    if not columns or not ts_path.exists():
        return []
    ok_runs = runs[runs["status"] == "ok"]
    bands = stats.series_bands(ts_path, ok_runs, columns)
    variants = manifest.get("variants", {})
    # Policy changes (e.g. incentives withdrawn) are marked: they explain jumps in the curves.
    marks = sorted({p["step"] for cfg in variants.values() for p in cfg.get("schedule") or []})
    return [
        figures.timeseries_figure(
            bands, c, fig_dir / f"timeseries_{c}.png", order=list(variants), marks=marks
        )
        for c in columns
        if (bands["column"] == c).any()
    ]


def _parameter_figures(
    runs: pd.DataFrame, design: dict, metrics: list[str], fig_dir: Path
) -> list[Path]:
    ok = runs[runs["status"] == "ok"]
    names = [n for n in design.get("names", []) if n in ok]
    shown = [m for m in KEY_METRICS if m in metrics] or metrics[:4]
    if ok.empty or not names or not shown:
        return []
    written = [figures.response_figure(ok, n, shown, fig_dir / f"response_{n}.png") for n in names]
    if design.get("kind") == "grid":
        numeric = [n for n in names if pd.api.types.is_numeric_dtype(ok[n])]
        for x, y in itertools.islice(itertools.combinations(numeric, 2), MAX_HEATMAPS):
            path = fig_dir / f"heatmap_{x}_{y}_{shown[0]}.png"
            written.append(figures.heatmap_figure(ok, x, y, shown[0], path))
    return written


def _summary_md(
    manifest: dict,
    runs: pd.DataFrame,
    summary: pd.DataFrame,
    indices: pd.DataFrame,
    notes: list[str],
    written: list[Path],
    results_dir: Path,
) -> str:
    counts = manifest.get("counts", {})
    design = manifest.get("design", {})
    failed = runs[runs["status"] != "ok"]
    lines = [
        f"# {manifest.get('name')}",
        "",
        f"- runs: {len(runs)} of {counts.get('planned', len(runs))} planned; "
        f"{len(runs) - len(failed)} ok, {len(failed)} failed",
        f"- design: {_describe_design(design)}, "
        f"{manifest.get('experiment', {}).get('replications', '?')} replications per point",
        f"- master seed: {manifest.get('master_seed')}; package {manifest.get('package_version')}"
        f", commit {manifest.get('git_commit') or 'unknown'}",
        "",
        *_plain_lines(manifest, summary),
        "## Summary metrics per variant",
        "",
        "Mean over successful runs, with the 95% confidence interval of the mean in brackets.",
        "",
        markdown_table(metric_table(summary)) if not summary.empty else "_no successful runs_",
        "",
        *_influence_lines(indices),
        *[f"- note: {n}" for n in notes],
        *([""] if notes else []),
    ]
    if len(failed):
        lines += ["## Failed runs", ""]
        lines += [
            f"- run {r.run_id} ({r.variant}): {r.error}" for r in failed.head(20).itertuples()
        ]
        lines.append("")
    lines += ["## Figures", ""]
    lines += [
        f"![{p.stem}]({p.relative_to(results_dir).as_posix()})"
        for p in written
        if p.suffix == ".png"
    ]
    return "\n".join(lines) + "\n"


def _plain_lines(manifest: dict, summary: pd.DataFrame) -> list[str]:
    """The comparison of variants in plain words (nothing for a single variant)."""
    variants = list(manifest.get("variants", {}))
    if len(variants) < 2 or summary.empty:
        return []
    lines = ["## In plain words", ""]
    if manifest.get("design", {}).get("kind", "none") != "none":
        lines += ["_Each variant's figures pool all design points of the sweep._", ""]
    return lines + [line.replace("## ", "### ") for line in plain_sentences(summary, variants)]


def _influence_lines(indices: pd.DataFrame) -> list[str]:
    """The most influential parameter (largest ST or mu_star) per variant and metric."""
    if indices.empty:
        return []
    top = indices[indices["index"].isin(["ST", "mu_star"])]
    top = top.sort_values("value", ascending=False).groupby(["variant", "metric"]).head(1)
    table = top.set_index("metric")[["variant", "parameter", "index", "value"]]
    table = table.map(lambda v: f"{v:.3g}" if isinstance(v, float) else v)
    return [
        "## Most influential parameter per metric",
        "",
        markdown_table(table),
        "",
        "All indices: `sensitivity.csv`.",
        "",
    ]


def _describe_design(design: dict) -> str:
    if design.get("kind", "none") == "none":
        return "no sweep (variants only)"
    names = ", ".join(design.get("names", []))
    return f"{design['kind']} over {names} ({len(design.get('points', []))} points)"
