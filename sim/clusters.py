"""Vision metrics: dispersion and the number of vision clusters, exact and cheap per step.

Clusters are single-linkage groups of visions (RMS distance <= ``metrics.cluster_distance``)
holding at least 2 actors and 1% of the sample. Visions are snapped to a grid of half that
distance, and visions whose cells' centres lie within the distance are linked (so visions in one
cell always are). The components are found by a breadth-first search over bitsets
(:func:`count_placed`): a :class:`Grid` keeps, for every dimension and grid value, the set of
visions in that cell row and the set within linking reach of it, so the candidates for a link
are a few word-wide ANDs and only they are tested exactly. The model's step loop
(:mod:`sim.loop`) keeps one grid for the run and updates it only where a vision changed cell;
when no cell changed the count stands. Grids too large for memory (very fine distances, many
dimensions, huge samples) fall back to a sweep over the cells sorted by their first coordinate.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba.cpython.unsafe.numbers import trailing_zeros

from sim.jit import compiled
from sim.mechanisms.vision import EVERYONE, UNWEIGHTED, weighted_sum

#: Largest bitset tables a grid may hold (bytes); larger grids use the sorted sweep.
TABLE_BUDGET = 64 * 2**20


class Grid(NamedTuple):
    """Where the sampled visions sit on the grid (edited in place by :func:`place`).

    ``cells[i, k]`` is vision i's grid coordinate in dimension k (-1 before it is placed);
    bit i of ``exact[k, v]`` is set if ``cells[i, k] == v``, of ``near[k, v]`` if
    ``|cells[i, k] - v| <= reach``. Both tables are empty when they would exceed
    :data:`TABLE_BUDGET`.
    """

    cells: np.ndarray  # points x dims, int32
    exact: np.ndarray  # dims x values x words, uint64
    near: np.ndarray
    cell: float  # the grid's cell size (half the linking distance)
    radius: float  # linking distance between cell centres (Euclidean)
    reach: int  # largest per-dimension offset (in cells) a link can have


def new_grid(points: int, dims: int, distance: float) -> Grid:
    """An empty grid for ``points`` visions of ``dims`` dimensions, linked within ``distance``."""
    cell = distance / 2
    radius = distance * math.sqrt(dims)  # RMS distance <= d is Euclidean <= d sqrt(K)
    values = int(math.floor(1.0 / cell)) + 1  # visions lie in [0, 1]
    words = (points + 63) // 64
    shape = (dims, values, words)
    if 2 * 8 * dims * values * words > TABLE_BUDGET:
        shape = (0, 0, 0)
    return Grid(
        np.full((points, dims), -1, dtype=np.int32), np.zeros(shape, dtype=np.uint64),
        np.zeros(shape, dtype=np.uint64), cell, radius, _reach(cell, radius),
    )  # fmt: skip


def _reach(cell: float, radius: float) -> int:
    ratio = (radius * radius) / (cell * cell)
    return int(math.sqrt(ratio + 0.5))  # links have integer squared offsets <= ratio + 0.5


def count_clusters(vision: np.ndarray, distance: float, min_share: float = 0.01) -> int:
    """Number of single-linkage clusters (RMS distance <= ``distance``) holding >= ``min_share``
    of the visions (and at least 2), with visions snapped to a grid of half that distance."""
    grid = new_grid(vision.shape[0], vision.shape[1], distance)
    place(grid, vision)
    return int(count_placed(grid, min_share))


@compiled
def vision_dispersion(vision: np.ndarray) -> float:
    """Mean RMS distance of visions from their centroid."""
    n, dims = vision.shape
    centre = weighted_sum(vision, UNWEIGHTED, EVERYONE)[0] / n
    total = 0.0
    for i in range(n):  # compiled: two passes, no N x K temporaries
        sq = 0.0
        for k in range(dims):
            gap = vision[i, k] - centre[k]
            sq += gap * gap
        total += np.sqrt(sq / dims)
    return total / n


@compiled
def place(grid, points):
    """Put each vision (a row of ``points``) in its grid cell; True if any cell changed.

    Only the visions that changed cell have their bits moved in the tables.
    """
    n, dims = points.shape
    changed = False
    for i in range(n):
        for k in range(dims):
            value = np.int32(np.floor(points[i, k] / grid.cell))
            if value != grid.cells[i, k]:
                if grid.exact.size:
                    _move_bit(grid, i, k, grid.cells[i, k], value)
                grid.cells[i, k] = value
                changed = True
    return changed


@compiled(inline=True)
def _move_bit(grid, i, k, old, new):
    """Move vision i's bit from grid value ``old`` to ``new`` of dimension k (-1: nowhere)."""
    word, bit = i >> 6, np.uint64(1) << np.uint64(i & 63)
    values, reach = grid.exact.shape[1], grid.reach
    if old >= 0:
        grid.exact[k, old, word] &= ~bit
        for v in range(max(old - reach, 0), min(old + reach + 1, values)):
            grid.near[k, v, word] &= ~bit
    grid.exact[k, new, word] |= bit
    for v in range(max(new - reach, 0), min(new + reach + 1, values)):
        grid.near[k, v, word] |= bit


@compiled
def count_placed(grid, min_share):
    """Clusters of the placed visions holding at least 2 of them and ``min_share`` of all."""
    n = grid.cells.shape[0]
    if grid.exact.size:
        sizes = _component_sizes(grid)
    else:
        labels = _linked_cells(grid.cells, grid.cell, grid.radius)
        sizes = np.zeros(n, dtype=np.int64)
        for i in range(n):
            sizes[labels[i]] += 1
    return np.count_nonzero(sizes >= max(2.0, min_share * n))


@compiled
def _component_sizes(grid):
    """Sizes of the linked components, by breadth-first search over the bitset tables.

    A component grows one occupied cell at a time: the visions sharing a reached vision's cell
    join at once (an AND of its ``exact`` rows); the candidates for a link from that cell are the
    visions not yet reached within ``reach`` of it in every dimension (an AND of its ``near``
    rows), and only they are tested exactly (:func:`_linked`).
    """
    cells = grid.cells
    n, words = cells.shape[0], grid.exact.shape[2]
    bound = grid.radius * grid.radius
    ratio = bound / (grid.cell * grid.cell)  # the bound in cells squared
    unreached = np.zeros(words, dtype=np.uint64)
    for i in range(n):
        unreached[i >> 6] |= np.uint64(1) << np.uint64(i & 63)
    queue = np.empty(n, dtype=np.int64)  # one vision per occupied cell of the component
    sizes = np.empty(n, dtype=np.int64)
    candidates, same = np.empty(words, dtype=np.uint64), np.empty(words, dtype=np.uint64)
    found, left = 0, n
    for seed in range(n):
        if not (unreached[seed >> 6] >> np.uint64(seed & 63)) & np.uint64(1):
            continue
        size, queued = _reach_cell(grid.exact, cells, seed, unreached, same), 1
        queue[0] = seed
        left -= size
        for head in range(n):
            if head == queued or left == 0:  # the rest needs no search: all are reached
                break
            i = queue[head]
            _rows_and(grid.near, cells, i, unreached, candidates)
            for w in range(words):
                word = candidates[w]
                while word:
                    j = w * 64 + trailing_zeros(word)
                    word &= word - np.uint64(1)
                    reached = not (unreached[w] >> np.uint64(j & 63)) & np.uint64(1)
                    if reached or not _linked(cells, i, j, grid.cell, ratio, bound):
                        continue
                    joined = _reach_cell(grid.exact, cells, j, unreached, same)
                    size, left = size + joined, left - joined
                    queue[queued] = j
                    queued += 1
        sizes[found] = size
        found += 1
    return sizes[:found]


@compiled(inline=True)
def _rows_and(table, cells, i, start, out):
    """``out = start AND table[k, cells[i, k]]`` over every dimension k."""
    for w in range(out.size):
        word = start[w]
        for k in range(cells.shape[1]):
            word &= table[k, cells[i, k], w]
        out[w] = word


@compiled(inline=True)
def _reach_cell(exact, cells, i, unreached, same):
    """Mark every unreached vision in vision i's cell reached; how many there were.

    ``same`` is scratch (one word per 64 visions).
    """
    _rows_and(exact, cells, i, unreached, same)
    count = 0
    for w in range(same.size):
        unreached[w] &= ~same[w]
        count += _popcount(same[w])
    return count


@compiled
def _popcount(word):
    """Set bits of a uint64 (SWAR)."""
    word = word - ((word >> np.uint64(1)) & np.uint64(0x5555555555555555))
    pairs = np.uint64(0x3333333333333333)
    word = (word & pairs) + ((word >> np.uint64(2)) & pairs)
    word = (word + (word >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return int((word * np.uint64(0x0101010101010101)) >> np.uint64(56))


@compiled(inline=True)
def _linked(cells, i, j, cell, ratio, bound):
    """Whether the centres of cells i and j lie within the linking distance.

    The squared integer offset decides unless it lies within 0.5 of the bound (``ratio``, in
    cells squared); there the centres are compared in floating point as
    ``scipy.spatial.cKDTree.query_pairs`` would (sum of squared differences <= radius^2).
    """
    gap = 0
    for k in range(cells.shape[1]):
        step = np.int64(cells[i, k]) - cells[j, k]
        gap += step * step
    if gap > ratio + 0.5:
        return False
    if gap <= ratio - 0.5:
        return True
    return _centres_within(cells, i, j, cell, bound)


@compiled(inline=True)
def _centres_within(cells, i, j, cell, bound):
    """Whether the centres of cells i and j lie within ``sqrt(bound)``, in floating point."""
    total = 0.0
    for k in range(cells.shape[1]):
        diff = (cells[i, k] + 0.5) * cell - (cells[j, k] + 0.5) * cell
        total += diff * diff
    return total <= bound


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
    ordered = cells[order]
    coords = np.ascontiguousarray(ordered.T).astype(np.int32)  # dims x m, sorted
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
            on_boundary = gaps[w] > ratio - 0.5
            if on_boundary and not _centres_within(ordered, i, j, cell, bound):
                continue
            root_i, root_j = _find(parent, i), _find(parent, j)
            parent[max(root_i, root_j)] = min(root_i, root_j)
    labels = np.empty(m, dtype=np.int64)
    for i in range(m):
        labels[order[i]] = _find(parent, i)
    return labels
