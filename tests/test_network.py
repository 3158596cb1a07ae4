"""Interaction networks: degree, symmetry, no self loops, sector mixing, clustering."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from sim import network
from sim.network import (
    Graph,
    build_graph,
    count_acting,
    csr_mean,
    degree_walk,
    neighbour_mean,
    random_neighbours,
    recount_acting,
    shares_of,
)

N_SECTORS = 5
PER_SECTOR = 200


def sectors(per_sector: int = PER_SECTOR, n_sectors: int = N_SECTORS) -> np.ndarray:
    return np.repeat(np.arange(n_sectors), per_sector)


def graph(kind: str, degree: int = 8, cross: float = 0.2, rewiring: float = 0.05, seed: int = 1):
    sector = sectors()
    return sector, build_graph(kind, sector, degree, cross, rewiring, np.random.default_rng(seed))


def cross_share(sector: np.ndarray, g: Graph) -> float:
    return float(np.mean(sector[g.rows] != sector[g.indices]))


@pytest.mark.parametrize("kind", ["small_world", "random"])
@pytest.mark.parametrize("degree", [4, 8, 12])
def test_mean_degree_close_to_parameter(kind: str, degree: int) -> None:
    _, g = graph(kind, degree=degree)
    assert g.degree.mean() == pytest.approx(degree, rel=0.05)
    assert g.degree.mean() <= degree  # duplicates and self ties are dropped, never added


@pytest.mark.parametrize("kind", ["small_world", "random"])
def test_no_self_loops_and_symmetric(kind: str) -> None:
    _, g = graph(kind, cross=0.5, rewiring=0.3)
    assert not np.any(g.rows == g.indices)
    adjacency = g.adjacency
    assert (adjacency != adjacency.T).nnz == 0
    assert adjacency.max() == 1  # no duplicate ties
    # CSR structure is consistent: rows[k] is the owner of indices[k]
    assert np.array_equal(g.rows, np.repeat(np.arange(g.n), g.degree))


@pytest.mark.parametrize("kind", ["small_world", "random"])
@pytest.mark.parametrize("share", [0.0, 0.2, 0.5])
def test_cross_sector_share_of_ties(kind: str, share: float) -> None:
    sector, g = graph(kind, cross=share)
    # the small world's ring lattice adds a few ties across the sector boundaries
    assert cross_share(sector, g) == pytest.approx(share, abs=0.03)


def test_random_network_without_cross_share_is_siloed() -> None:
    sector, g = graph("random", cross=0.0)
    assert cross_share(sector, g) == 0.0


def test_single_sector_has_no_cross_ties_and_no_crash() -> None:
    sector = np.zeros(50, dtype=np.int64)
    g = build_graph("random", sector, 6, 1.0, 0.0, np.random.default_rng(0))
    assert g.degree.mean() == pytest.approx(6, rel=0.15)


def test_small_world_is_more_clustered_than_random() -> None:
    _, small = graph("small_world")
    _, rand = graph("random")
    c_small = nx.average_clustering(small.to_networkx())
    c_rand = nx.average_clustering(rand.to_networkx())
    assert c_small > 0.2
    assert c_small > 3 * c_rand


def test_to_networkx_has_every_actor_and_tie() -> None:
    _, g = graph("small_world")
    nxg = g.to_networkx()
    assert nxg.number_of_nodes() == g.n
    assert nxg.number_of_edges() == g.indices.size // 2
    assert nx.number_of_selfloops(nxg) == 0


def test_same_generator_state_gives_same_graph() -> None:
    _, a = graph("small_world", seed=3)
    _, b = graph("small_world", seed=3)
    _, c = graph("small_world", seed=4)
    assert np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)
    assert not (a.indptr.size == c.indptr.size and np.array_equal(a.indices, c.indices))


@pytest.mark.parametrize("n", [2, 3, 5])
@pytest.mark.parametrize("kind", ["small_world", "random"])
def test_tiny_populations(n: int, kind: str) -> None:
    sector = np.arange(n) % 2
    sector.sort()
    g = build_graph(kind, sector, 8, 0.5, 0.1, np.random.default_rng(0))
    assert g.n == n
    assert not np.any(g.rows == g.indices)
    assert g.indices.size == 0 or g.indices.max() < n


def test_well_mixed_has_no_ties_and_partners_are_never_self() -> None:
    sector, g = graph("well_mixed")
    assert g.well_mixed and g.indices.size == 0
    rng = np.random.default_rng(5)
    actors = np.tile(np.arange(g.n), 20)
    partners = random_neighbours(g, actors, rng)
    assert not np.any(partners == actors)
    assert partners.min() >= 0 and partners.max() < g.n
    # partners cover the whole population, across sectors
    assert np.unique(partners).size > 0.95 * g.n
    assert np.mean(sector[partners] != sector[actors]) == pytest.approx(0.8, abs=0.02)


def test_well_mixed_two_actors_always_pick_each_other() -> None:
    g = build_graph("well_mixed", np.array([0, 1]), 8, 0.2, 0.0, np.random.default_rng(0))
    partners = random_neighbours(g, np.array([0, 1, 0, 1]), np.random.default_rng(1))
    assert partners.tolist() == [1, 0, 1, 0]


def test_random_neighbours_are_neighbours() -> None:
    _, g = graph("small_world")
    rng = np.random.default_rng(2)
    actors = rng.integers(0, g.n, 2000)
    partners = random_neighbours(g, actors, rng)
    adjacency = g.adjacency.tocsr()
    assert np.all(np.asarray(adjacency[actors, partners]).ravel() == 1)


def test_isolated_actor_gets_no_partner() -> None:
    # actors 0-1 tied, actor 2 isolated
    g = Graph(3, np.array([0, 1, 2, 2]), np.array([1, 0], dtype=np.int32), np.array([0, 1]))
    partners = random_neighbours(g, np.array([0, 1, 2]), np.random.default_rng(0))
    assert partners.tolist() == [1, 0, -1]


def test_neighbour_mean_counts_acting_neighbours() -> None:
    _, g = graph("random")
    flags = np.random.default_rng(3).random(g.n) < 0.3
    share = neighbour_mean(g, flags)
    expected = [
        flags[g.indices[g.indptr[i] : g.indptr[i + 1]]].mean() if g.degree[i] else 0.0
        for i in range(g.n)
    ]
    assert np.allclose(share, expected)
    assert np.all((share >= 0) & (share <= 1))


def test_neighbour_mean_well_mixed_is_the_population_share() -> None:
    _, g = graph("well_mixed")
    flags = np.zeros(g.n, dtype=bool)
    flags[:250] = True
    assert np.all(neighbour_mean(g, flags) == 0.25)


@pytest.mark.parametrize("kind", ["small_world", "random"])
def test_counts_moved_along_changed_choices_equal_a_fresh_count(kind: str) -> None:
    """Step to step, only the ties of actors whose choice changed are walked; the counts and
    the shares built from them equal a fresh walk over every tie, to the last bit."""
    _, g = graph(kind)
    rng = np.random.default_rng(7)
    before = (rng.random(g.n) < 0.5).astype(np.uint8)
    counts = np.zeros(g.n, dtype=np.int32)
    count_acting(g.walk, before, counts)
    for flip_share in (0.0, 0.05, 0.2, 0.9, 1.0):
        after = np.where(rng.random(g.n) < flip_share, 1 - before, before).astype(np.uint8)
        recount_acting(g.walk, before, after, counts)
        fresh = np.zeros(g.n, dtype=np.int32)
        count_acting(g.walk, after, fresh)
        assert np.array_equal(counts, fresh)
        assert np.array_equal(shares_of(g.indptr, counts), csr_mean(g.walk, after))
        before = after
    assert 0 < counts.sum() < g.indices.size  # neither empty nor full: the test can fail


@pytest.mark.parametrize("block", [7, network.WALK_BLOCK])
def test_walk_holds_every_row_in_its_order_by_degree_within_blocks(monkeypatch, block) -> None:
    """The walk's rows are the graph's rows, ties in the same order, sorted by degree within
    blocks of consecutive actors; a sum over each row is the plain CSR's to the last bit."""
    _, g = graph("small_world", rewiring=0.3)
    monkeypatch.setattr(network, "WALK_BLOCK", block)
    walk = degree_walk(g.indptr, g.indices)
    assert sorted(walk.order.tolist()) == list(range(g.n))
    for p, actor in enumerate(walk.order):
        row = walk.indices[walk.indptr[p] : walk.indptr[p + 1]]
        assert row.tolist() == g.indices[g.indptr[actor] : g.indptr[actor + 1]].tolist()
    degree, block_of = np.diff(walk.indptr), walk.order // block
    assert np.all(np.diff(block_of) >= 0)
    assert np.all(np.diff(degree)[np.diff(block_of) == 0] >= 0)
    assert np.unique(degree).size > 2  # degrees vary: the order is not the identity
    assert not np.array_equal(walk.order, np.arange(g.n))
    values = np.random.default_rng(4).random(g.n)
    expected = np.zeros(g.n)
    for i in range(g.n):
        for j in g.indices[g.indptr[i] : g.indptr[i + 1]]:
            expected[i] += values[j]  # in tie order, as the walk must add them
    expected /= np.maximum(g.degree, 1)
    assert np.array_equal(csr_mean(walk, values), expected)
