"""What a run reports: per-step time-series columns and the run's summary metrics.

The time series is recorded into preallocated numpy columns (one row per step, handed over as a
:class:`Recorded`); the summary is a pure function of the time series and the scenario, so analysis
code can recompute it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from sim.config import Scenario

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


MEAN_COLUMNS = (  # per-actor quantities whose population mean is recorded, in this order
    "participation",
    "intrinsic_motivation",
    "extrinsic_pressure",
    "pull",
    "habit",
    "alignment",
    "ownership",
    "cant_not",
    "undermining",
    "belief",
    "sanction_pressure",
)


SCALAR_COLUMNS = ("step", *(c for c in BASE_COLUMNS if c not in MEAN_COLUMNS))  # sim.loop order


class RowLayout:
    """Where each value of a step goes in a time-series row (computed once per model)."""

    def __init__(self, columns: list[str], sector_names: list[str]) -> None:
        where = {name: k for k, name in enumerate(columns)}
        self.width = len(columns)
        self.means = np.array([where[name] for name in MEAN_COLUMNS])
        self.sectors = np.array([where[f"participation_{name}"] for name in sector_names])
        self.scalars = np.array([where[name] for name in SCALAR_COLUMNS])


class Recorder:
    """Append-only table of per-step metrics backed by growable numpy columns."""

    def __init__(self, columns: list[str], capacity: int) -> None:
        self.columns = columns
        self._data = np.full((max(capacity, 1), len(columns)), np.nan)
        self.rows = 0

    def record(self, values: dict[str, float]) -> None:
        """Store one row; missing columns stay NaN."""
        self.record_row(np.array([values.get(name, np.nan) for name in self.columns]))

    def record_row(self, row: np.ndarray) -> None:
        """Store one complete row, in column order."""
        at = self.reserve(1)  # may replace self._data
        self._data[at] = row
        self.rows += 1

    def reserve(self, count: int) -> int:
        """Make room for ``count`` more rows (the explorer can run past the planned steps).

        Returns:
            The index of the first of them in :attr:`data`; the writer then adds ``count`` to
            :attr:`rows`.
        """
        while self.rows + count > self._data.shape[0]:
            self._data = np.vstack([self._data, np.full_like(self._data, np.nan)])
        return self.rows

    @property
    def data(self) -> np.ndarray:
        """The row storage (``rows`` rows filled, the rest NaN), for writers that fill it."""
        return self._data

    def recorded(self) -> Recorded:
        """A copy of the rows recorded so far."""
        return Recorded(tuple(self.columns), self._data[: self.rows].copy())

    def frame(self) -> pd.DataFrame:
        """The recorded rows as a DataFrame (``step`` as int)."""
        return self.recorded().frame()


INTEGER_COLUMNS = ("step", "vision_clusters", "dialogue_pairs")


@dataclass(frozen=True, eq=False)  # compared by identity: == on arrays has no single answer
class Recorded:
    """A run's time series as the model records it: one float per step and column.

    Sweeps read these arrays directly; a DataFrame is built only when asked for, as building
    one and reading it back cost about 1 ms of a 15 ms default run.
    """

    columns: tuple[str, ...]
    values: np.ndarray  # float64, one row per step, NaN where a value is missing

    def frame(self) -> pd.DataFrame:
        """The time series as a DataFrame (``step`` and the counts as int when complete)."""
        columns = {name: self.values[:, k].copy() for k, name in enumerate(self.columns)}
        for name in INTEGER_COLUMNS:
            if not np.isnan(columns[name]).any():
                columns[name] = columns[name].astype(np.int64)
        return pd.DataFrame(columns, copy=False)


def summarize(ts: Recorded, scenario: Scenario, cant_not_share: float) -> dict[str, Any]:
    """Summary metrics of one run from its time series."""
    values = ts.values  # columns are read by position
    column = {name: values[:, k] for k, name in enumerate(ts.columns)}
    steps = len(values)
    part = column["participation"]
    tail = max(1, int(math.ceil(0.2 * steps)))
    sustained = float(part[-tail:].mean())
    progress_total = float(column["progress"][-1])
    sectors = [k for k, name in enumerate(ts.columns) if name.startswith("participation_")]
    half = np.flatnonzero(part >= 0.5)
    spend = float(column["spend"].sum())
    return {
        "participation_mean": float(part.mean()),
        "participation_final": float(part[-1]),
        "sustained_participation": sustained,
        "retention": _retention(part, column["step"], scenario, sustained),
        "progress_total": progress_total,
        "incentive_spend_total": float(column["incentive_spend"].sum()),
        "spend_total": spend,
        "cost_per_progress": spend / progress_total if progress_total > 0 else None,
        "time_to_half_participation": int(column["step"][half[0]]) if half.size else None,
        "sector_balance": _balance(values[-tail:, sectors].mean(axis=0)),
        "vision_clusters_final": int(column["vision_clusters"][-1]),
        "ownership_mean": float(column["ownership"].mean()),
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
