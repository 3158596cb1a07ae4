"""Vision clusters: the bitset search equals single linkage of grid cells, however it is fed."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from sim import clusters
from sim.clusters import count_clusters, count_placed, new_grid, place


def reference_count(vision: np.ndarray, distance: float, min_share: float = 0.01) -> int:
    """Single linkage of the visions' grid-cell centres, every pair compared (the definition)."""
    n, dims = vision.shape
    cell = distance / 2
    centres = (np.floor(vision / cell) + 0.5) * cell
    squared = ((centres[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
    linked = squared <= (distance * math.sqrt(dims)) ** 2
    _, labels = connected_components(coo_matrix(linked), directed=False)
    sizes = np.bincount(labels)
    return int(np.count_nonzero(sizes >= max(2.0, min_share * n)))


def random_visions(rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """Groups of visions of random size, spread and dimension; some snapped onto cell edges."""
    n, dims = int(rng.integers(1, 300)), int(rng.integers(1, 8))
    distance = float(rng.choice([0.02, 0.05, 0.1, 1 / 3, 1.0]))
    centres = rng.random((int(rng.integers(1, 6)), dims))
    spread = rng.choice([0.0, 0.01, 0.05, 0.2])
    vision = centres[rng.integers(0, len(centres), n)] + spread * rng.standard_normal((n, dims))
    if rng.random() < 0.3:  # on the grid: centre distances tie with the linking distance
        vision = np.round(vision / (distance / 2)) * (distance / 2)
    return np.clip(vision, 0.0, 1.0), distance


def without_tables(grid: clusters.Grid) -> clusters.Grid:
    """The same grid forced onto the sorted-sweep fallback (as when tables exceed the budget)."""
    empty = np.zeros((0, 0, 0), dtype=np.uint64)
    return grid._replace(exact=empty, near=empty)


def test_bitset_search_and_fallback_equal_the_definition() -> None:
    rng = np.random.default_rng(11)
    for _ in range(300):
        vision, distance = random_visions(rng)
        expected = reference_count(vision, distance)
        assert count_clusters(vision, distance) == expected
        fallback = without_tables(new_grid(*vision.shape, distance))
        place(fallback, vision)
        assert count_placed(fallback, 0.01) == expected


@pytest.mark.parametrize("seed", range(4))
def test_a_grid_moved_step_by_step_counts_as_a_fresh_one(seed: int) -> None:
    """Components are searched again only where visions moved: merges and splits alike."""
    rng = np.random.default_rng(seed)
    vision = np.clip(0.5 + 0.2 * rng.standard_normal((200, 4)), 0, 1)
    grid = new_grid(200, 4, 0.05)
    for step in range(60):
        movers = rng.choice(200, size=int(rng.integers(1, 40)), replace=False)
        if step % 3 == 2:  # some leave their group (splits, emptied cells)
            vision[movers] = rng.random((movers.size, 4))
        else:  # converge a few at a time, as dialogue does (merges)
            vision[movers] += 0.3 * (vision[rng.choice(movers, movers.size)] - vision[movers])
        if place(grid, vision):
            assert count_placed(grid, 0.01) == reference_count(vision, 0.05)
    assert not place(grid, vision)  # nothing moved: no cell changed


def test_too_large_tables_fall_back_to_the_sweep() -> None:
    grid = new_grid(100_000, 50, 0.001)  # 50 x 2001 values x 1563 words: over the budget
    assert grid.exact.size == 0 and grid.near.size == 0
    assert new_grid(300, 5, 0.05).exact.shape == (5, 41, 5)


@pytest.mark.parametrize("distance", [0.05, 0.1])
def test_reach_covers_every_link(distance: float) -> None:
    grid = new_grid(2, 5, distance)
    ratio = (grid.radius / grid.cell) ** 2
    assert grid.reach**2 <= ratio + 0.5 < (grid.reach + 1) ** 2
