"""What a run reports: per-step time-series columns and the run's summary metrics.

The time series is recorded into preallocated numpy columns (one row per step); the summary is a
pure function of the time series and the scenario, so analysis code can recompute it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from sim.mechanisms.motivation import top_of_scale_share

if TYPE_CHECKING:
    from sim.config import Scenario
    from sim.model import PushPullModel

BASE_COLUMNS = (
    "participation",
    "intrinsic_motivation",
    "extrinsic_pressure",
    "pull",
    "habit",
    "alignment",
    "ownership",
    "cant_not",
    "progress",
    "progress_rate",
    "incentive_spend",
    "convening_spend",
    "accountability_spend",
    "spend",
    "budget_left",
    "incentive_active",
    "dialogue_pairs",
    "vision_dispersion",
    "vision_clusters",
    "top_motivation_share",
    "undermining",
    "belief",
    "sanction_pressure",
)
SUMMARY_KEYS = (
    "participation_mean",
    "participation_final",
    "sustained_participation",
    "retention",
    "progress_total",
    "incentive_spend_total",
    "spend_total",
    "cost_per_progress",
    "time_to_half_participation",
    "sector_balance",
    "vision_clusters_final",
    "ownership_mean",
    "cant_not_share",
)


def timeseries_columns(sector_names: list[str]) -> list[str]:
    """All time-series columns, ``step`` first."""
    return [
        "step",
        *BASE_COLUMNS[:1],
        *(f"participation_{s}" for s in sector_names),
        *BASE_COLUMNS[1:],
    ]


@dataclass
class StepCosts:
    """What one step cost, by lever: incentives, convening (dialogue, vision), accountability."""

    incentives: float = 0.0
    convening: float = 0.0
    accountability: float = 0.0

    @property
    def total(self) -> float:
        """All costs of the step."""
        return self.incentives + self.convening + self.accountability


def step_row(model: PushPullModel, pairs: int, made: float) -> dict[str, float]:
    """The metrics of the step just taken."""
    s, costs = model.state, model.costs
    n_sectors = len(model.sector_names)
    by_sector = np.bincount(s.sector, weights=s.acting, minlength=n_sectors)
    by_sector /= np.maximum(np.bincount(s.sector, minlength=n_sectors), 1)
    budget = model.params.push.budget
    sample = s.vision[model._cluster_sample]  # vision metrics on a fixed sample (exact if small)
    row = {
        "step": model.steps,
        "participation": s.acting.mean(),
        "intrinsic_motivation": s.intrinsic.mean(),
        "extrinsic_pressure": s.pressure.mean(),
        "pull": s.pull.mean(),
        "habit": s.habit.mean(),
        "alignment": s.alignment.mean(),
        "ownership": s.ownership.mean(),
        "cant_not": model.cant_not().mean(),
        "progress": model.progress_total,
        "progress_rate": made,
        "incentive_spend": costs.incentives,
        "convening_spend": costs.convening,
        "accountability_spend": costs.accountability,
        "spend": costs.total,
        "budget_left": math.inf if budget is None else max(budget - model.spent, 0.0),
        "incentive_active": float(model.pushing),
        "dialogue_pairs": pairs,
        "vision_dispersion": vision_dispersion(sample),
        "vision_clusters": count_clusters(sample, model.params.metrics.cluster_distance),
        "top_motivation_share": top_of_scale_share(s.intrinsic),
        "undermining": s.undermining.mean(),
        "belief": s.belief.mean(),
        "sanction_pressure": s.sanction_felt.mean(),
    }
    row.update(
        {f"participation_{n}": v for n, v in zip(model.sector_names, by_sector, strict=True)}
    )
    return row


class Recorder:
    """Append-only table of per-step metrics backed by growable numpy columns."""

    def __init__(self, columns: list[str], capacity: int) -> None:
        self.columns = columns
        self._data = np.full((max(capacity, 1), len(columns)), np.nan)
        self.rows = 0

    def record(self, values: dict[str, float]) -> None:
        """Store one row; missing columns stay NaN."""
        if self.rows == self._data.shape[0]:  # the explorer can run past the planned steps
            self._data = np.vstack([self._data, np.full_like(self._data, np.nan)])
        row = self._data[self.rows]
        for i, name in enumerate(self.columns):
            row[i] = values.get(name, np.nan)
        self.rows += 1

    def frame(self) -> pd.DataFrame:
        """The recorded rows as a DataFrame (``step`` as int)."""
        df = pd.DataFrame(self._data[: self.rows].copy(), columns=self.columns)
        for column in ("step", "vision_clusters", "dialogue_pairs"):  # counts, when all present
            if df[column].notna().all():
                df[column] = df[column].astype(np.int64)
        return df


def vision_dispersion(vision: np.ndarray) -> float:
    """Mean RMS distance of visions from their centroid."""
    centred = vision - vision.mean(axis=0)
    return float(np.sqrt(np.einsum("ij,ij->i", centred, centred) / vision.shape[1]).mean())


def count_clusters(vision: np.ndarray, distance: float, min_share: float = 0.01) -> int:
    """Number of single-linkage clusters (RMS distance < ``distance``) holding >= ``min_share``.

    Visions are first snapped to a grid of half the linkage distance, so converged groups collapse
    to a few occupied cells and the pair search stays cheap whatever the consensus.
    """
    n_points, dims = vision.shape
    cell = distance / 2
    coords = np.floor(vision / cell).astype(np.int64)
    radix = int(math.floor(1.0 / cell)) + 1
    if radix**dims < 2**62:  # one integer key per cell: a fast 1-D unique
        keys = coords @ (radix ** np.arange(dims, dtype=np.int64))
        _, first, weight = np.unique(keys, return_index=True, return_counts=True)
        cells = coords[first]
    else:
        cells, weight = np.unique(coords, axis=0, return_counts=True)
    centres = (cells + 0.5) * cell
    pairs = cKDTree(centres).query_pairs(distance * math.sqrt(dims), output_type="ndarray")
    labels = _component_labels(centres.shape[0], pairs)
    sizes = np.bincount(labels, weights=weight)
    return int(np.count_nonzero(sizes >= max(2, min_share * n_points)))


def _component_labels(n: int, pairs: np.ndarray) -> np.ndarray:
    """Connected components by min-label propagation with pointer jumping (few, cheap passes).

    At the few hundred cells involved this beats building a scipy sparse graph every step.
    """
    labels = np.arange(n)
    if len(pairs) == 0:
        return labels
    a, b = pairs[:, 0], pairs[:, 1]
    while True:
        low = np.minimum(labels[a], labels[b])
        new = labels.copy()
        np.minimum.at(new, a, low)
        np.minimum.at(new, b, low)
        new = new[new]
        if np.array_equal(new, labels):
            return labels
        labels = new


def summarize(ts: pd.DataFrame, scenario: Scenario, cant_not_share: float) -> dict[str, Any]:
    """Summary metrics of one run from its time series."""
    steps = len(ts)
    part = ts["participation"].to_numpy()
    tail = max(1, int(math.ceil(0.2 * steps)))
    sustained = float(part[-tail:].mean())
    progress_total = float(ts["progress"].iloc[-1])
    incentives = float(ts["incentive_spend"].sum())
    spend = float(ts["spend"].sum())
    sectors = [c for c in ts.columns if c.startswith("participation_")]
    sector_means = ts[sectors].iloc[-tail:].mean().to_numpy()
    half = np.flatnonzero(part >= 0.5)
    return {
        "participation_mean": float(part.mean()),
        "participation_final": float(part[-1]),
        "sustained_participation": sustained,
        "retention": _retention(part, ts["step"].to_numpy(), scenario, sustained),
        "progress_total": progress_total,
        "incentive_spend_total": incentives,
        "spend_total": spend,
        "cost_per_progress": spend / progress_total if progress_total > 0 else None,
        "time_to_half_participation": int(ts["step"].iloc[half[0]]) if half.size else None,
        "sector_balance": _balance(sector_means),
        "vision_clusters_final": int(ts["vision_clusters"].iloc[-1]),
        "ownership_mean": float(ts["ownership"].mean()),
        "cant_not_share": float(cant_not_share),
    }


def _retention(part, step, scenario: Scenario, sustained: float) -> float | None:
    """Sustained participation over participation in the 20% of steps before the last change."""
    if not scenario.schedule:
        return None
    change = max(phase.step for phase in scenario.schedule)
    window = max(1, int(math.ceil(0.2 * scenario.steps)))
    before = part[(step >= change - window) & (step < change)]
    if before.size == 0 or before.mean() == 0:
        return None
    return sustained / float(before.mean())


def _balance(sector_means: np.ndarray) -> float:
    """1 - Gini coefficient of sustained participation across sectors (1 = all sectors alike)."""
    if sector_means.size < 2 or sector_means.sum() == 0:
        return 1.0
    diffs = np.abs(sector_means[:, None] - sector_means[None, :]).sum()
    gini = diffs / (2 * sector_means.size**2 * sector_means.mean())
    return float(1.0 - gini)
