"""Figures of experiment results (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from sim.analysis.labels import column_label, metric_label, parameter_label  # noqa: E402
from sim.analysis.stats import mean_ci  # noqa: E402

#: A swept parameter with more distinct values than this is binned for response curves.
MAX_LEVELS = 12
BINS = 8


#: Resolution of saved figures; the study report lowers it for small committed PNGs.
DPI = 110


def _save(fig: plt.Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def timeseries_figure(
    bands: pd.DataFrame,
    column: str,
    path: Path,
    title: str = "",
    order: list[str] | None = None,
    marks: dict[str, list[int]] | list[int] | None = None,
) -> Path:
    """Mean of ``column`` over steps per series (``variant`` of ``bands``), with its 95% band.

    ``order`` fixes the series' order (and so their colours across figures). ``marks`` maps a
    series to the steps where its policy changes: each is drawn as a dotted line in that
    series' colour, so a marker never suggests that another series changed. A plain list
    marks every series.
    """
    fig, ax = plt.subplots(figsize=(9, 4.5), constrained_layout=True)
    data = bands[bands["column"] == column]
    groups = dict(tuple(data.groupby("variant", sort=False)))
    if isinstance(marks, list):
        marks = {name: marks for name in groups}
    marked = False
    for variant in order or list(groups):
        if variant not in groups:
            continue
        group = groups[variant]
        n = int(group["n"].max()) if len(group) else 0
        (line,) = ax.plot(group["step"], group["mean"], lw=1.8, label=f"{variant} (n={n})")
        ax.fill_between(
            group["step"], group["low"], group["high"], color=line.get_color(), alpha=0.2, lw=0
        )
        for step in (marks or {}).get(variant, []):
            ax.axvline(step, color=line.get_color(), ls=":", lw=1.4)
            marked = True
    if marked:
        ax.plot([], [], color="grey", ls=":", label="policy change of the line in that colour")
    ax.set_xlabel("step")
    ax.set_ylabel(column_label(column))
    ax.set_title(title or f"{column_label(column)} over time (mean and 95% CI of n runs)")
    # Outside the axes, so the legend never covers a line.
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    return _save(fig, path)


def endpoint_figure(
    table: pd.DataFrame, metric: str, path: Path, title: str = "", reference: str | None = None
) -> Path:
    """Each row's mean of ``metric`` with its 95% CI, one row per variant (and design point).

    ``table`` has columns label, mean, low, high, n (in the order to draw, top first);
    ``reference`` names a row (e.g. the no-lever control) drawn as a vertical dashed line.
    """
    rows = table.reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(8, 1.2 + 0.28 * len(rows)), constrained_layout=True)
    y = np.arange(len(rows))[::-1]
    low = (rows["mean"] - rows["low"]).fillna(0).clip(lower=0)
    high = (rows["high"] - rows["mean"]).fillna(0).clip(lower=0)
    ax.errorbar(rows["mean"], y, xerr=[low, high], fmt="o", ms=4, capsize=3, color="C0")
    ax.set_yticks(y, [f"{lab} (n={n})" for lab, n in zip(rows["label"], rows["n"], strict=True)])
    ax.tick_params(axis="y", labelsize=8)
    if reference is not None and (rows["label"] == reference).any():
        ref = float(rows.loc[rows["label"] == reference, "mean"].iloc[0])
        ax.axvline(ref, color="grey", ls="--", lw=1, label=f"{reference}")
        ax.legend(loc="lower right", fontsize=8)
    ax.set_xlabel(metric_label(metric))
    ax.set_title(title or f"{metric_label(metric)}: mean and 95% CI over n runs")
    ax.grid(axis="x", alpha=0.3)
    return _save(fig, path)


def response_figure(
    runs: pd.DataFrame,
    parameter: str,
    metrics: list[str],
    path: Path,
    others: tuple[str, ...] | list[str] = (),
) -> Path:
    """Each metric against one swept parameter, per variant (mean and 95% CI).

    ``others`` are the other swept parameters; the title says the curve averages over them.

    A parameter with many distinct values (sampled designs) is cut into quantile bins and
    the runs are also shown as faint points; a non-numeric parameter (e.g. ``vision.mode``)
    gets one position per level.
    """
    categorical = not pd.api.types.is_numeric_dtype(runs[parameter])
    levels = list(dict.fromkeys(runs[parameter].astype(str))) if categorical else None
    fig, axes = plt.subplots(
        1, len(metrics), figsize=(4.2 * len(metrics), 3.8), constrained_layout=True, squeeze=False
    )
    for ax, metric in zip(axes[0], metrics, strict=True):
        for i, (variant, group) in enumerate(runs.groupby("variant", sort=False)):
            x, mean, low, high = _response(group, parameter, metric, levels)
            if levels:  # side by side, not on top of each other
                x = x + 0.08 * (i - (runs["variant"].nunique() - 1) / 2)
            line = ax.errorbar(
                x,
                mean,
                yerr=[mean - low, high - mean],
                marker="o",
                ms=3,
                capsize=2,
                label=str(variant),
                ls=":" if levels else "-",
            )
            if not levels and group[parameter].nunique() > MAX_LEVELS:
                ax.scatter(
                    group[parameter],
                    group[metric],
                    s=4,
                    alpha=0.15,
                    color=line.lines[0].get_color(),
                )
        if levels:
            ax.set_xticks(range(len(levels)), levels, rotation=20)
        ax.set_xlabel(parameter_label(parameter), fontsize=8)
        ax.set_ylabel(metric_label(metric))
    fig.legend(
        *axes[0][0].get_legend_handles_labels(), loc="outside lower center", ncols=4, fontsize=8
    )
    pooled = f"; mean over the levels of {', '.join(others)}" if others else ""
    fig.suptitle(f"Response to {parameter_label(parameter)} (mean and 95% CI per level{pooled})")
    return _save(fig, path)


def _response(
    group: pd.DataFrame, parameter: str, metric: str, levels: list[str] | None = None
) -> tuple[np.ndarray, ...]:
    centers = None
    if levels:
        keys = group[parameter].astype(str).map({lv: i for i, lv in enumerate(levels)})
    else:
        keys = pd.to_numeric(group[parameter], errors="coerce")
        if keys.nunique() > MAX_LEVELS:
            values = keys
            keys = pd.qcut(values, BINS, duplicates="drop")
            centers = values.groupby(keys, observed=True).mean()
    stats = [
        (key, *mean_ci(sub[metric].to_numpy())[:3])
        for key, sub in group.groupby(keys, observed=True, sort=True)
    ]
    x = np.array([centers[k] if centers is not None else k for k, *_ in stats], dtype=float)
    mean, low, high = (np.array([s[i] for s in stats], dtype=float) for i in (1, 2, 3))
    # A level with a single run has no interval; draw it without an error bar.
    low, high = np.where(np.isnan(low), mean, low), np.where(np.isnan(high), mean, high)
    return x, mean, low, high


def heatmap_figure(runs: pd.DataFrame, x: str, y: str, metric: str, path: Path) -> Path:
    """Mean of ``metric`` over a grid of two swept parameters, one panel per variant."""
    variants = list(dict.fromkeys(runs["variant"]))
    fig, axes = plt.subplots(
        1, len(variants), figsize=(4.6 * len(variants), 4), constrained_layout=True, squeeze=False
    )
    pivots = {
        v: runs[runs["variant"] == v].pivot_table(index=y, columns=x, values=metric, aggfunc="mean")
        for v in variants
    }
    vmin = min(np.nanmin(p.to_numpy()) for p in pivots.values())
    vmax = max(np.nanmax(p.to_numpy()) for p in pivots.values())
    for ax, variant in zip(axes[0], variants, strict=True):
        pivot = pivots[variant]
        image = ax.imshow(pivot.to_numpy(), origin="lower", aspect="auto", vmin=vmin, vmax=vmax)
        ax.set_xticks(
            range(len(pivot.columns)),
            [f"{c:.3g}" if isinstance(c, float) else str(c) for c in pivot.columns],
        )
        ax.set_yticks(
            range(len(pivot.index)),
            [f"{c:.3g}" if isinstance(c, float) else str(c) for c in pivot.index],
        )
        ax.set_xlabel(parameter_label(x), fontsize=8)
        ax.set_ylabel(parameter_label(y), fontsize=8)
        ax.set_title(str(variant))
    fig.colorbar(image, ax=axes[0].tolist(), label=f"{metric_label(metric)} (mean of the runs)")
    fig.suptitle(f"{metric_label(metric)} at each design point")
    return _save(fig, path)


def sensitivity_figure(indices: pd.DataFrame, metric: str, path: Path) -> Path:
    """Bar chart of the sensitivity indices of one metric, one panel per variant."""
    data = indices[indices["metric"] == metric]
    variants = list(dict.fromkeys(data["variant"]))
    fig, axes = plt.subplots(
        1, len(variants), figsize=(5 * len(variants), 3.8), constrained_layout=True, squeeze=False
    )
    for ax, variant in zip(axes[0], variants, strict=True):
        sub = data[(data["variant"] == variant) & (data["index"].isin(["S1", "ST", "mu_star"]))]
        kinds = list(dict.fromkeys(sub["index"]))
        params = list(dict.fromkeys(sub["parameter"]))
        width = 0.8 / max(1, len(kinds))
        for i, kind in enumerate(kinds):
            rows = sub[sub["index"] == kind].set_index("parameter").reindex(params)
            ax.bar(
                np.arange(len(params)) + i * width,
                rows["value"],
                width,
                yerr=rows["conf"].fillna(0).abs(),
                capsize=2,
                label=kind,
            )
        ax.set_xticks(
            np.arange(len(params)) + width * (len(kinds) - 1) / 2,
            params,
            rotation=30,
            ha="right",
            fontsize=8,
        )
        ax.set_title(str(variant))
        ax.legend(fontsize=8, loc="lower left", bbox_to_anchor=(0.0, 1.08), ncols=2)
    fig.suptitle(
        f"Which parameters drive {metric_label(metric).lower()}: Sobol/Morris indices, 95% CI"
    )
    return _save(fig, path)
