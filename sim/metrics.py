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
from numba import njit

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


SCALAR_COLUMNS = (  # per-step quantities of the whole run, in the order step_values writes them
    "step",
    "progress",
    "progress_rate",
    "incentive_spend",
    "convening_spend",
    "accountability_spend",
    "spend",
    "budget_left",
    "incentive_active",
    "dialogue_pairs",
    "vision_dispersion",  # on a fixed sample of actors (exact if small)
    "vision_clusters",
    "top_motivation_share",
)


class RowLayout:
    """Where each value of a step goes in a time-series row (computed once per model)."""

    def __init__(self, columns: list[str], sector_names: list[str]) -> None:
        where = {name: k for k, name in enumerate(columns)}
        self.width = len(columns)
        self.means = np.array([where[name] for name in MEAN_COLUMNS])
        self.sectors = np.array([where[f"participation_{name}"] for name in sector_names])
        self.scalars = np.array([where[name] for name in SCALAR_COLUMNS])


def step_values(model: PushPullModel, pairs: int, made: float) -> np.ndarray:
    """The metrics of the step just taken, as a row of ``model.recorder.columns``.

    Population means come from the sums of the step's compiled passes (:mod:`sim.kernel`).
    """
    s, costs, layout = model.state, model.costs, model.row_layout
    budget = model.params.push.budget
    n = max(s.size, 1)
    sampled = s.vision if model._cluster_sample is None else s.vision[model._cluster_sample]
    every, step = model.config.metrics.cluster_every, model.steps
    dispersion, clusters = model.vision_metrics(
        sampled, step % every == 0 or step >= model.config.steps
    )
    row = np.empty(layout.width)
    row[layout.means] = model.step_sums[: len(MEAN_COLUMNS)] / n
    row[layout.sectors] = model.acting_by_sector / np.maximum(model.sector_sizes, 1.0)
    row[layout.scalars] = (
        model.steps,
        model.progress_total,
        made,
        costs.incentives,
        costs.convening,
        costs.accountability,
        costs.total,
        math.inf if budget is None else max(budget - model.spent, 0.0),
        float(model.pushing),
        pairs,
        dispersion,
        clusters,
        model.step_sums[len(MEAN_COLUMNS)] / n,  # the top_of_scale sum
    )
    return row


class VisionMetrics:
    """Dispersion and cluster count of sampled visions, recomputed only when they change.

    Visions change only through dialogue, and clusters only when a vision crosses a grid cell,
    so most steps reuse the previous values; the results are exactly those of
    :func:`vision_dispersion` and :func:`count_clusters`. The model passes its own vision
    array when every actor is sampled: dialogue replaces that array whenever a vision moves, so
    the same object means the same visions.
    """

    def __init__(self, distance: float) -> None:
        self.distance = distance
        self._vision: np.ndarray | None = None  # a copy of the visions last measured
        self._source: np.ndarray | None = None  # the array last passed in
        self._keys = np.empty(0, dtype=np.int64)
        self._dispersion, self._clusters = 0.0, 0
        self._clusters_current = False

    def __call__(self, vision: np.ndarray, clusters: bool = True) -> tuple[float, float]:
        """``(vision_dispersion, vision_clusters)``; clusters are NaN unless ``clusters``."""
        if not (vision is self._source or self._same_as_last(vision)):
            self._source, self._vision = vision, vision.copy()
            self._dispersion, self._clusters_current = vision_dispersion(vision), False
        self._source = vision
        if not clusters:
            return self._dispersion, math.nan
        if not self._clusters_current:
            self._clusters, self._clusters_current = self._count(vision), True
        return self._dispersion, self._clusters

    def _same_as_last(self, vision: np.ndarray) -> bool:
        return self._vision is not None and np.array_equal(vision, self._vision)

    def _count(self, vision: np.ndarray) -> int:
        grid = _key_grid(vision.shape[1], self.distance)
        if grid is None:
            return count_clusters(vision, self.distance)
        _, self._keys, clusters = _clusters_if_moved(
            vision, self._keys, self._clusters, *grid, self.distance, 0.01
        )
        return int(clusters)


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
        if self.rows == self._data.shape[0]:  # the explorer can run past the planned steps
            self._data = np.vstack([self._data, np.full_like(self._data, np.nan)])
        self._data[self.rows] = row
        self.rows += 1

    def frame(self) -> pd.DataFrame:
        """The recorded rows as a DataFrame (``step`` as int)."""
        df = pd.DataFrame(self._data[: self.rows].copy(), columns=self.columns)
        for column in ("step", "vision_clusters", "dialogue_pairs"):  # counts, when all present
            if df[column].notna().all():
                df[column] = df[column].astype(np.int64)
        return df


@njit(cache=True)
def vision_dispersion(vision: np.ndarray) -> float:
    """Mean RMS distance of visions from their centroid."""
    n, dims = vision.shape
    centre = np.zeros(dims)
    for i in range(n):
        for k in range(dims):
            centre[k] += vision[i, k]
    centre /= n
    total = 0.0
    for i in range(n):  # compiled: two passes, no N x K temporaries
        sq = 0.0
        for k in range(dims):
            gap = vision[i, k] - centre[k]
            sq += gap * gap
        total += np.sqrt(sq / dims)
    return total / n


def count_clusters(vision: np.ndarray, distance: float, min_share: float = 0.01) -> int:
    """Number of single-linkage clusters (RMS distance <= ``distance``) holding >= ``min_share``.

    Visions are first snapped to a grid of half the linkage distance, so converged groups collapse
    to a few occupied cells; cells whose centres lie at most ``distance`` apart (RMS) are linked.
    """
    grid = _key_grid(vision.shape[1], distance)
    if grid is not None:  # everything in one compiled call
        return int(_clusters_if_moved(vision, _NO_KEYS, 0, *grid, distance, min_share)[2])
    cells, weight = occupied_cells(vision, distance / 2)
    return clusters_of_cells(cells, weight, distance, vision.shape[0], min_share)


_NO_KEYS = np.empty(0, dtype=np.int64)


def _key_grid(dims: int, distance: float) -> tuple[float, np.ndarray] | None:
    """Cell size and place values that give each grid cell one int64 key (None if too many)."""
    cell = distance / 2
    radix = int(math.floor(1.0 / cell)) + 1
    if radix**dims >= 2**62:
        return None
    return cell, radix ** np.arange(dims, dtype=np.int64)


@njit(cache=True)
def _clusters_if_moved(vision, old_keys, old_clusters, cell, place, distance, min_share):
    """``(changed, keys, clusters)``: clusters are relinked only if the occupied cells changed.

    ``keys`` are the sorted cell keys of every vision, compared with ``old_keys``.
    """
    n, dims = vision.shape
    keys = np.zeros(n, dtype=np.int64)
    for i in range(n):
        for k in range(dims):
            keys[i] += np.int64(np.floor(vision[i, k] / cell)) * place[k]
    keys.sort()
    if keys.size == old_keys.size and np.all(keys == old_keys):
        return False, keys, old_clusters
    cells, weight = _cells_by_key(vision, cell, place)
    labels = _linked_cells(cells, cell, distance * math.sqrt(dims))
    sizes = np.zeros(cells.shape[0])
    for c in range(cells.shape[0]):
        sizes[labels[c]] += weight[c]
    return True, keys, np.count_nonzero(sizes >= max(2.0, min_share * n))


def clusters_of_cells(
    cells: np.ndarray, weight: np.ndarray, distance: float, n_points: int, min_share: float = 0.01
) -> int:
    """:func:`count_clusters` from the occupied cells and their counts."""
    cell = distance / 2
    labels = _linked_cells(cells, cell, distance * math.sqrt(cells.shape[1]))
    sizes = np.bincount(labels, weights=weight)
    return int(np.count_nonzero(sizes >= max(2, min_share * n_points)))


def occupied_cells(vision: np.ndarray, cell: float) -> tuple[np.ndarray, np.ndarray]:
    """Integer coordinates of the grid cells occupied by ``vision`` and how many each holds."""
    dims = vision.shape[1]
    radix = int(math.floor(1.0 / cell)) + 1
    if radix**dims < 2**62:  # one integer key per cell: a compiled sort of the keys
        return _cells_by_key(vision, cell, radix ** np.arange(dims, dtype=np.int64))
    coords = np.floor(vision / cell).astype(np.int64)
    cells, weight = np.unique(coords, axis=0, return_counts=True)
    return cells, weight


@njit(cache=True)
def _cells_by_key(vision, cell, place):
    n, dims = vision.shape
    coords = np.empty((n, dims), dtype=np.int64)
    keys = np.zeros(n, dtype=np.int64)
    for i in range(n):
        for k in range(dims):
            coords[i, k] = np.floor(vision[i, k] / cell)
            keys[i] += coords[i, k] * place[k]
    order = np.argsort(keys)
    first = np.ones(n, dtype=np.bool_)
    for a in range(1, n):
        first[a] = keys[order[a]] != keys[order[a - 1]]
    starts = np.flatnonzero(first)
    weight = np.diff(np.append(starts, n))
    return coords[order[starts]], weight


@njit(cache=True)
def _find(parent: np.ndarray, i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]  # path halving keeps the trees flat
        i = parent[i]
    return i


@njit(cache=True)
def _linked_cells(cells: np.ndarray, cell: float, radius: float) -> np.ndarray:
    """Component label of every cell; cells whose centres lie within ``radius`` are linked.

    Centre distances are compared in floating point exactly as
    ``scipy.spatial.cKDTree.query_pairs`` does (sum of squared differences <= radius^2), so
    ties on the grid are decided as before. Pairs are screened first by their exact integer
    offsets (a vectorizable loop over cells sorted by their first coordinate); only pairs on
    the boundary sphere need the floating-point test.
    """
    m, dims = cells.shape
    order = np.argsort(cells[:, 0], kind="mergesort")
    coords = np.ascontiguousarray(cells[order].T).astype(np.int32)  # dims x m, sorted
    centres = (cells[order] + 0.5) * cell
    bound = radius * radius
    ratio = bound / (cell * cell)  # squared radius in cells (4 K for count_clusters)
    reach = int(math.sqrt(ratio)) + 1
    parent = np.arange(m)
    gaps = np.empty(m, dtype=np.int32)
    end = 0
    for i in range(m):
        while end < m and coords[0, end] - coords[0, i] <= reach:
            end += 1
        width = end - i - 1
        gaps[:width] = 0
        for k in range(dims):  # squared integer offsets to every cell in the window
            here = coords[k, i]
            row = coords[k, i + 1 : end]
            for w in range(width):
                step = row[w] - here
                gaps[w] += step * step
        for w in range(width):
            if gaps[w] > ratio + 0.5:  # surely out of reach
                continue
            j = i + 1 + w
            if gaps[w] > ratio - 0.5 and not _within(centres, i, j, bound):  # on the boundary
                continue
            root_i, root_j = _find(parent, i), _find(parent, j)
            parent[max(root_i, root_j)] = min(root_i, root_j)
    labels = np.empty(m, dtype=np.int64)
    for i in range(m):
        labels[order[i]] = _find(parent, i)
    return labels


@njit(cache=True)
def _within(centres: np.ndarray, i: int, j: int, bound: float) -> bool:
    total = 0.0
    for k in range(centres.shape[1]):
        gap = centres[i, k] - centres[j, k]
        total += gap * gap
    return total <= bound


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
