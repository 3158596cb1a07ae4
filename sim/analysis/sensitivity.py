"""Sobol and Morris sensitivity indices (SALib) from the runs of a Sobol or Morris design."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

COLUMNS = ["variant", "metric", "parameter", "index", "value", "conf"]
#: A Sobol index whose 95% half-width exceeds this says little (indices lie in [0, 1]).
WIDE_CONF = 0.1


def precision_warnings(indices: pd.DataFrame) -> list[str]:
    """One line per variant whose Sobol indices are too imprecise to read, else nothing."""
    sobol = indices[indices["index"].isin(["S1", "ST"])]
    lines = []
    for variant, group in sobol.groupby("variant", sort=False):
        worst = group.loc[group["conf"].idxmax()] if group["conf"].notna().any() else None
        if worst is None or worst["conf"] <= WIDE_CONF:
            continue
        lines.append(
            f"{variant}: Sobol indices are imprecise (e.g. {worst['index']} of "
            f"{worst['parameter']} for {worst['metric']} = {worst['value']:.2f} +/- "
            f"{worst['conf']:.2f}); raise [sweep] samples (a power of two) and rerun"
        )
    return lines


def point_means(runs: pd.DataFrame, n_points: int, metric: str) -> np.ndarray:
    """Mean of ``metric`` over the replications of each design point (NaN if none ok)."""
    ok = runs[runs["status"] == "ok"]
    means = ok.groupby("point")[metric].mean()
    return means.reindex(range(n_points)).to_numpy(dtype="float64")


def compute(
    runs: pd.DataFrame, design: dict[str, Any], metrics: list[str], seed: int = 0
) -> tuple[pd.DataFrame, list[str]]:
    """Sensitivity indices of every metric, per variant.

    Replications are averaged per design point first: the indices describe the expected
    outcome, not the noise of single runs. A metric is skipped (with a note) for a variant
    when a design point has no value or the metric does not vary.

    Returns:
        Tidy indices (variant, metric, parameter, index, value, conf) and the notes.
    """
    kind = design["kind"]
    if kind not in ("sobol", "morris"):
        return pd.DataFrame(columns=COLUMNS), []
    problem = design["problem"]
    matrix = np.asarray(design["matrix"], dtype="float64")
    rows: list[dict[str, Any]] = []
    notes: list[str] = []
    for variant, group in runs.groupby("variant", sort=False):
        for metric in metrics:
            y = point_means(group, len(matrix), metric)
            if not np.isfinite(y).all():
                notes.append(f"{variant}/{metric}: skipped, some design points have no value")
                continue
            if np.ptp(y) == 0:
                notes.append(f"{variant}/{metric}: skipped, constant over the design")
                continue
            found = _analyze(kind, problem, matrix, y, design.get("options", {}), seed)
            rows += [{"variant": variant, "metric": metric, **r} for r in found]
    return pd.DataFrame(rows, columns=COLUMNS), notes


def _analyze(
    kind: str, problem: dict, matrix: np.ndarray, y: np.ndarray, options: dict[str, Any], seed: int
) -> list[dict[str, Any]]:
    names = problem["names"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SALib warns on small samples; the CI shows it
        if kind == "sobol":
            from SALib.analyze import sobol

            res = sobol.analyze(
                problem, y, calc_second_order=options.get("second_order", False), seed=seed
            )
            pairs = [("S1", "S1_conf"), ("ST", "ST_conf")]
        else:
            from SALib.analyze import morris

            res = morris.analyze(
                problem, matrix, y, num_levels=options.get("morris_levels", 4), seed=seed
            )
            pairs = [("mu_star", "mu_star_conf"), ("mu", None), ("sigma", None)]
    out = []
    for index, conf in pairs:
        for i, name in enumerate(names):
            value = float(res[index][i])
            err = float(res[conf][i]) if conf else float("nan")
            out.append({"parameter": name, "index": index, "value": value, "conf": err})
    return out
