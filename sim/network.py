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

import numpy as np
from numba import njit
from scipy.sparse import csr_matrix


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
    ``cross_sector_share`` holds exactly even in small populations.
    """
    n = sector.size
    start = np.searchsorted(sector, sector)  # first index of each actor's sector block
    size = np.searchsorted(sector, sector, side="right") - start
    src = np.repeat(np.arange(n), half)
    offsets = np.tile(np.arange(1, half + 1), n)
    base = start[src]
    return src, base + (src - base + offsets) % size[src]


def _rewire(src, dst, sector, cross_share, rewiring, rng) -> np.ndarray:
    draw = rng.random(src.size)
    cross = draw < cross_share
    within = (draw >= cross_share) & (draw < cross_share + rewiring)
    dst = dst.copy()
    moved = cross | within
    dst[moved] = _partners(src[moved], sector, cross[moved].astype(float), rng)
    return dst


def _partners(src: np.ndarray, sector: np.ndarray, cross_share, rng) -> np.ndarray:
    """A random partner for each source: another sector with prob. ``cross_share``, else same.

    ``sector`` must be sorted, so each sector is a contiguous block ``[start, end)``.
    """
    n_sectors = int(sector.max()) + 1 if sector.size else 1
    starts = np.searchsorted(sector, np.arange(n_sectors))
    ends = np.searchsorted(sector, np.arange(n_sectors), side="right")
    own = sector[src]
    cross = rng.random(src.size) < cross_share
    if n_sectors == 1:
        cross[:] = False
    # Another sector: shift own sector by 1..S-1 (uniform over the other sectors).
    shift = rng.integers(1, max(n_sectors, 2), size=src.size)
    target = np.where(cross, (own + shift) % n_sectors, own)
    size = ends[target] - starts[target]
    return starts[target] + np.floor(rng.random(src.size) * size).astype(np.int64)


def _to_csr(n: int, src: np.ndarray, dst: np.ndarray) -> Graph:
    keep = src != dst
    src, dst = src[keep].astype(np.int64), dst[keep].astype(np.int64)
    both_src = np.concatenate([src, dst])
    both_dst = np.concatenate([dst, src])
    # Drop duplicate ties; sorting by (src, dst) also gives CSR order. (A sort and a mask are
    # several times faster than np.unique's hashing at millions of ties.)
    key = np.sort(both_src * n + both_dst)
    key = key[np.concatenate(([True], key[1:] != key[:-1]))] if key.size else key
    rows, cols = np.divmod(key, n)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return Graph(n, indptr, cols.astype(np.int32), rows.astype(np.int32))


def random_neighbours(graph: Graph, actors: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One uniformly drawn neighbour per actor (-1 for isolated actors)."""
    if graph.well_mixed:
        partner = rng.integers(0, graph.n - 1, size=actors.size)
        return partner + (partner >= actors)  # anyone but oneself
    return _pick(graph.indptr, graph.indices, actors, rng.random(actors.size))


@njit(cache=True)
def _pick(indptr, indices, actors, draws):
    """The neighbour at position ``floor(draw * degree)`` of each actor (compiled)."""
    partner = np.full(actors.size, -1, dtype=np.int64)
    for p in range(actors.size):
        start, degree = indptr[actors[p]], indptr[actors[p] + 1] - indptr[actors[p]]
        if degree > 0:
            partner[p] = indices[start + np.int64(np.floor(draws[p] * degree))]
    return partner


def neighbour_mean(graph: Graph, values: np.ndarray) -> np.ndarray:
    """Mean of ``values`` over each actor's neighbours (the population mean if well mixed).

    For boolean ``values`` this is the share of neighbours for which they are true.
    """
    if graph.well_mixed:
        return np.full(graph.n, values.mean())
    if values.dtype == np.bool_:
        values = values.view(np.uint8)  # compiled bool loads are ~3x slower than bytes
    return csr_mean(graph.indptr, graph.indices, values)


@njit(cache=True)
def csr_mean(indptr: np.ndarray, indices: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Row means of a 0/1 CSR matrix times ``values`` (one compiled pass, no sparse object)."""
    n = indptr.size - 1
    out = np.empty(n)
    for i in range(n):
        total = 0.0
        for k in range(indptr[i], indptr[i + 1]):
            total += values[indices[k]]
        out[i] = total / max(indptr[i + 1] - indptr[i], 1)
    return out
