"""Cooperation: the collective-action payoff, social-preference types and beliefs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.config import DEFAULT_SOCIAL_TYPES, SOCIAL_TYPES, Scenario
from sim.mechanisms.cooperation import (
    CONDITIONAL,
    FREE_RIDER,
    HUMP_SHAPED,
    OTHER,
    material_cost,
    reciprocity,
    update_beliefs,
)
from sim.model import PushPullModel
from sim.run import run_scenario


def test_acting_costs_more_than_it_returns_to_oneself() -> None:
    """A social dilemma: the private return of one's own effort is below its cost (m < 1)."""
    effort = np.array([0.5, 1.0, 1.5])
    assert np.allclose(material_cost(effort, 0.4), 0.6 * effort)
    assert np.all(material_cost(effort, 0.99) > 0)


@settings(max_examples=100, deadline=None)
@given(st.floats(0, 1), st.floats(0, 2))
def test_reciprocity_by_type(belief: float, weight: float) -> None:
    types = np.array([CONDITIONAL, FREE_RIDER, HUMP_SHAPED, OTHER], dtype=np.int8)
    got = reciprocity(types, np.full(4, belief), weight)
    expected = weight * np.array([belief, 0.0, min(belief, 1 - belief), belief / 2])
    assert np.allclose(got, expected)


def test_conditional_cooperators_respond_to_beliefs_free_riders_do_not() -> None:
    types = np.array([CONDITIONAL, FREE_RIDER], dtype=np.int8)
    low, high = reciprocity(types, np.full(2, 0.1), 1.0), reciprocity(types, np.full(2, 0.9), 1.0)
    assert high[0] > low[0] and high[1] == low[1] == 0.0


def test_beliefs_follow_what_neighbours_do() -> None:
    belief = update_beliefs(np.array([0.5, 0.5]), np.array([1.0, 0.0]), 0.1)
    assert np.allclose(belief, [0.55, 0.45])


def test_type_shares_follow_fischbacher_et_al() -> None:
    model = PushPullModel(Scenario().with_overrides({"population.size": 20_000, "steps": 1}))
    shares = np.bincount(model.state.social_type, minlength=4) / 20_000
    for code, name in enumerate(SOCIAL_TYPES):
        assert shares[code] == pytest.approx(DEFAULT_SOCIAL_TYPES[name], abs=0.015)


def test_without_any_lever_cooperation_decays() -> None:
    """Ledyard 1995: no push, no vision, no accountability; contributions fall."""
    finals = []
    for seed in (1, 2, 3):
        part = run_scenario(Scenario().with_overrides({"seed": seed})).timeseries["participation"]
        finals.append((part.iloc[:30].mean(), part.iloc[-30:].mean()))
    first, last = np.mean(finals, axis=0)
    assert last < 0.5 * first


def test_free_riders_only_means_less_cooperation_than_conditional_cooperators_only() -> None:
    def mean(types: dict) -> float:
        scenario = Scenario().with_overrides({"population.social_types": types, "steps": 60})
        return run_scenario(scenario).timeseries["participation"].mean()

    assert mean({"free_rider": 1.0}) < mean({"conditional": 1.0}) - 0.1
