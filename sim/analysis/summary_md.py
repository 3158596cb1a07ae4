"""summary.md of ``pushpull analyze``: the answer first, then how to read it, then the numbers.

Design points are never pooled: the answer is given per design point, and the table has one
row per design point and variant. Every metric shown is defined; every number says how many
runs it rests on; differences between variants are paired on their common seeds.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis import labels, stats

HEADLINE = "sustained_participation"
TABLE_METRICS = (
    "sustained_participation",
    "participation_mean",
    "retention",
    "progress_total",
    "incentive_spend_total",
    "time_to_half_participation",
)
#: Above this many rows, the markdown shows the first rows and points to summary.csv.
MAX_ROWS = 100

CI_TEXT = (
    "Each number is a mean over n runs (n is given; runs differ only in their random seed), "
    "followed by its 95% confidence interval in brackets (Student t): were the experiment "
    "repeated with new seeds, intervals built this way would contain the true mean 19 times "
    "out of 20. Variants share the seeds of each replication (common random numbers), so a "
    "difference between two variants is computed run by run on the same seed (a paired "
    "difference), which is much more precise than comparing two intervals. A difference is "
    "called clear when its interval excludes zero."
)


def pct(value: float) -> str:
    """A share as a percentage with one decimal."""
    return f"{100 * value:.1f}%" if np.isfinite(value) else "n/a"


def cell(mean: float, low: float, high: float, n: int, total: int | None = None) -> str:
    """``mean [low, high]``, plus ``(n of total runs)`` when some runs have no value."""
    if not np.isfinite(mean):
        return "n/a (0 runs)" if total else "n/a"
    text = f"{mean:.3g}"
    if np.isfinite(low) and np.isfinite(high):
        text += f" [{low:.3g}, {high:.3g}]"
    if total is not None and n < total:
        text += f" ({n} of {total} runs)"
    return text


def render(
    manifest: dict,
    runs: pd.DataFrame,
    summary: pd.DataFrame,
    indices: pd.DataFrame,
    notes: list[str],
    written: list[Path],
    results_dir: Path,
) -> str:
    """The whole summary.md."""
    experiment = manifest.get("experiment") or {}
    control = experiment.get("control")
    lines = [f"# {manifest.get('name')}", ""]
    if experiment.get("question"):
        lines += [f"**Question.** {experiment['question']}", ""]
    lines += ["## The answer", "", *answer_lines(runs, summary, control), ""]
    endpoint = [p for p in written if p.stem.startswith("endpoint_")]
    lines += [f"![{labels.metric_label(HEADLINE)}]({_rel(p, results_dir)})" for p in endpoint]
    lines += ["", "## How to read the numbers", "", CI_TEXT, "", *_run_lines(manifest, runs), ""]
    lines += _table_lines(runs, summary, manifest)
    if control:
        lines += _control_lines(runs, summary, control)
    lines += _definition_lines([m for m in dict.fromkeys(summary["metric"])])
    lines += _influence_lines(indices)
    lines += [f"- note: {n}" for n in notes] + ([""] if notes else [])
    failed = runs[runs["status"] != "ok"]
    if len(failed):
        lines += ["## Failed runs", ""]
        lines += [
            f"- run {r.run_id} ({r.variant}): {r.error}" for r in failed.head(20).itertuples()
        ]
        lines.append("")
    lines += ["## Figures", ""]
    lines += [f"![{p.stem}]({_rel(p, results_dir)})" for p in written if p.suffix == ".png"]
    return "\n".join(lines) + "\n"


def _rel(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def answer_lines(runs: pd.DataFrame, summary: pd.DataFrame, control: str | None) -> list[str]:
    """The answer in plain words: who sustained most, by how much, how sure; per design point."""
    head = summary[summary["metric"] == HEADLINE]
    if head.empty:
        return ["No successful run: nothing to answer."]
    variants = list(dict.fromkeys(head["variant"]))
    points = list(dict.fromkeys(head["point"]))
    if len(variants) < 2:
        best = head.loc[head["mean"].idxmax()]
        worst = head.loc[head["mean"].idxmin()]
        return [
            f"{labels.metric_label(HEADLINE)} ranged from {pct(worst['mean'])} "
            f"({worst['series']}) to {pct(best['mean'])} ({best['series']}), over "
            f"{len(points)} design point(s)."
        ]
    if len(points) == 1:
        return _one_point_answer(runs, head, control)
    winners = head.loc[head.groupby("point")["mean"].idxmax(), "variant"].value_counts()
    spread = ", ".join(f"**{v}** at {k}" for v, k in winners.items())
    return [
        f"The answer depends on the design point. Of the {len(points)} design points, the "
        f"variant with the highest {labels.metric_label(HEADLINE).lower()} was {spread}. "
        "The table below gives every design point separately; nothing is pooled."
    ]


def _one_point_answer(runs: pd.DataFrame, head: pd.DataFrame, control: str | None) -> list[str]:
    ranked = head.sort_values("mean", ascending=False)
    best, second = ranked.iloc[0], ranked.iloc[1]
    diff = stats.paired_differences(runs, best["variant"], second["variant"], HEADLINE)
    mean, low, high, n = stats.mean_ci(diff["diff"].to_numpy())
    clear = np.isfinite(low) and low > 0
    lines = [
        f"**{best['variant']}** sustained the most participation: {pct(best['mean'])} of actors "
        f"were still acting over the last fifth of the run (95% CI {pct(best['low'])} to "
        f"{pct(best['high'])}, {best['n']} runs), {100 * mean:.1f} percentage points ahead of "
        f"**{second['variant']}** (paired difference, 95% CI {100 * low:.1f} to "
        f"{100 * high:.1f}, {n} pairs): "
        + ("the lead is clear." if clear else "the two are not reliably different.")
    ]
    if control and control in set(head["variant"]):
        below = []
        for variant in head["variant"]:
            if variant == control:
                continue
            d = stats.paired_differences(runs, variant, control, HEADLINE)["diff"].to_numpy()
            m, lo, hi, k = stats.mean_ci(d)
            if np.isfinite(hi) and hi < 0:
                below.append(
                    f"**{variant}** ({100 * m:.1f} points [{100 * lo:.1f}, {100 * hi:.1f}])"
                )
        if below:
            lines.append(
                f"Ending below the control without any lever (**{control}**): "
                + "; ".join(below)
                + "."
            )
        else:
            lines.append(f"No variant ends reliably below the control (**{control}**).")
    return lines


def _run_lines(manifest: dict, runs: pd.DataFrame) -> list[str]:
    counts = manifest.get("counts", {})
    design = manifest.get("design", {})
    failed = int((runs["status"] != "ok").sum())
    reps = (manifest.get("experiment") or {}).get("replications", "?")
    kind = design.get("kind", "none")
    what = (
        "no sweep (variants only)"
        if kind == "none"
        else f"{kind} over {', '.join(design.get('names', []))} "
        f"({len(design.get('points', []))} design points)"
    )
    return [
        f"- runs: {len(runs)} of {counts.get('planned', len(runs))} planned; "
        f"{len(runs) - failed} ok, {failed} failed",
        f"- design: {what}, {reps} replication(s) per variant and design point",
        f"- master seed {manifest.get('master_seed')}; package {manifest.get('package_version')}, "
        f"commit {manifest.get('git_commit') or 'unknown'}",
    ]


def _table_lines(runs: pd.DataFrame, summary: pd.DataFrame, manifest: dict) -> list[str]:
    names = [n for n in manifest.get("design", {}).get("names", []) if n in runs]
    shown = [m for m in TABLE_METRICS if m in set(summary["metric"])]
    total = runs[runs["status"] == "ok"].groupby(["variant", "point"]).size()
    rows = []
    for (variant, point), group in summary.groupby(["variant", "point"], sort=False):
        values = runs.loc[(runs["variant"] == variant) & (runs["point"] == point), names]
        row = {"variant": variant, **(values.iloc[0].to_dict() if len(values) else {})}
        row["runs"] = int(total.get((variant, point), 0))
        by_metric = group.set_index("metric")
        for metric in shown:
            r = by_metric.loc[metric]
            row[labels.metric_label(metric)] = cell(
                r["mean"], r["low"], r["high"], int(r["n"]), int(total.get((variant, point), 0))
            )
        rows.append(row)
    table = pd.DataFrame(rows)
    lines = ["## One row per variant and design point", ""]
    if len(table) > MAX_ROWS:
        lines += [
            f"The first {MAX_ROWS} of {len(table)} rows; all of them are in `summary.csv`.",
            "",
        ]
        table = table.head(MAX_ROWS)
    return [*lines, markdown(table), ""]


def _control_lines(runs: pd.DataFrame, summary: pd.DataFrame, control: str) -> list[str]:
    lines = [
        f"## Difference from the control ({control}), paired on common seeds",
        "",
        "| variant | design point | difference in sustained participation [95% CI] | pairs |",
        "|---|---|---|---|",
    ]
    variants = [v for v in dict.fromkeys(summary["variant"]) if v != control]
    for variant in variants[:MAX_ROWS]:
        diff = stats.paired_differences(runs, variant, control, HEADLINE)
        for point, group in diff.groupby("point"):
            m, lo, hi, n = stats.mean_ci(group["diff"].to_numpy())
            lines.append(f"| {variant} | {point} | {cell(m, lo, hi, n)} | {n} |")
    return [*lines, ""]


def _definition_lines(metrics: list[str]) -> list[str]:
    lines = ["## What the metrics mean", ""]
    lines += [
        f"- **{labels.metric_label(m)}** (`{m}`): {labels.metric_definition(m)}." for m in metrics
    ]
    return [*lines, ""]


def _influence_lines(indices: pd.DataFrame) -> list[str]:
    """The most influential parameter (largest ST or mu_star) per variant and metric."""
    if indices.empty:
        return []
    top = indices[indices["index"].isin(["ST", "mu_star"])]
    top = top.sort_values("value", ascending=False).groupby(["variant", "metric"]).head(1)
    table = top[["metric", "variant", "parameter", "index", "value", "conf"]]
    table = table.map(lambda v: f"{v:.3g}" if isinstance(v, float) else v)
    return [
        "## Most influential parameter per metric",
        "",
        "ST is the total-order Sobol index (share of the outcome's variance due to the "
        "parameter, alone and with others); mu_star the mean absolute Morris effect; conf the "
        "half-width of its 95% confidence interval. All indices: `sensitivity.csv`.",
        "",
        markdown(table),
        "",
    ]


def markdown(table: pd.DataFrame) -> str:
    """A markdown table of strings and numbers (floats to three significant digits)."""
    header = [str(c) for c in table.columns]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in table.itertuples(index=False):
        shown = [f"{v:.3g}" if isinstance(v, float) else str(v) for v in row]
        lines.append("| " + " | ".join(shown) + " |")
    return "\n".join(lines)
