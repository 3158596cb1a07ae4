"""The compiled construction kernels give exactly what the vectorized numpy forms gave."""

from __future__ import annotations

import numpy as np
import pytest

from sim.agents import _leaders, _type_of_draw
from sim.network import _to_csr


def _csr_by_sorting(n: int, src: np.ndarray, dst: np.ndarray):
    """The former construction: a global sort of src * n + dst keys."""
    keep = src != dst
    src, dst = src[keep].astype(np.int64), dst[keep].astype(np.int64)
    key = np.sort(np.concatenate([src * n + dst, dst * n + src]))
    key = key[np.concatenate(([True], key[1:] != key[:-1]))] if key.size else key
    rows, cols = np.divmod(key, n)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return indptr, cols, rows


@pytest.mark.parametrize("n, ties", [(2, 3), (7, 40), (50, 200), (300, 20_000)])
def test_csr_matches_a_global_sort_with_self_and_duplicate_ties(n: int, ties: int) -> None:
    rng = np.random.default_rng(n)
    src, dst = rng.integers(0, n, ties), rng.integers(0, n, ties)  # many repeats, self ties
    graph = _to_csr(n, src, dst)
    indptr, cols, rows = _csr_by_sorting(n, src, dst)
    assert np.array_equal(graph.indptr, indptr)
    assert np.array_equal(graph.indices, cols) and graph.indices.dtype == np.int32
    assert np.array_equal(graph.rows, rows) and graph.rows.dtype == np.int32


def test_leaders_are_the_loudest_and_the_first_on_ties() -> None:
    rng = np.random.default_rng(3)
    org = np.sort(rng.integers(0, 30, 500))
    voice = rng.integers(0, 4, 500).astype(float)  # many ties
    order = np.lexsort((-voice, org))  # the former construction
    first = np.ones(org.size, dtype=bool)
    first[1:] = org[order][1:] != org[order][:-1]
    expected = np.zeros(org.size, dtype=bool)
    expected[order[first]] = True
    assert np.array_equal(_leaders(org, voice), expected)


def test_social_types_match_the_vectorized_draw() -> None:
    rng = np.random.default_rng(4)
    mixes = rng.random((3, 4)) * (rng.random((3, 4)) > 0.3)
    mixes[:, 0] += 0.01
    cumulative = np.cumsum(mixes, axis=1)
    sector = np.sort(rng.integers(0, 3, 1000))
    draws = rng.random(1000)
    rows = cumulative[sector]
    expected = np.minimum((draws[:, None] * rows[:, -1:] >= rows).sum(axis=1), 3)
    assert np.array_equal(_type_of_draw(sector, cumulative, draws), expected)
