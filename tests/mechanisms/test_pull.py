"""Pull: the shared vision's clarity and ownership, peers acting, and visible progress."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.config import Scenario
from sim.mechanisms.pull import pull_strength
from sim.run import run_scenario

N = 50
RNG = np.random.default_rng(0)
ALIGN = RNG.random(N)
OWN = RNG.random(N)
NEIGH = RNG.random(N)
HAS_THRESHOLD = "social_threshold" in inspect.signature(pull_strength).parameters


def pull(alignment=ALIGN, ownership=OWN, clarity=0.7, weight=0.5, neighbours=NEIGH,
         social=0.15, threshold=0.0, signal=0.2, feedback=0.1):  # fmt: skip
    kwargs = {
        "alignment": alignment,
        "ownership": ownership,
        "clarity": clarity,
        "ownership_weight": weight,
        "neighbours_acting": neighbours,
        "social_influence": social,
        "progress_signal": signal,
        "progress_feedback": feedback,
    }
    if HAS_THRESHOLD:
        kwargs["social_threshold"] = threshold
    return pull_strength(**kwargs)


def test_formula() -> None:
    expected = 0.7 * ALIGN * (0.5 + 0.5 * OWN) + 0.15 * NEIGH + 0.1 * 0.2
    assert np.allclose(pull(), expected)


def test_no_shared_vision_leaves_only_peers_and_progress() -> None:
    assert np.allclose(pull(alignment=None), 0.15 * NEIGH + 0.02)
    assert np.allclose(pull(alignment=None, clarity=1.0), pull(alignment=None, clarity=0.0))


@settings(max_examples=100, deadline=None)
@given(st.floats(0, 1), st.floats(0, 1))
def test_higher_clarity_more_pull(c1: float, c2: float) -> None:
    low, high = sorted((c1, c2))
    assert np.all(pull(clarity=high) >= pull(clarity=low))
    if high > low + 1e-6:
        assert pull(clarity=high).sum() > pull(clarity=low).sum()


def test_ownership_weight() -> None:
    # w = 0: ownership does not matter; w = 1: a vision one does not own does not pull
    assert np.allclose(
        pull(weight=0.0, ownership=np.zeros(N)), pull(weight=0.0, ownership=np.ones(N))
    )
    none_owned = pull(weight=1.0, ownership=np.zeros(N), social=0.0, feedback=0.0)
    assert np.all(none_owned == 0.0)
    assert np.all(pull(weight=0.5, ownership=np.ones(N)) > pull(weight=0.5, ownership=np.zeros(N)))


def test_more_acting_neighbours_and_progress_more_pull() -> None:
    assert np.all(pull(neighbours=NEIGH + 0.1) > pull())
    assert np.all(pull(signal=0.5) > pull(signal=0.1))
    assert np.all(pull(social=0.0, feedback=0.0, alignment=None) == 0.0)


@settings(max_examples=100, deadline=None)
@given(st.floats(0, 1), st.floats(0, 1), st.floats(0, 1), st.floats(0, 1), st.floats(0, 1))
def test_pull_is_non_negative(clarity, weight, social, signal, feedback) -> None:
    p = pull(clarity=clarity, weight=weight, social=social, signal=signal, feedback=feedback)
    assert np.all(p >= 0)


@pytest.mark.skipif(not HAS_THRESHOLD, reason="no pull.social_threshold")
def test_social_threshold_needs_several_acting_neighbours() -> None:
    neighbours = np.array([0.0, 0.2, 0.3, 0.5, 1.0])
    p = pull(alignment=None, ownership=np.zeros(5), neighbours=neighbours, social=1.0,
             threshold=0.3, feedback=0.0)  # fmt: skip
    assert np.allclose(p, [0.0, 0.0, 0.0, 0.2 / 0.7, 1.0])


def test_higher_clarity_more_pull_and_participation_in_the_model() -> None:
    means = {}
    for clarity in (0.2, 0.9):
        runs = [
            run_scenario(
                Scenario().with_overrides(
                    {
                        "seed": seed,
                        "steps": 80,
                        "population.size": 150,
                        "vision.mode": "co_created",
                        "vision.clarity": clarity,
                    }
                )
            ).timeseries
            for seed in (1, 2)
        ]
        means[clarity] = (
            np.mean([ts["pull"].mean() for ts in runs]),
            np.mean([ts["participation"].mean() for ts in runs]),
        )
    assert means[0.9][0] > means[0.2][0] + 0.2
    assert means[0.9][1] > means[0.2][1] + 0.1
