"""Plain-language sentences about summary metrics, for readers who are not programmers.

Used by ``pushpull compare`` (report.md) and ``pushpull analyze`` (summary.md).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def plain_sentences(summary: pd.DataFrame, variants: list[str]) -> list[str]:
    """Markdown sections in plain words, comparing variants (empty for fewer than two).

    Who kept acting together, what was left after a policy change and what progress cost,
    each with its 95% confidence range and whether differences are reliable.
    """
    if len(variants) < 2:
        return []
    return [
        *participation_sentences(summary, variants),
        *retention_sentences(summary, variants),
        *cost_sentences(summary, variants),
    ]


def metric_ci(summary: pd.DataFrame, variant: str, metric: str) -> tuple[float, float, float]:
    """(mean, low, high) of one metric of one variant from a ``stats.summarize`` table."""
    row = summary[(summary["variant"] == variant) & (summary["metric"] == metric)]
    if row.empty:
        return float("nan"), float("nan"), float("nan")
    r = row.iloc[0]
    return float(r["mean"]), float(r["low"]), float(r["high"])


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%" if value == value else "n/a"


def _range(low: float, high: float, pct: bool = True) -> str:
    show = _pct if pct else (lambda v: f"{v:.3g}")
    return f"between {show(low)} and {show(high)}" if low == low and high == high else "one run"


def participation_sentences(summary: pd.DataFrame, variants: list[str]) -> list[str]:
    """Sustained participation per variant, best first, and whether the lead is reliable."""
    values = {v: metric_ci(summary, v, "sustained_participation") for v in variants}
    ranked = sorted(variants, key=lambda v: -values[v][0] if values[v][0] == values[v][0] else 0)
    lines = ["## Who keeps acting together", ""]
    for v in ranked:
        mean, low, high = values[v]
        lines.append(
            f"- **{v}**: at the end, {_pct(mean)} of actors were still taking part "
            f"({_range(low, high)})."
        )
    best, second = ranked[0], ranked[1]
    if values[best][0] == values[best][0]:
        gap = 100 * (values[best][0] - values[second][0])
        clear = values[best][1] > values[second][2]
        verdict = (
            "the difference is clear."
            if clear
            else "but their ranges overlap, so the two are not reliably different."
        )
        lines += [
            "",
            f"**{best}** sustained the most participation, {gap:.1f} percentage "
            f"points ahead of {second}; {verdict}",
        ]
    return [*lines, ""]


def retention_sentences(summary: pd.DataFrame, variants: list[str]) -> list[str]:
    """What was left after the last policy change (e.g. incentives withdrawn)."""
    lines = ["## After incentives stop", ""]
    measured = {v: metric_ci(summary, v, "retention") for v in variants}
    measured = {v: r for v, r in measured.items() if r[0] == r[0]}
    if not measured:
        return [
            *lines,
            "None of these scenarios changes its policy during the run, so there "
            "is no 'after' to measure.",
            "",
        ]
    for v, (mean, low, high) in measured.items():
        verdict = "rose to" if mean > 1 else "kept"
        lines.append(
            f"- **{v}**: after the last policy change, participation {verdict} {_pct(mean)} "
            f"of its level just before ({_range(low, high)})."
        )
    others = [v for v in variants if v not in measured]
    if len(measured) == 1:
        lines += [
            "",
            f"The other scenarios ({', '.join(others)}) keep the same policy all "
            "run long; compare their sustained participation above.",
            "",
        ]
        return lines
    best = max(measured, key=lambda v: measured[v][0])
    return [
        *lines,
        "",
        f"**{best}** held on to its participation best once the policy changed.",
        "",
    ]


def cost_sentences(summary: pd.DataFrame, variants: list[str]) -> list[str]:
    """Progress made and all costs (incentives, convening, accountability) per unit of it."""
    lines = ["## What progress cost", ""]
    paid: dict[str, float] = {}
    for v in variants:
        cost, low, high = metric_ci(summary, v, "cost_per_progress")
        progress = metric_ci(summary, v, "progress_total")[0]
        if cost != cost:
            lines.append(f"- **{v}**: made {progress:.3g} units of progress; cost not defined.")
        elif cost == 0:
            lines.append(
                f"- **{v}**: made {progress:.3g} units of progress without spending anything."
            )
        else:
            paid[v] = cost
            lines.append(
                f"- **{v}**: made {progress:.3g} units of progress, spending {cost:.3g} "
                "on incentives, convening and accountability per unit of progress "
                f"({_range(low, high, pct=False)})."
            )
    most = max(variants, key=lambda v: np.nan_to_num(metric_ci(summary, v, "progress_total")[0]))
    lines += ["", f"**{most}** made the most progress."]
    if len(paid) >= 2:
        cheapest = min(paid, key=paid.get)
        lines[-1] += f" Of the scenarios that cost something, **{cheapest}** paid least per unit."
    return [*lines, ""]
