"""Vision metrics: dispersion and the number of vision clusters, exact and cheap per step.

Clusters are single-linkage groups of visions (RMS distance <= ``metrics.cluster_distance``)
holding at least 2 actors and 1% of the sample. Visions are snapped to a grid of half that
distance, so converged groups collapse to a few occupied cells, and occupied cells whose centres
lie within the distance are linked. The model's step loop (:mod:`sim.loop`) recomputes them only
when a vision has moved, and relinks only when the occupied cells changed.
"""

from __future__ import annotations

import math

import numpy as np

from sim.jit import compiled


@compiled
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
    grid = key_grid(vision.shape[1], distance)
    if grid is not None:  # everything in one compiled call
        return int(clusters_if_moved(vision, _NO_KEYS, 0, *grid, distance, min_share)[2])
    return int(count_points(vision, distance, min_share))


_NO_KEYS = np.empty(0, dtype=np.int64)


def key_grid(dims: int, distance: float) -> tuple[float, np.ndarray] | None:
    """Cell size and place values that give each grid cell one int64 key (None if too many)."""
    cell = distance / 2
    radix = int(math.floor(1.0 / cell)) + 1
    if radix**dims >= 2**62:
        return None
    return cell, radix ** np.arange(dims, dtype=np.int64)


@compiled
def clusters_if_moved(vision, old_keys, old_clusters, cell, place, distance, min_share):
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


@compiled
def count_points(vision, distance, min_share):
    """:func:`count_clusters` without cell keys (for visions of too many dimensions): every
    vision's grid cell is linked on its own, so equal cells link at distance 0 (compiled)."""
    n, dims = vision.shape
    cell = distance / 2
    coords = np.empty((n, dims), dtype=np.int64)
    for i in range(n):
        for k in range(dims):
            coords[i, k] = np.floor(vision[i, k] / cell)
    labels = _linked_cells(coords, cell, distance * math.sqrt(dims))
    sizes = np.zeros(n)
    for i in range(n):
        sizes[labels[i]] += 1.0
    return np.count_nonzero(sizes >= max(2.0, min_share * n))


@compiled
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


@compiled
def _find(parent: np.ndarray, i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]  # path halving keeps the trees flat
        i = parent[i]
    return i


@compiled
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


@compiled
def _within(centres: np.ndarray, i: int, j: int, bound: float) -> bool:
    total = 0.0
    for k in range(centres.shape[1]):
        gap = centres[i, k] - centres[j, k]
        total += gap * gap
    return total <= bound
