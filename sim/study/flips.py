"""Where the answer flips: Sobol indices and PRIM boxes of a paired difference between levers.

For each point of a global (Sobol) sample of the uncertain parameters, both levers run on the
same seed; ``d = sustained(a) - sustained(b)`` is their paired difference. Sobol indices
(SALib, with bootstrap 95% confidence intervals) say which parameters decide ``d``; PRIM
(Friedman & Fisher 1999, as implemented in the EMA Workbench, Kwakkel 2017) finds boxes of
parameter values in which ``b`` beats ``a``, with their coverage (the share of all such
points that lie in the box) and density (the share of points in the box where ``b`` wins).
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from sim.analysis.labels import parameter_label, short_parameter  # noqa: E402
from sim.analysis.stats import paired_differences  # noqa: E402
from sim.study.section import DPI, Context, Section, ci_of, markdown  # noqa: E402

HEAD = "sustained_participation"
#: A box is chosen on PRIM's peeling trajectory: the densest with at least this coverage.
MIN_COVERAGE = 0.5
MAX_BOXES = 2
TRIVIAL_TRIM = 0.02  # box limits trimming under 2% of a range are not described


@dataclass
class Box:
    """A PRIM box: its limits on the restricted parameters, coverage, density and size."""

    limits: dict[str, tuple[float, float]]
    coverage: float
    density: float
    mass: float
    points: int


def point_differences(runs: pd.DataFrame, a: str, b: str, n_points: int) -> np.ndarray:
    """Mean paired difference ``a - b`` per design point (NaN where a point has none)."""
    diff = paired_differences(runs, a, b, HEAD)
    return diff.groupby("point")["diff"].mean().reindex(range(n_points)).to_numpy()


def sobol_indices(design: dict, y: np.ndarray, seed: int) -> pd.DataFrame:
    """First-order and total Sobol indices of ``y`` with 95% CIs, largest total first."""
    from SALib.analyze import sobol

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sobol.analyze(design["problem"], y, calc_second_order=False, seed=seed)
    table = pd.DataFrame(
        {
            "parameter": design["problem"]["names"],
            "S1": res["S1"],
            "S1_conf": res["S1_conf"],
            "ST": res["ST"],
            "ST_conf": res["ST_conf"],
        }
    )
    return table.sort_values("ST", ascending=False).reset_index(drop=True)


def prim_boxes(x: pd.DataFrame, hit: np.ndarray, max_boxes: int = MAX_BOXES) -> list[Box]:
    """PRIM boxes of the points where ``hit`` is true (EMA Workbench's implementation)."""
    if hit.sum() == 0 or hit.all():
        return []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # optional extras of the workbench (ipyparallel, altair)
        from ema_workbench.analysis import prim
    logging.getLogger("EMA").setLevel(logging.WARNING)
    boxes: list[Box] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the workbench's own pandas deprecations
        finder = prim.Prim(_real(x), hit.astype(bool), peel_alpha=0.05, mass_min=0.05)
    for _ in range(max_boxes):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            box = finder.find_box()
        if box is None:
            break
        boxes.append(_choose(box, x, hit))
        if len(boxes) and boxes[-1].density <= hit.mean():
            break  # no better than chance: stop
    return [b for b in boxes if b.limits]


def _real(x: pd.DataFrame) -> pd.DataFrame:
    """``x`` with integer columns as floats: the workbench pastes fractional limits into them."""
    ints = {name: float for name in x.columns if pd.api.types.is_integer_dtype(x[name])}
    return x.reset_index(drop=True).astype(ints)


def _choose(box, x: pd.DataFrame, hit: np.ndarray) -> Box:
    trajectory = box.peeling_trajectory
    eligible = trajectory[trajectory["coverage"] >= MIN_COVERAGE]
    index = int(eligible["density"].idxmax()) if len(eligible) else 0
    box.select(index)
    lims = box.box_lims[index]
    limits: dict[str, tuple] = {}
    inside = np.ones(len(x), dtype=bool)
    for name in x.columns:
        low, high = lims[name].iloc[0], lims[name].iloc[1]
        if not pd.api.types.is_numeric_dtype(x[name]):  # a set of allowed levels
            levels = set(low)
            if levels != set(x[name]):
                limits[name] = tuple(sorted(levels))
                inside &= x[name].isin(levels).to_numpy()
            continue
        low, high = float(low), float(high)
        if low > x[name].min() or high < x[name].max():
            limits[name] = (low, high)
            inside &= (x[name] >= low).to_numpy() & (x[name] <= high).to_numpy()
    row = trajectory.loc[index]
    return Box(
        limits, float(row["coverage"]), float(row["density"]), float(row["mass"]), int(inside.sum())
    )


def describe_box(box: Box, winner: str, loser: str, ranges: dict) -> str:
    """A PRIM box in plain words."""
    parts, names = [], []
    for name, limit in box.limits.items():
        words = short_parameter(name)
        if name not in ranges:  # a list of levels: the levels allowed in the box
            parts.append(f"{words} {' or '.join(map(str, limit))}")
            names.append(name)
            continue
        (low, high), (lo_full, hi_full) = limit, ranges[name]
        margin = TRIVIAL_TRIM * (
            hi_full - lo_full
        )  # a limit at the sample's edge restricts nothing
        above, below = low > lo_full + margin, high < hi_full - margin
        if above and below:
            parts.append(f"{words} between {low:.3g} and {high:.3g}")
        elif above:
            parts.append(f"{words} above {low:.3g}")
        elif below:
            parts.append(f"{words} below {high:.3g}")
        else:
            continue
        names.append(name)
    if not parts:
        return (
            f"PRIM found no region of the sampled conditions, narrower than their ranges, in "
            f"which **{winner}** beats **{loser}** more often."
        )
    where = "; and ".join(parts)
    names = "`, `".join(names)
    return (
        f"**{winner}** tends to beat **{loser}** when {where} (`{names}`). This box holds "
        f"{100 * box.coverage:.0f}% of all sampled conditions in which {winner} wins "
        f"(coverage), and inside it {winner} wins in {100 * box.density:.0f}% of them "
        f"(density); it spans {100 * box.mass:.0f}% of the sample ({box.points} points)."
    )


def flips_section(ctx: Context) -> Section:
    """Paired difference over the sample, Sobol ranking and PRIM boxes, per requested pair."""
    design = ctx.manifest["design"]
    names = design["names"]
    x = pd.DataFrame(design["points"])[names]
    ranges = {
        n: tuple(design["problem"]["bounds"][i])
        for i, n in enumerate(names)
        if pd.api.types.is_numeric_dtype(x[n])
    }
    section = Section(answer=[])
    tables = []
    for a, b in ctx.question.pairs:
        y = point_differences(ctx.runs, a, b, len(x))
        keep = np.isfinite(y)
        mean, low, high, n = ci_of(y)
        share = float((y[keep] > 0).mean())
        section.answer.append(
            f"Over {n} sampled conditions, **{a}** sustained more participation than **{b}** in "
            f"{100 * share:.0f}% of them; on average by {100 * mean:.1f} points "
            f"[{100 * low:.1f}, {100 * high:.1f}] (paired on common seeds)."
        )
        if keep.all():
            indices = sobol_indices(design, y, ctx.manifest.get("master_seed", 0))
            tables.append((a, b, indices))
            section.figures.append(_sobol_figure(ctx, indices, a, b))
            top = indices.iloc[0]
            section.answer.append(
                "The parameter that most decides the gap is "
                f"{parameter_label(top['parameter']).lower()}: "
                f"it accounts for {100 * top['ST']:.0f}% of its variance, alone and in interaction "
                f"(total Sobol index, 95% CI +/- {100 * top['ST_conf']:.0f})."
            )
        boxes = prim_boxes(x[keep], y[keep] < 0)
        if boxes:
            section.answer += ["", *[describe_box(bx, b, a, ranges) for bx in boxes]]
            section.figures.append(_box_figure(ctx, x[keep], y[keep], boxes[0], a, b))
        else:
            section.answer.append(f"PRIM found no box in which **{b}** reliably beats **{a}**.")
    section.table = "\n\n".join(
        f"Sobol indices of sustained({a}) - sustained({b}):\n\n" + markdown(_rounded(t))
        for a, b, t in tables
    )
    return section


def _rounded(table: pd.DataFrame) -> pd.DataFrame:
    out = table.copy()
    for col in ("S1", "ST"):
        out[col] = [
            f"{v:.2f} +/- {c:.2f}" for v, c in zip(table[col], table[f"{col}_conf"], strict=True)
        ]
    return out[["parameter", "ST", "S1"]].rename(
        columns={"ST": "total index ST [95% CI half-width]", "S1": "first-order S1"}
    )


def _sobol_figure(ctx: Context, indices: pd.DataFrame, a: str, b: str):
    fig, ax = plt.subplots(figsize=(10, 1.2 + 0.3 * len(indices)), constrained_layout=True)
    y = np.arange(len(indices))[::-1]
    ax.barh(y + 0.2, indices["ST"], 0.4, xerr=indices["ST_conf"].abs(), label="total (ST)")
    ax.barh(y - 0.2, indices["S1"], 0.4, xerr=indices["S1_conf"].abs(), label="first order (S1)")
    ax.set_yticks(y, [parameter_label(p) for p in indices["parameter"]], fontsize=7)
    ax.set_xlabel("share of the variance of the difference (95% CI)")
    ax.set_title(f"What decides the gap {a} - {b} in sustained participation (Sobol)")
    ax.legend(loc="lower right", fontsize=8)
    path = ctx.figure(f"sobol_{a}_{b}")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def _box_figure(ctx: Context, x: pd.DataFrame, y: np.ndarray, box: Box, a: str, b: str):
    numeric = [c for c in x.columns if pd.api.types.is_numeric_dtype(x[c])]
    dims = [d for d in box.limits if d in numeric][:2]
    dims = (dims + [c for c in numeric if c not in dims])[:2]
    fig, ax = plt.subplots(figsize=(6.5, 5), constrained_layout=True)
    wins = y < 0
    ax.scatter(
        x.loc[~wins, dims[0]], x.loc[~wins, dims[1]], s=6, c="C0", alpha=0.5, label=f"{a} wins"
    )
    ax.scatter(
        x.loc[wins, dims[0]], x.loc[wins, dims[1]], s=8, c="C3", alpha=0.7, label=f"{b} wins"
    )
    lows = [box.limits.get(d, (x[d].min(), x[d].max()))[0] for d in dims]
    highs = [box.limits.get(d, (x[d].min(), x[d].max()))[1] for d in dims]
    ax.add_patch(
        plt.Rectangle(
            (lows[0], lows[1]),
            highs[0] - lows[0],
            highs[1] - lows[1],
            fill=False,
            lw=2,
            color="k",
            label="PRIM box",
        )
    )
    ax.set_xlabel(parameter_label(dims[0]), fontsize=8)
    ax.set_ylabel(parameter_label(dims[1]), fontsize=8)
    ax.set_title(f"Where {b} beats {a}: the sample and PRIM's first box", fontsize=10)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False)
    path = ctx.figure(f"prim_{a}_{b}")
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path
