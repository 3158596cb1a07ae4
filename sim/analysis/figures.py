"""Figures of experiment results (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from sim.analysis.stats import mean_ci  # noqa: E402

#: A swept parameter with more distinct values than this is binned for response curves.
MAX_LEVELS = 12
BINS = 8


def _save(fig: plt.Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def timeseries_figure(
    bands: pd.DataFrame,
    column: str,
    path: Path,
    title: str = "",
    order: list[str] | None = None,
    marks: list[int] | None = None,
) -> Path:
    """Mean of ``column`` over steps per variant, with its 95% confidence band.

    ``order`` fixes the variants' order (and so their colours across figures); ``marks``
    are steps drawn as dotted vertical lines (e.g. when incentives stop).
    """
    fig, ax = plt.subplots(figsize=(8, 4.5), constrained_layout=True)
    data = bands[bands["column"] == column]
    groups = dict(tuple(data.groupby("variant", sort=False)))
    for variant in order or list(groups):
        if variant not in groups:
            continue
        group = groups[variant]
        (line,) = ax.plot(group["step"], group["mean"], lw=1.8, label=str(variant))
        ax.fill_between(
            group["step"], group["low"], group["high"], color=line.get_color(), alpha=0.2, lw=0
        )
    for step in marks or []:
        ax.axvline(step, color="grey", ls=":", lw=1)
    ax.set_xlabel("step")
    ax.set_ylabel(column.replace("_", " "))
    ax.set_title(title or f"{column.replace('_', ' ')}: mean and 95% CI across runs")
    ax.legend(loc="best", fontsize=8)
    return _save(fig, path)


def response_figure(runs: pd.DataFrame, parameter: str, metrics: list[str], path: Path) -> Path:
    """Each metric against one swept parameter, per variant (mean and 95% CI).

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
        ax.set_xlabel(parameter)
        ax.set_ylabel(metric.replace("_", " "))
    axes[0][0].legend(loc="best", fontsize=8)
    fig.suptitle(f"response to {parameter} (mean and 95% CI)")
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
        ax.set_xlabel(x)
        ax.set_ylabel(y)
        ax.set_title(str(variant))
    fig.colorbar(image, ax=axes[0].tolist(), label=f"mean {metric}")
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
        ax.legend(fontsize=8)
    fig.suptitle(f"sensitivity of {metric}")
    return _save(fig, path)
