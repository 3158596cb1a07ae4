"""Sector-homophilous interaction networks, generated with vectorized numpy.

Kinds (``network.kind``):

* ``small_world``: a Watts & Strogatz (1998) ring lattice within each sector, actors ordered by
  organisation, so neighbours share a sector and mostly an organisation (high clustering). Each
  tie is then rewired with probability ``cross_sector_share`` to a random actor of another sector
  and with probability ``rewiring`` to a random actor of the same sector.
* ``random``: the same number of ties (``N * mean_degree / 2``), each joining a random actor to a
  random partner of another sector with probability ``cross_sector_share``, else of the same
  sector (a homophilous Erdos-Renyi-like graph with low clustering; Centola 2010 contrasts the two).
* ``well_mixed``: no fixed ties; dialogue partners are drawn from the whole population
  (the complete-graph setting of Deffuant et al. 2000) and social reinforcement reads the
  population's participation.

networkx is used to export a graph (viz, tests), not to build it: at a million actors its
Python-level generators take minutes, these take about a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

import numpy as np
from scipy.sparse import csr_matrix

from sim import pcg64
from sim.jit import compiled, unsigned


@dataclass(frozen=True, eq=False)
class Graph:
    """An undirected graph in CSR form (each tie stored in both directions)."""

    n: int
    indptr: np.ndarray
    indices: np.ndarray
    rows: np.ndarray
    well_mixed: bool = False

    @cached_property
    def degree(self) -> np.ndarray:
        """Number of ties of every actor."""
        return np.diff(self.indptr)

    @cached_property
    def walk(self) -> Walk:
        """The rows again, ordered for walks over every tie (:class:`Walk`)."""
        return degree_walk(self.indptr, self.indices)

    @cached_property
    def adjacency(self) -> csr_matrix:
        """Sparse adjacency matrix (compiled mat-vec for neighbour counts)."""
        data = np.ones(self.indices.size, dtype=np.float64)
        return csr_matrix((data, self.indices, self.indptr), shape=(self.n, self.n))

    def to_networkx(self):
        """The graph as a ``networkx.Graph`` (for drawing and analysis; slow for huge graphs)."""
        import networkx as nx

        graph = nx.Graph()
        graph.add_nodes_from(range(self.n))
        graph.add_edges_from(zip(self.rows.tolist(), self.indices.tolist(), strict=True))
        return graph


#: Rows are ordered by degree within blocks of this many consecutive actors (:class:`Walk`).
WALK_BLOCK = 4096


class Walk(NamedTuple):
    """A graph's rows (each actor's ties, in the same order) ordered by degree within blocks.

    A loop over a row's ties ends where the row ends; with degrees varying from actor to actor
    (a rewired lattice's run from 4 to 15), the CPU mispredicted most of these ends, and a
    walk over every tie of 100,000 actors spent half its time recovering: with the rows of each
    degree together, a float sum 1.11-1.18 -> 0.63-0.78 ms, a count of acting neighbours
    1.08 -> 0.55 ms. Blocks of :data:`WALK_BLOCK` consecutive actors keep neighbours' values
    near in memory (rows sorted over the whole population: 5-10% slower). Each actor's ties
    keep their order, so every sum over a row is the same to the last bit.
    """

    order: np.ndarray  # int32: the actor whose row is at each position
    indptr: np.ndarray  # int64, as Graph.indptr but by position
    indices: np.ndarray  # int32


def degree_walk(indptr: np.ndarray, indices: np.ndarray) -> Walk:
    """The :class:`Walk` of a CSR graph: rows by (block, degree, actor)."""
    order = _degree_order(indptr, WALK_BLOCK)
    walk_indptr = np.zeros(order.size + 1, dtype=np.int64)
    np.cumsum(np.diff(indptr)[order], out=walk_indptr[1:])
    return Walk(order, walk_indptr, _rows_in_order(indptr, indices, order, walk_indptr))


@compiled
def _degree_order(indptr, block):
    """Actors by (block, degree, actor): each block counting-sorted by degree (7 ms at a
    million actors, where np.lexsort took 46)."""
    n = indptr.size - 1
    order = np.empty(n, dtype=np.int32)
    for start in range(0, n, block):
        end = min(start + block, n)
        top = 0
        for i in range(start, end):
            top = max(top, indptr[i + 1] - indptr[i])
        first = np.zeros(top + 1, dtype=np.int64)  # counts, then where each degree goes next
        for i in range(start, end):
            first[indptr[i + 1] - indptr[i]] += 1
        at = start
        for degree in range(top + 1):
            first[degree], at = at, at + first[degree]
        for i in range(start, end):
            degree = indptr[i + 1] - indptr[i]
            order[first[degree]] = i
            first[degree] += 1
    return order


@compiled
def _rows_in_order(indptr, indices, order, walk_indptr):
    """``indices`` with the rows rearranged in ``order``."""
    out = np.empty(indices.size, dtype=np.int32)
    for p in range(order.size):
        start = indptr[order[p]]
        for k in range(walk_indptr[p], walk_indptr[p + 1]):
            out[k] = indices[start + k - walk_indptr[p]]
    return out


def build_graph(
    kind: str,
    sector: np.ndarray,
    mean_degree: int,
    cross_share: float,
    rewiring: float,
    rng: np.random.Generator,
) -> Graph:
    """Build the interaction graph for actors sorted by sector (and organisation)."""
    n = sector.size
    if kind == "well_mixed":
        empty = np.zeros(0, dtype=np.int32)
        return Graph(n, np.zeros(n + 1, dtype=np.int64), empty, empty, True)
    half = min(mean_degree // 2, max((n - 1) // 2, 1))
    if kind == "small_world":
        src, dst = _ring_lattice(sector, half)
        dst = _rewire(src, dst, sector, cross_share, rewiring, rng)
    else:
        src = rng.integers(0, n, size=n * half)
        dst = _partners(src, sector, cross_share, rng)
    return _to_csr(n, src, dst)


def _ring_lattice(sector: np.ndarray, half: int) -> tuple[np.ndarray, np.ndarray]:
    """Each actor tied to the next ``half`` actors of its own sector's ring (sectors sorted).

    Rings close within a sector block, so only rewired ties cross sectors and
    ``cross_sector_share`` holds exactly even in small populations. Tie ``i * half + j - 1``
    joins actor ``i`` to its ``j``-th successor.
    """
    return _lattice_ties(sector, half)


@compiled
def _lattice_ties(sector: np.ndarray, half: int) -> tuple[np.ndarray, np.ndarray]:
    """Compiled :func:`_ring_lattice`: int32 ends (at most 10 M actors), no N x half temporaries."""
    n = sector.size
    src = np.empty(n * half, dtype=np.int32)
    dst = np.empty(n * half, dtype=np.int32)
    start = 0
    while start < n:
        end = start
        while end < n and sector[end] == sector[start]:
            end += 1
        for i in range(start, end):
            for j in range(1, half + 1):
                src[i * half + j - 1] = i
                dst[i * half + j - 1] = start + (i - start + j) % (end - start)
        start = end
    return src, dst


def _rewire(src, dst, sector, cross_share, rewiring, rng) -> np.ndarray:
    """Rewire each tie across sectors with prob. ``cross_share``, within with prob. ``rewiring``.

    ``dst`` is overwritten (the lattice's fresh array: a copy would cost 4 bytes per tie).
    """
    moved, cross = _moved_ties(rng.random(src.size), cross_share, rewiring)
    dst[moved] = _partners(src[moved], sector, cross.astype(float), rng)
    return dst


@compiled
def _moved_ties(draw: np.ndarray, cross_share: float, rewiring: float):
    """Indices of the rewired ties and whether each one crosses sectors (one compiled pass)."""
    moved = np.empty(draw.size, dtype=np.int64)
    cross = np.empty(draw.size, dtype=np.bool_)
    count = 0
    for e in range(draw.size):
        across = draw[e] < cross_share
        if across or (draw[e] >= cross_share and draw[e] < cross_share + rewiring):
            moved[count] = e
            cross[count] = across
            count += 1
    return moved[:count], cross[:count]


def _partners(src: np.ndarray, sector: np.ndarray, cross_share, rng) -> np.ndarray:
    """A random partner for each source: another sector with prob. ``cross_share``, else same.

    ``sector`` must be sorted, so each sector is a contiguous block ``[start, end)``.
    """
    n_sectors = int(sector.max()) + 1 if sector.size else 1
    starts = np.searchsorted(sector, np.arange(n_sectors))
    ends = np.searchsorted(sector, np.arange(n_sectors), side="right")
    cross = rng.random(src.size) < cross_share
    if n_sectors == 1:
        cross[:] = False
    # Another sector: shift own sector by 1..S-1 (uniform over the other sectors).
    shift = rng.integers(1, max(n_sectors, 2), size=src.size)
    return _partner_in(src, sector, cross, shift, rng.random(src.size), starts, ends)


@compiled
def _partner_in(src, sector, cross, shift, draw, starts, ends) -> np.ndarray:
    """The partner at ``floor(draw * size)`` of each source's target sector block (compiled)."""
    n_sectors = starts.size
    partner = np.empty(src.size, dtype=np.int64)
    for e in range(src.size):
        target = sector[src[e]]
        if cross[e]:
            target = (target + shift[e]) % n_sectors
        size = ends[target] - starts[target]
        partner[e] = starts[target] + np.int64(np.floor(draw[e] * size))
    return partner


def _to_csr(n: int, src: np.ndarray, dst: np.ndarray) -> Graph:
    """The undirected graph of the ties ``src[e] - dst[e]``, without self or duplicate ties."""
    indptr, indices = _csr_ties(n, src, dst)
    rows = np.repeat(np.arange(n, dtype=np.int32), np.diff(indptr))
    return Graph(n, indptr, indices, rows)


@compiled
def _csr_ties(n: int, src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CSR ``(indptr, indices)`` of the ties in both directions, each row sorted and deduplicated.

    A counting sort by row, then a sort of each (short) row: linear in the ties, where a global
    sort of ``src * n + dst`` keys took most of the build time at a million actors.
    """
    start = np.zeros(n + 1, dtype=np.int64)
    for e in range(src.size):
        if src[e] != dst[e]:
            start[src[e] + 1] += 1
            start[dst[e] + 1] += 1
    for i in range(n):
        start[i + 1] += start[i]
    fill = start[:-1].copy()
    cols = np.empty(start[n], dtype=np.int32)
    for e in range(src.size):
        a, b = src[e], dst[e]
        if a != b:
            cols[fill[a]] = b
            fill[a] += 1
            cols[fill[b]] = a
            fill[b] += 1
    indptr = np.zeros(n + 1, dtype=np.int64)
    kept = 0  # compacted in place: a row's output never overtakes its unread input
    for i in range(n):
        _sort_row(cols[start[i] : start[i + 1]])
        for k in range(start[i], start[i + 1]):
            if k == start[i] or cols[k] != cols[k - 1]:
                cols[kept] = cols[k]
                kept += 1
        indptr[i + 1] = kept
    return indptr, cols[:kept]


@compiled
def _sort_row(row: np.ndarray) -> None:
    """Sort one row in place: insertion sort for the usual few ties, numpy's sort beyond."""
    if row.size > 32:
        row[:] = np.sort(row)
        return
    for k in range(1, row.size):
        value, j = row[k], k - 1
        while j >= 0 and row[j] > value:
            row[j + 1] = row[j]
            j -= 1
        row[j + 1] = value


def random_neighbours(graph: Graph, actors: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One uniformly drawn neighbour per actor (-1 for isolated actors)."""
    return draw_neighbours(graph.indptr, graph.indices, graph.well_mixed, graph.n, actors, rng,
                           pcg64.state_of(rng))  # fmt: skip


@compiled
def draw_neighbours(indptr, indices, well_mixed, n, actors, rng, stream):
    """:func:`random_neighbours` from the graph's arrays (compiled; same draws as numpy's).

    ``stream`` is :func:`sim.pcg64.state_of` ``rng``.
    """
    if well_mixed:
        partner = rng.integers(0, n - 1, size=actors.size)
        for p in range(actors.size):
            partner[p] += partner[p] >= actors[p]  # anyone but oneself
        return partner
    return _pick(indptr, indices, actors, pcg64.uniforms(rng, stream, actors.size))


@compiled
def _pick(indptr, indices, actors, draws):
    """The neighbour at position ``floor(draw * degree)`` of each actor (compiled)."""
    partner = np.full(actors.size, -1, dtype=np.int64)
    for p in range(actors.size):
        actor = unsigned(actors[p])
        start, degree = indptr[actor], indptr[actor + np.uint64(1)] - indptr[actor]
        if degree > 0:
            partner[p] = indices[unsigned(start + np.int64(np.floor(draws[p] * degree)))]
    return partner


def neighbour_mean(graph: Graph, values: np.ndarray) -> np.ndarray:
    """Mean of ``values`` over each actor's neighbours (the population mean if well mixed).

    For boolean ``values`` this is the share of neighbours for which they are true.
    """
    if graph.well_mixed:
        return np.full(graph.n, values.mean())
    if values.dtype == np.bool_:
        values = values.view(np.uint8)  # compiled bool loads are ~3x slower than bytes
    return csr_mean(graph.walk, values)


@compiled
def csr_mean(walk: Walk, values: np.ndarray) -> np.ndarray:
    """Row means of a 0/1 CSR matrix (its :class:`Walk`) times ``values`` (one compiled pass)."""
    order, indptr, indices = walk
    out = np.empty(order.size)
    for p in range(order.size):
        total = 0.0
        for k in range(unsigned(indptr[p]), unsigned(indptr[p + 1])):
            total += values[unsigned(indices[k])]
        out[unsigned(order[p])] = total / max(indptr[p + 1] - indptr[p], 1)
    return out


@compiled
def count_acting(walk, acting, counts):
    """``counts[i]``: how many of actor i's neighbours act (``acting`` as 0/1 bytes)."""
    order, indptr, indices = walk
    for p in range(order.size):
        total = 0
        for k in range(unsigned(indptr[p]), unsigned(indptr[p + 1])):
            total += acting[unsigned(indices[k])]
        counts[unsigned(order[p])] = total


@compiled
def recount_acting(walk, before, after, counts):
    """Move :func:`count_acting`'s counts from the choices ``before`` to ``after``.

    Only the ties of actors whose choice changed are walked: ties are stored both ways, so
    actor j's row lists every actor whose count includes j. Counts are integers, so the
    result equals a fresh count exactly. Who changed is listed first, without a branch (a
    third of the choices change, at random: 0.78 -> 0.66 ms at 100,000 actors), in the walk's
    order, so rows of one degree follow each other.
    """
    order, indptr, indices = walk
    changed = np.empty(order.size, dtype=np.int32)
    count = 0
    for p in range(order.size):
        j = unsigned(order[p])
        changed[count] = p
        count += after[j] != before[j]
    for q in range(count):
        p = unsigned(changed[q])
        change = np.int32(2 * np.int32(after[unsigned(order[p])]) - 1)
        for k in range(unsigned(indptr[p]), unsigned(indptr[p + np.uint64(1)])):
            counts[unsigned(indices[k])] += change


@compiled
def shares_of(indptr, counts):
    """Each actor's count over its degree: :func:`csr_mean` of the choices, to the last bit."""
    out = np.empty(counts.size)
    for i in range(counts.size):
        out[i] = counts[i] / max(indptr[i + 1] - indptr[i], 1)
    return out
