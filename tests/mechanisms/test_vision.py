"""Shared vision: who is heard, the co-created vision, ownership and alignment."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.config import Scenario
from sim.mechanisms.vision import (
    alignment,
    co_created_vision,
    heard_actors,
    realign,
    summed_alignment,
    update_ownership,
    weighted_sum,
)
from sim.model import PushPullModel


def voices(n: int = 200, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).lognormal(0.0, 1.0, n)


def test_imposed_hears_exactly_the_convener() -> None:
    in_convener = np.arange(100) < 20
    heard = heard_actors("imposed", voices(100), in_convener, 1.0, np.random.default_rng(0))
    assert np.array_equal(heard, in_convener)
    assert heard is not in_convener


def test_none_hears_nobody() -> None:
    heard = heard_actors("none", voices(), np.ones(200, bool), 1.0, np.random.default_rng(0))
    assert not heard.any()


@pytest.mark.parametrize("inclusion", [0.0, 0.1, 0.37, 0.5, 1.0])
def test_co_created_hears_the_inclusion_share(inclusion: float) -> None:
    heard = heard_actors(
        "co_created", voices(), np.zeros(200, bool), inclusion, np.random.default_rng(0)
    )
    assert heard.sum() == round(inclusion * 200)


def test_the_powerful_are_heard_first() -> None:
    voice = voices(1000)
    heard = heard_actors("co_created", voice, np.zeros(1000, bool), 0.1, np.random.default_rng(1))
    assert np.median(voice[heard]) > 2 * np.median(voice)


def test_equal_voice_hears_a_fair_sample() -> None:
    voice = np.ones(1000)
    rng = np.random.default_rng(2)
    counts = sum(
        heard_actors("co_created", voice, np.zeros(1000, bool), 0.5, rng) for _ in range(40)
    )
    # every actor heard about half the time; no actor always or never
    assert counts.min() > 5 and counts.max() < 35


def test_co_created_vision_is_the_voice_weighted_mean_of_the_heard() -> None:
    vision = np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]])
    voice = np.array([1.0, 3.0, 100.0])
    heard = np.array([True, True, False])
    assert np.allclose(co_created_vision(vision, voice, heard), [0.75, 0.25])


def summed_row_by_row(vision, weights, chosen):
    """Whole rows added one after the other, as the mean visions were summed before."""
    sums, total = np.zeros(vision.shape[1]), 0.0
    for i in range(vision.shape[0]):
        if chosen is None or chosen[i]:
            weight = 1.0 if weights is None else weights[i]
            sums, total = sums + weight * vision[i], total + weight
    return sums, total


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 60), st.sampled_from([1, 2, 5, 8, 9, 17]), st.booleans(),
       st.booleans(), st.integers(0, 1000))  # fmt: skip
def test_weighted_sum_equals_adding_rows_in_order(n, dims, weighted, masked, seed) -> None:
    rng = np.random.default_rng(seed)
    vision = rng.random((n, dims))
    vision[rng.random((n, dims)) < 0.1] = 0.0  # clipped visions: exact zeros
    weights = voices(n, seed) if weighted else None
    chosen = (rng.random(n) < 0.5).astype(np.uint8) if masked else None
    sums, total = weighted_sum(
        vision,
        np.empty(0) if weights is None else weights,
        np.empty(0, np.uint8) if chosen is None else chosen,
    )
    expected_sums, expected_total = summed_row_by_row(vision, weights, chosen)
    assert np.array_equal(sums, expected_sums)  # to the bit: no tolerance
    assert total == expected_total


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 60), st.sampled_from([1, 3, 5, 9]), st.floats(0.05, 1.0),
       st.integers(0, 1000))  # fmt: skip
def test_summed_alignment_adds_the_chosen_alignments_in_order(n, dims, tolerance, seed) -> None:
    rng = np.random.default_rng(seed)
    vision, centre = rng.random((n, dims)), rng.random(dims)
    chosen = (rng.random(n) < 0.5).astype(np.uint8)
    expected = 0.0
    for value in alignment(vision, centre, tolerance)[chosen == 1]:
        expected += value
    assert summed_alignment(vision, chosen, centre, tolerance) == expected  # to the bit


@settings(max_examples=50, deadline=None)
@given(st.floats(0, 1), st.floats(0, 1), st.floats(0, 1), st.booleans(), st.integers(0, 1000))
def test_ownership_stays_in_unit_interval(start, rate, decay, revision, seed) -> None:
    rng = np.random.default_rng(seed)
    ownership = np.full(50, start)
    heard = rng.random(50) < 0.5 if revision else None
    owned = update_ownership(ownership, heard, rate, decay)
    assert np.all((owned >= 0) & (owned <= 1))
    if heard is not None:
        assert np.all(owned[heard] >= owned[~heard].max(initial=0) - 1e-12) or rate == 0


def test_ownership_decays_and_grows_for_the_heard() -> None:
    ownership = np.array([0.5, 0.5, 0.0])
    heard = np.array([True, False, True])
    owned = update_ownership(ownership, heard, 0.3, 0.1)
    assert np.allclose(owned, [0.45 + 0.3 * 0.55, 0.45, 0.3])
    assert np.allclose(update_ownership(ownership, None, 0.3, 0.1), [0.45, 0.45, 0.0])


def test_alignment_is_one_at_the_shared_vision_and_falls_with_distance() -> None:
    shared = np.array([0.5, 0.5, 0.5])
    tau = 0.2
    vision = np.array([shared, shared + 0.1, shared + tau, shared + 0.4])
    a = alignment(vision, shared, tau)
    assert a[0] == 1.0
    assert a[2] == pytest.approx(np.exp(-0.5))  # RMS distance tau
    assert np.all(np.diff(a) < 0)
    assert np.all(a > 0)


def model(mode: str, **overrides) -> PushPullModel:
    settings_ = {
        "population.size": 120,
        "vision.mode": mode,
        "push.convener": "government",
        **overrides,
    }
    return PushPullModel(Scenario().with_overrides(settings_))


def test_co_created_with_full_inclusion_builds_ownership_for_all() -> None:
    m = model("co_created", **{"vision.inclusion": 1.0})
    for _ in range(25):
        m.step()
    assert np.all(m.state.ownership > 0.3)
    assert m.shared_vision is not None


def test_imposed_builds_ownership_only_in_the_convener_sector() -> None:
    m = model("imposed")
    for _ in range(25):
        m.step()
    government = m.state.sector == m.sector_names.index("government")
    assert np.all(m.state.ownership[government] > 0.3)
    assert np.all(m.state.ownership[~government] == 0.0)


def test_imposed_vision_is_the_conveners_starting_mean_and_stays_fixed() -> None:
    m = model("imposed")
    government = m.state.sector == m.sector_names.index("government")
    expected = m.state.vision[government].mean(axis=0)
    for _ in range(25):
        m.step()
        assert np.allclose(m.shared_vision, expected)


def test_co_created_vision_is_revised_every_revision_steps() -> None:
    m = model("co_created", **{"vision.revision_every": 5, "vision.inclusion": 0.5})
    seen = []
    for _ in range(16):
        m.step()
        seen.append(m.shared_vision.copy())
    changed = [step for step in range(2, 17) if not np.array_equal(seen[step - 1], seen[step - 2])]
    assert changed == [6, 11, 16]


def test_no_vision_means_no_ownership_and_no_shared_vision() -> None:
    m = model("none")
    for _ in range(15):
        m.step()
    assert m.shared_vision is None
    assert np.all(m.state.ownership == 0.0)


def test_visions_and_alignment_stay_in_unit_interval_in_the_model() -> None:
    m = model(
        "co_created",
        **{"dialogue.rate": 1.0, "dialogue.confidence": 1.0, "dialogue.convergence": 0.5},
    )
    for _ in range(20):
        m.step()
        assert np.all((m.state.vision >= 0) & (m.state.vision <= 1))
        assert np.all((m.state.alignment > 0) & (m.state.alignment <= 1))
        assert np.all((m.state.ownership >= 0) & (m.state.ownership <= 1))


def test_influence_is_relative_voice_among_the_heard() -> None:
    from sim.mechanisms.vision import influence

    voice = np.array([1.0, 3.0, 2.0, 5.0])
    heard = np.array([True, True, False, False])
    assert np.allclose(influence(voice, heard), [0.5, 1.5, 0.0, 0.0])


def test_being_heard_builds_ownership_and_shaping_the_vision_builds_more() -> None:
    """Lind, Kanfer & Earley 1990: voice helps even without influence; influence helps more."""
    from sim.mechanisms.vision import ownership_gain

    voice = np.array([0.1, 1.0, 1.9, 1.0])
    heard = np.array([True, True, True, False])
    gain = ownership_gain("co_created", voice, heard, 0.5)
    assert gain[0] < gain[1] == gain[2] == 1.0  # a quiet voice shaped the vision less
    assert gain[0] >= 0.5  # but being heard alone already counts
    owned = update_ownership(np.zeros(4), heard, 0.3, 0.0, gain * heard)
    assert owned[3] == 0.0 and owned[0] < owned[1]


def test_convening_is_counted_in_spend() -> None:
    from sim.config import Scenario
    from sim.run import run_scenario

    scenario = Scenario().with_overrides(
        {"vision.mode": "co_created", "dialogue.rate": 0.2, "steps": 30, "population.size": 100}
    )
    ts = run_scenario(scenario).timeseries
    assert (ts["convening_spend"] > 0).all()
    revision = ts["convening_spend"].iloc[0] - ts["convening_spend"].iloc[1]
    assert revision > 0  # step 1 is a revision: every heard voice costs vision.cost
    free = run_scenario(
        scenario.with_overrides({"vision.cost": 0.0, "dialogue.cost": 0.0})
    ).timeseries
    assert (free["convening_spend"] == 0).all()


def test_realign_recomputes_exactly_the_visions_that_moved() -> None:
    rng = np.random.default_rng(4)
    before = rng.random((200, 5))
    shared = rng.random(5)
    after = before.copy()
    moved = rng.choice(200, 30, replace=False)
    after[moved] = rng.random((30, 5))
    aligned = alignment(before, shared, 0.2)
    realign(after, moved, aligned, shared, 0.2)
    assert np.array_equal(aligned, alignment(after, shared, 0.2))
    assert not np.array_equal(aligned, alignment(before, shared, 0.2))


def test_ranked_value_is_what_numpy_partition_finds() -> None:
    """The loudest-voices threshold: the selection agrees with np.partition, ties included."""
    from sim.mechanisms.vision import _ranked

    rng = np.random.default_rng(0)
    for n in (1, 2, 3, 10, 101, 1000):
        for _ in range(20):
            values = rng.random(n) if n % 2 else rng.integers(0, 5, n).astype(float)
            rank = int(rng.integers(0, n))
            assert _ranked(values, rank) == np.partition(values, rank)[rank]
