"""Sections for experiments of named variants (vs a control) and for two-parameter grids."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim import store
from sim.analysis import figures, stats
from sim.analysis.labels import metric_label, short_parameter
from sim.analysis.report import schedule_marks
from sim.study.section import (
    Context,
    Section,
    ci_of,
    markdown,
    pair_sentences,
    paired,
    points_ci,
    summary_cell,
    values,
)

#: A rank correlation at least this strong is called a trend in the grid's answer.
TREND = 0.5


def variants_section(ctx: Context) -> Section:
    """Endpoint chart vs the control, a time-series figure, a table and the answer."""
    q, runs = ctx.question, ctx.runs
    metric, control = q.metric, ctx.experiment.get("control")
    variants = list(dict.fromkeys(runs["variant"]))
    rows = []
    for v in variants:
        row = {"variant": v, metric_label(metric): summary_cell(runs, v, metric)}
        if control and v != control:
            row[f"{metric_label(metric)} - {control}"] = points_ci(
                paired(runs, v, control, metric)
            )[0]
        elif control:
            row[f"{metric_label(metric)} - {control}"] = "(the control)"
        for m in q.metrics:
            if m in runs:
                row[metric_label(m)] = summary_cell(runs, v, m)
        rows.append(row)
    section = Section(
        answer=_answer(runs, variants, metric, control), table=markdown(pd.DataFrame(rows))
    )
    pairs = pair_sentences(runs, list(q.pairs), metric)
    section.headline = section.answer[0]
    if pairs:
        section.answer += ["", "Paired differences (common seeds):", "", *pairs]
        section.headline = "; ".join(p.lstrip("- ").rstrip(".") for p in pairs[:3]) + "."
    table = pd.DataFrame(
        [
            {
                "label": v,
                **dict(
                    zip(["mean", "low", "high", "n"], ci_of(values(runs, v, metric)), strict=True)
                ),
            }
            for v in variants
        ]
    )
    section.figures.append(
        figures.endpoint_figure(table, metric, ctx.figure("endpoint"), reference=control)
    )
    if q.timeseries:
        section.figures.append(_timeseries(ctx, q.timeseries))
    return section


def _answer(runs: pd.DataFrame, variants: list[str], metric: str, control: str | None) -> list[str]:
    label = metric_label(metric).lower()
    ranked = sorted(variants, key=lambda v: -ci_of(values(runs, v, metric))[0])
    best, second = ranked[0], ranked[1] if len(ranked) > 1 else None
    mean, low, high, n = ci_of(values(runs, best, metric))
    lines = [
        f"**{best}** had the highest {label}: {100 * mean:.1f}% "
        f"[{100 * low:.1f}, {100 * high:.1f}] ({n} runs)."
    ]
    if second:
        text, verdict = points_ci(paired(runs, best, second, metric))
        lines[0] += f" Next came **{second}**: the paired difference is {text}, {verdict}."
    if control:
        above, below = [], []
        for v in variants:
            if v == control:
                continue
            text, verdict = points_ci(paired(runs, v, control, metric))
            if verdict == "clearly higher":
                above.append(f"**{v}** ({text})")
            elif verdict == "clearly lower":
                below.append(f"**{v}** ({text})")
        if above:
            lines.append(f"Above the control (**{control}**): " + "; ".join(above) + ".")
        if below:
            lines.append(f"Below the control (**{control}**): " + "; ".join(below) + ".")
        if not above and not below:
            lines.append(f"No variant differs reliably from the control (**{control}**).")
    return lines


def _timeseries(ctx: Context, column: str):
    ok = ctx.runs.assign(series=ctx.runs["variant"])
    bands = stats.series_bands(ctx.results_dir / store.TIMESERIES_FILE, ok, [column])
    return figures.timeseries_figure(
        bands,
        column,
        ctx.figure(f"timeseries_{column}"),
        order=list(dict.fromkeys(ok["variant"])),
        marks=schedule_marks(ctx.manifest, ok),
    )


def grid_section(ctx: Context) -> Section:
    """Heatmaps per variant (each cell one design point), a table per point, the answer."""
    q, runs = ctx.question, ctx.runs
    names = [n for n in ctx.manifest.get("design", {}).get("names", []) if n in runs]
    metrics = [m for m in (q.metrics or [q.metric]) if m in runs]
    section = Section(answer=[], table=_grid_table(runs, names, metrics))
    if len(names) == 2:
        for m in metrics[:2]:
            section.figures.append(
                figures.heatmap_figure(runs, names[0], names[1], m, ctx.figure(f"heatmap_{m}"))
            )
    for m in metrics:
        section.answer += _range_sentences(runs, names, m)
    variants = list(dict.fromkeys(runs["variant"]))
    if len(variants) == 2:
        section.answer += _two_variant_sentences(runs, variants, names, metrics)
    section.headline = " ".join(a.lstrip("- ") for a in section.answer[:2])
    return section


def _grid_table(runs: pd.DataFrame, names: list[str], metrics: list[str]) -> str:
    rows = []
    for (variant, _point), group in runs.groupby(["variant", "point"], sort=False):
        row = {"variant": variant, **{n: group[n].iloc[0] for n in names}}
        for m in metrics:
            mean, low, high, n = ci_of(group[m])
            row[metric_label(m)] = f"{mean:.3g} [{low:.3g}, {high:.3g}] ({n})"
        rows.append(row)
    return markdown(pd.DataFrame(rows))


def _point_text(group: pd.DataFrame, names: list[str]) -> str:
    return ", ".join(f"{short_parameter(n)} {group[n].iloc[0]:g}" for n in names)


def _range_sentences(runs: pd.DataFrame, names: list[str], metric: str) -> list[str]:
    """Per variant: where the metric is lowest and highest, and how it moves with each axis."""
    lines = []
    for variant, sub in runs.groupby("variant", sort=False):
        means = sub.groupby("point")[metric].mean()
        lo_p, hi_p = means.idxmin(), means.idxmax()
        head = f"- {metric_label(metric)}, **{variant}**: "
        if np.isclose(means[lo_p], means[hi_p]):
            lines.append(head + f"{means[lo_p]:.3g} at every design point.")
            continue
        lo, hi = sub[sub["point"] == lo_p], sub[sub["point"] == hi_p]
        text = (
            head + f"lowest {means[lo_p]:.3g} ({_point_text(lo, names)}), highest "
            f"{means[hi_p]:.3g} ({_point_text(hi, names)})"
        )
        trends = _trends(sub, means, names)
        lines.append(text + (f"; {trends}" if trends else "") + ".")
    return lines


def _trends(sub: pd.DataFrame, means: pd.Series, names: list[str]) -> str:
    """How the design-point means move with each parameter (Spearman rank correlation)."""
    at = sub.drop_duplicates("point").set_index("point").loc[means.index, names]
    words = []
    for name in names:
        rho = at[name].astype(float).corr(means, method="spearman")
        if np.isfinite(rho) and abs(rho) >= TREND:
            way = "rises" if rho > 0 else "falls"
            words.append(f"it {way} with {short_parameter(name)} (rank correlation {rho:+.2f})")
    return ", and ".join(words)


def _two_variant_sentences(runs, variants, names, metrics) -> list[str]:
    a, b = variants[1], variants[0]
    lines = []
    for m in metrics:
        up = down = 0
        points = sorted(runs["point"].unique())
        for p in points:
            diff = stats.paired_differences(runs[runs["point"] == p], a, b, m)["diff"]
            verdict = points_ci(diff)[1]
            up += verdict == "clearly higher"
            down += verdict == "clearly lower"
        lines.append(
            f"- {metric_label(m)}: **{a}** is clearly above **{b}** at {up} of {len(points)} "
            f"design points and clearly below at {down} (paired differences, 95% CI)."
        )
    return lines
