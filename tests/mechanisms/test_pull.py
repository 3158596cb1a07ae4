"""Pull: the shared vision's clarity, ownership and reactance, peers acting, visible progress."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.config import Scenario
from sim.mechanisms.pull import pull_strength, social_reinforcement, vision_pull
from sim.run import run_scenario

N = 50
RNG = np.random.default_rng(0)
ALIGN = RNG.random(N)
OWN = RNG.random(N)
NEIGH = RNG.random(N)


def pull(alignment=ALIGN, ownership=OWN, clarity=0.7, weight=0.5, reactance=0.0,
         neighbours=NEIGH, social=0.15, threshold=0.0, signal=0.2, feedback=0.1):  # fmt: skip
    vision = (
        None if alignment is None else vision_pull(alignment, ownership, clarity, weight, reactance)
    )
    return pull_strength(vision, neighbours, social, threshold, signal, feedback)


def test_formula() -> None:
    attraction = ALIGN * (0.5 + 0.5 * OWN)
    repulsion = 0.4 * (1 - OWN) * (1 - ALIGN)
    expected = 0.7 * (attraction - repulsion) + 0.15 * NEIGH + 0.1 * 0.2
    assert np.allclose(pull(reactance=0.4), np.clip(expected, -1, 1))


def test_no_shared_vision_leaves_only_peers_and_progress() -> None:
    assert np.allclose(pull(alignment=None), 0.15 * NEIGH + 0.02)


@settings(max_examples=100, deadline=None)
@given(st.floats(0, 1), st.floats(0, 1))
def test_higher_clarity_more_pull_without_reactance(c1: float, c2: float) -> None:
    low, high = sorted((c1, c2))
    assert np.all(pull(clarity=high) >= pull(clarity=low))


def test_ownership_weight() -> None:
    # w = 0: ownership does not matter; w = 1: a vision one does not own does not attract
    assert np.allclose(
        pull(weight=0.0, ownership=np.zeros(N)), pull(weight=0.0, ownership=np.ones(N))
    )
    none_owned = pull(weight=1.0, ownership=np.zeros(N), social=0.0, feedback=0.0)
    assert np.all(none_owned == 0.0)
    assert np.all(pull(weight=0.5, ownership=np.ones(N)) > pull(weight=0.5, ownership=np.zeros(N)))


def test_a_distant_unowned_vision_repels() -> None:
    """Reactance (Brehm 1966): pull < 0 is reachable, and ownership removes it."""
    far, unowned = np.full(N, 0.05), np.zeros(N)
    repelled = pull(alignment=far, ownership=unowned, reactance=0.5, social=0.0, feedback=0.0)
    assert np.all(repelled < 0)
    owned = pull(alignment=far, ownership=np.ones(N), reactance=0.5, social=0.0, feedback=0.0)
    assert np.all(owned > 0)


@settings(max_examples=100, deadline=None)
@given(st.floats(0, 1), st.floats(0, 1), st.floats(0, 1), st.floats(0, 1), st.floats(0, 1))
def test_pull_stays_in_range(clarity, weight, reactance, social, feedback) -> None:
    p = pull(clarity=clarity, weight=weight, reactance=reactance, social=social, feedback=feedback)
    assert np.all((p >= -1) & (p <= 1))


def test_more_acting_neighbours_and_progress_more_pull() -> None:
    assert np.all(pull(neighbours=NEIGH + 0.1) > pull())
    assert np.all(pull(signal=0.5) > pull(signal=0.1))
    assert np.all(pull(social=0.0, feedback=0.0, alignment=None) == 0.0)


def test_social_threshold_needs_several_acting_neighbours() -> None:
    neighbours = np.array([0.0, 0.2, 0.3, 0.5, 1.0])
    assert np.allclose(social_reinforcement(neighbours, 0.3), [0.0, 0.0, 0.0, 0.2 / 0.7, 1.0])


def _means(overrides: dict, seeds=(1, 2)) -> tuple[float, float]:
    runs = [
        run_scenario(
            Scenario().with_overrides(
                {"seed": seed, "steps": 80, "population.size": 150, **overrides}
            )
        ).timeseries
        for seed in seeds
    ]
    return (
        float(np.mean([ts["pull"].mean() for ts in runs])),
        float(np.mean([ts["participation"].mean() for ts in runs])),
    )


def test_higher_clarity_more_pull_and_participation_in_the_model() -> None:
    co_created = {"vision.mode": "co_created", "dialogue.rate": 0.2}
    low = _means({**co_created, "vision.clarity": 0.2})
    high = _means({**co_created, "vision.clarity": 0.9})
    assert high[0] > low[0] + 0.2
    assert high[1] > low[1] + 0.1


def test_an_imposed_distant_vision_can_lower_participation_in_the_model() -> None:
    """An imposed vision far from most sectors repels them: pull below the no-vision level."""
    far = {"population.sector_separation": 1.0, "vision.clarity": 0.9}
    none = _means(far)
    imposed = _means({**far, "vision.mode": "imposed", "vision.reactance": 1.0})
    assert imposed[0] < none[0]
