"""The contest's section: levers x reach x strength, the budget curve, what lasts."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from sim.experiment.contest import ANY_REACH, Contest, factors  # noqa: E402
from sim.study.section import (  # noqa: E402
    DPI,
    Context,
    Section,
    ci_of,
    markdown,
    pair_sentences,
    paired,
    pct_ci,
    points_ci,
    values,
)

HEAD = "sustained_participation"


def spend_metric(runs: pd.DataFrame) -> str:
    """Total spend: all costs when the model reports them, else incentives only."""
    return "spend_total" if "spend_total" in runs else "incentive_spend_total"


def contest_section(ctx: Context) -> Section:
    """Budget curve, table per lever x reach x strength, answer and what is left."""
    contest = Contest.model_validate(ctx.experiment["contest"])
    grid = pd.DataFrame(factors(contest))
    cells = grid.pivot_table(
        index=["lever", "reach", "strength"], columns="arm", values="variant", aggfunc="first"
    ).reset_index()
    order = {v: i for i, v in enumerate(grid["variant"])}
    cells = cells.sort_values(by="kept", key=lambda s: s.map(order)).reset_index(drop=True)
    runs, control = ctx.runs, ctx.experiment.get("control")
    spend = spend_metric(runs)
    section = Section(answer=[], table=_table(runs, cells, control, spend))
    section.figures.append(_budget_curve(ctx, cells, control, spend))
    if "withdrawn" in cells:
        section.figures.append(_lasting_figure(ctx, cells, control, contest.withdraw_at))
    section.headline = _headline(runs, cells, control, contest.withdraw_at)
    section.answer = [
        *_kept_answer(runs, cells, control),
        *_spend_answer(runs, cells, control, spend),
        *(
            _lasting_answer(runs, cells, control, contest.withdraw_at)
            if "withdrawn" in cells
            else []
        ),
    ]
    pairs = list(getattr(ctx.question, "pairs", []))
    if pairs:
        section.answer += ["", "Paired differences asked for by the study:", ""]
        section.answer += pair_sentences(runs, pairs, HEAD)
    return section


def _table(runs: pd.DataFrame, cells: pd.DataFrame, control: str | None, spend: str) -> str:
    rows = []
    for r in cells.itertuples(index=False):
        kept = r.kept
        row = {
            "lever": r.lever,
            "reach": r.reach,
            "strength": r.strength,
            "spend (kept)": _num(values(runs, kept, spend)),
            "sustained, kept": pct_ci(values(runs, kept, HEAD)),
        }
        if control:
            row["kept - control"] = (
                "(the control)"
                if kept == control
                else points_ci(paired(runs, kept, control, HEAD))[0]
            )
        withdrawn = getattr(r, "withdrawn", None)
        if "withdrawn" in cells and not isinstance(withdrawn, str):
            row.update({"before withdrawal": "-", "left at the end": "-"})
            row.update({"left - control": "-"} if control else {})
        if isinstance(withdrawn, str):
            row["before withdrawal"] = pct_ci(values(runs, withdrawn, "in_force"))
            row["left at the end"] = pct_ci(values(runs, withdrawn, HEAD))
            if control:
                row["left - control"] = points_ci(paired(runs, withdrawn, control, HEAD))[0]
        rows.append(row)
    return markdown(pd.DataFrame(rows))


def _num(vals: pd.Series) -> str:
    mean, low, high, n = ci_of(vals)
    if not np.isfinite(mean):
        return "n/a"
    return f"{mean:,.0f} [{low:,.0f}, {high:,.0f}]" if np.isfinite(low) else f"{mean:,.0f}"


def _label(r) -> str:
    return r.lever + ("" if r.reach == ANY_REACH else f" ({r.reach})")


def _budget_curve(ctx: Context, cells: pd.DataFrame, control: str | None, spend: str):
    runs = ctx.runs
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    for metric, ax in zip([HEAD, "progress_total"], axes, strict=True):
        for _key, group in cells.groupby(["lever", "reach"], sort=False):
            if group["lever"].iloc[0] == _control_lever(cells, control):
                continue
            xs = [ci_of(values(runs, v, spend)) for v in group["kept"]]
            ys = [ci_of(values(runs, v, metric)) for v in group["kept"]]
            ax.errorbar(
                [x[0] for x in xs],
                [y[0] for y in ys],
                xerr=_err(xs),
                yerr=_err(ys),
                marker="o",
                ms=4,
                capsize=2,
                label=_label(group.iloc[0]),
            )
        if control:
            ax.axhline(ci_of(values(runs, control, metric))[0], color="grey", ls="--", lw=1)
        ax.set_xlabel("money spent over the run (kept to the end)")
        ax.set_ylabel("sustained participation" if metric == HEAD else "collective progress")
    axes[0].plot([], [], color="grey", ls="--", label="no lever (control)")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside right upper", fontsize=8)
    fig.suptitle("Budget curve: what each lever buys (points = strengths; mean and 95% CI)")
    path = ctx.figure("budget_curve")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def _err(cis: list[tuple]) -> list[list[float]]:
    low = [m - lo if np.isfinite(lo) else 0.0 for m, lo, _, _ in cis]
    high = [hi - m if np.isfinite(hi) else 0.0 for m, _, hi, _ in cis]
    return [low, high]


def _control_lever(cells: pd.DataFrame, control: str | None) -> str | None:
    match = cells[cells["kept"] == control]
    return None if match.empty else match["lever"].iloc[0]


def _lasting_figure(ctx: Context, cells: pd.DataFrame, control: str | None, step: int):
    rows = cells[cells["withdrawn"].notna()]
    runs = ctx.runs
    fig, ax = plt.subplots(figsize=(8, 1.4 + 0.26 * len(rows)), constrained_layout=True)
    y = np.arange(len(rows))[::-1]
    for metric, style, name in [("in_force", "o", "before withdrawal"), (HEAD, "s", "at the end")]:
        cis = [ci_of(values(runs, v, metric)) for v in rows["withdrawn"]]
        ax.errorbar([c[0] for c in cis], y, xerr=_err(cis), fmt=style, ms=4, capsize=2, label=name)
    labels = [f"{r.lever}, {r.reach}, {r.strength}" for r in rows.itertuples()]
    ax.set_yticks(y, labels, fontsize=8)
    if control:
        ax.axvline(ci_of(values(runs, control, HEAD))[0], color="grey", ls="--", label="no lever")
    ax.set_xlabel("share of actors acting")
    ax.set_title(f"What is left: each lever withdrawn at step {step} (mean and 95% CI)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False)
    path = ctx.figure("what_is_left")
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def _mean(runs: pd.DataFrame, variant: str, metric: str = HEAD) -> float:
    return ci_of(values(runs, variant, metric))[0]


def _best_per_lever(runs: pd.DataFrame, pool: pd.DataFrame) -> pd.DataFrame:
    """Each lever's strongest showing (its best strength), best lever first."""
    pool = pool.assign(mean=[_mean(runs, v) for v in pool["kept"]])
    best = pool.loc[pool.groupby("lever", sort=False)["mean"].idxmax()]
    return best.sort_values("mean", ascending=False).reset_index(drop=True)


def _kept_answer(runs: pd.DataFrame, cells: pd.DataFrame, control: str | None) -> list[str]:
    ctrl_lever = _control_lever(cells, control)
    levers = cells[cells["lever"] != ctrl_lever]
    reaches = [r for r in dict.fromkeys(levers["reach"]) if r != ANY_REACH] or [ANY_REACH]
    lines = []
    for reach in reaches:
        ranked = _best_per_lever(runs, levers[levers["reach"].isin([reach, ANY_REACH])])
        parts = ", ".join(
            f"**{r.lever}** {100 * r.mean:.1f}% ({r.strength})" for r in ranked.itertuples()
        )
        line = f"- Authority reaching **{reach}**: {parts}"
        if control:
            line += f"; no lever {100 * _mean(runs, control):.1f}%"
        if len(ranked) > 1:
            top, second = ranked.iloc[0], ranked.iloc[1]
            text, verdict = points_ci(paired(runs, top["kept"], second["kept"], HEAD))
            line += f". **{top['lever']}** leads **{second['lever']}** by {text}: {verdict}"
        lines.append(line + ".")
    return [
        "Sustained participation with every lever kept in force to the end (each lever at "
        "its best strength):",
        "",
        *lines,
        "",
    ]


def _headline(runs: pd.DataFrame, cells: pd.DataFrame, control: str | None, step: int) -> str:
    ctrl_lever = _control_lever(cells, control)
    levers = cells[cells["lever"] != ctrl_lever]
    reaches = [r for r in dict.fromkeys(levers["reach"]) if r != ANY_REACH] or [ANY_REACH]
    parts = []
    for reach in (reaches[0], reaches[-1]) if len(reaches) > 1 else reaches:
        ranked = _best_per_lever(runs, levers[levers["reach"].isin([reach, ANY_REACH])])
        top = ranked.iloc[0]
        parts.append(
            f"with authority over **{reach}**, **{top['lever']}** ({100 * top['mean']:.1f}%)"
        )
    text = "Kept in force, the lever sustaining most participation was, " + "; ".join(parts) + "."
    if control and "withdrawn" in cells:
        below = []
        for lever, group in cells[cells["withdrawn"].notna()].groupby("lever", sort=False):
            r = group.iloc[-1]
            diff, verdict = points_ci(paired(runs, r["withdrawn"], control, HEAD))
            if verdict == "clearly lower":
                below.append(f"**{lever}** ({diff.split(' [')[0]})")
        if below:
            text += (
                f" Withdrawn at step {step}, {', '.join(below)} ended below never using any lever."
            )
    return text


def _spend_answer(
    runs: pd.DataFrame, cells: pd.DataFrame, control: str | None, spend: str
) -> list[str]:
    if not control:
        return []
    rows = []
    for r in cells.itertuples(index=False):
        cost = _mean(runs, r.kept, spend)
        gain = ci_of(paired(runs, r.kept, control, HEAD))[0]
        if r.kept != control and np.isfinite(gain):
            rows.append((r, cost, gain))
    paying = [(r, c, g) for r, c, g in rows if c > 0]
    free = [(r, c, g) for r, c, g in rows if c <= 0 and g > 0]
    lines = ["At equal spend (budget curve):", ""]
    if paying:
        r, cost, gain = max(paying, key=lambda t: t[2] / t[1])
        lines.append(
            f"- Of the levers that cost money, **{r.lever}** ({r.reach}, {r.strength}) bought "
            f"the most participation per unit spent: {100 * gain:.1f} points above the control "
            f"for {cost:,.0f} spent ({100_000 * gain / cost:.2f} points per 1,000)."
        )
    if free:
        r, _, gain = max(free, key=lambda t: t[2])
        lines.append(
            f"- **{r.lever}** ({r.strength}) gained {100 * gain:.1f} points above the control "
            "without any spend recorded by the model (convening costs nothing in this version)."
        )
    return [*lines, ""]


def _lasting_answer(
    runs: pd.DataFrame, cells: pd.DataFrame, control: str | None, step: int
) -> list[str]:
    lines = [f"What is left once each lever is withdrawn at step {step}:", ""]
    for lever, group in cells[cells["withdrawn"].notna()].groupby("lever", sort=False):
        widest = group[group["reach"].isin(["all", ANY_REACH])]
        r = (widest if len(widest) else group).iloc[-1]  # the strongest, at the widest reach
        end = _mean(runs, r["withdrawn"])
        before = _mean(runs, r["withdrawn"], "in_force")
        text = f"- **{lever}** ({r['reach']}, {r['strength']}): from {100 * before:.1f}% before "
        text += f"the withdrawal to {100 * end:.1f}% at the end"
        if control:
            diff, verdict = points_ci(paired(runs, r["withdrawn"], control, HEAD))
            where = {"clearly lower": "below", "clearly higher": "above"}.get(verdict)
            text += (
                f", {diff} against never using any lever: " + f"it ends {where} the control"
                if where
                else f", {diff} against never using any lever: no reliable difference"
            )
        lines.append(text + ".")
    return [*lines, ""]
