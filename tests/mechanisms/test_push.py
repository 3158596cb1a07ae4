"""Push: who is under authority, expected pressure, enforcement and the budget."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.config import Scenario
from sim.mechanisms.push import (
    authority_mask,
    controllingness,
    enforce,
    enforcement_tally,
    expected_pressure,
    kind_weight,
)
from sim.model import PushPullModel
from sim.run import run_scenario

NAMES = ["business", "nonprofit", "government"]
SECTOR = np.repeat(np.arange(3), 10)
SENSITIVITY = np.random.default_rng(0).lognormal(0, 0.25, 30)


def test_authority_mask() -> None:
    assert authority_mask("all", SECTOR, NAMES, "government").all()
    convener = authority_mask("convener", SECTOR, NAMES, "government")
    assert np.array_equal(convener, SECTOR == 2)
    listed = authority_mask(["business", "government"], SECTOR, NAMES, "nonprofit")
    assert np.array_equal(listed, SECTOR != 1)


def test_expected_pressure_formula() -> None:
    under = SECTOR == 0
    x = expected_pressure(under, SENSITIVITY, 0.5, 1.0, 0.8)
    assert np.allclose(x[under], SENSITIVITY[under] * 0.5 * 0.8)
    assert np.all(x[~under] == 0.0)
    quality = np.linspace(0, 1, 30)
    assert np.allclose(expected_pressure(under, SENSITIVITY, 0.5, 1.0, 0.8, quality), x * quality)


def test_sanctions_weigh_more_than_rewards_and_both_most() -> None:
    """Loss aversion (Tversky & Kahneman 1991): a fine of b weighs lambda times a reward of b."""
    assert kind_weight("reward", 2.0) == kind_weight("recognition", 2.0) == 1.0
    assert kind_weight("sanction", 2.0) == 2.0
    assert kind_weight("both", 2.0) == 3.0


@settings(max_examples=100, deadline=None)
@given(st.floats(0, 2), st.floats(1, 5), st.floats(0, 1))
def test_zero_monitoring_gives_zero_pressure(incentive, weight, m) -> None:
    under = np.ones(30, dtype=bool)
    assert np.all(expected_pressure(under, SENSITIVITY, incentive, weight, 0.0) == 0.0)
    assert np.all(expected_pressure(under, SENSITIVITY, incentive, weight, m) >= 0)


def test_controllingness_by_kind_contingency_monitoring_and_legitimacy() -> None:
    """Cognitive evaluation theory: sanctions > rewards > performance-contingent > recognition."""
    reward = controllingness("reward", "engagement", 0.8, 0.8)
    assert controllingness("sanction", "engagement", 0.8, 0.8) > reward
    assert 0 < controllingness("reward", "performance", 0.8, 0.8) < reward
    assert controllingness("recognition", "engagement", 0.8, 0.8) < 0
    assert controllingness("reward", "engagement", 0.8, 0.3) > reward  # illegitimate: more
    assert controllingness("reward", "engagement", 1.0, 0.8) > reward  # watched more: more


def test_legitimacy_and_monitoring_are_not_one_number() -> None:
    """Issue 7 (5): legitimacy 0.4 x incentive 0.5 no longer equals legitimacy 0.8 x 0.25."""
    runs = {
        (legit, b): run_scenario(
            scenario(**{"push.legitimacy": legit, "push.incentive": b, "steps": 60})
        ).timeseries["participation"]
        for legit, b in ((0.4, 0.5), (0.8, 0.25))
    }
    assert not np.allclose(runs[(0.4, 0.5)], runs[(0.8, 0.25)])


def test_enforce_rewards_monitored_actors_who_acted() -> None:
    under = np.ones(1000, dtype=bool)
    acting = np.arange(1000) < 400
    out = enforce(under, acting, 0.5, "reward", 1.0, (0.01, 0.33), np.random.default_rng(0))
    assert (out.monitored, out.rewarded, out.sanctioned) == (1000, 400, 0)
    assert out.spend == pytest.approx(0.5 * 400 + 0.01 * 1000)


def test_sanctions_cost_the_enforcer_and_recognition_costs_no_money() -> None:
    under = np.ones(1000, dtype=bool)
    acting = np.arange(1000) < 400
    out = enforce(under, acting, 0.5, "sanction", 1.0, (0.01, 0.33), np.random.default_rng(0))
    assert (out.rewarded, out.sanctioned) == (0, 600)
    assert out.spend == pytest.approx(0.33 * 0.5 * 600 + 10.0)
    both = enforce(under, acting, 0.5, "both", 1.0, (0.0, 0.33), np.random.default_rng(0))
    assert (both.rewarded, both.sanctioned) == (400, 600)
    assert both.spend == pytest.approx(200.0 + 0.33 * 0.5 * 600)
    praise = enforce(under, acting, 0.5, "recognition", 1.0, (0.01, 0.33), np.random.default_rng(0))
    assert (praise.rewarded, praise.sanctioned, praise.spend) == (0, 0, pytest.approx(10.0))


def test_performance_contingent_rewards_pay_by_quality() -> None:
    under, acting = np.ones(4, dtype=bool), np.ones(4, dtype=bool)
    quality = np.array([0.0, 0.5, 1.0, 0.25])
    out = enforce(under, acting, 1.0, "reward", 1.0, (0.0, 0.0), np.random.default_rng(0), quality)
    assert out.spend == pytest.approx(1.75)


@pytest.mark.parametrize(("pays", "fines"), [(1.0, 0.0), (0.0, 1.0), (1.0, 1.0), (0.0, 0.0)])
def test_tally_counts_and_sums_rewards_in_actor_order(pays: float, fines: float) -> None:
    """Counts as a plain loop would give them; the rewards of the paid summed in actor order
    to the bit (the tally adds every actor's reward times 1 or 0); empty quality pays 1."""
    rng = np.random.default_rng(int(pays) * 2 + int(fines))
    reached, acting = (rng.random((2, 5_000)) < [[0.5], [0.6]]).astype(np.uint8)
    draws, quality = rng.random(5_000), rng.random(5_000)
    seen = (reached == 1) & (draws < 0.4)
    paid, fined = seen & (acting == 1) & bool(pays), seen & (acting == 0) & bool(fines)
    for weights in (quality, np.empty(0)):
        rewards = 0.0
        for i in np.flatnonzero(paid):
            rewards += 0.3 * (weights[i] if weights.size else 1.0)
        tally = enforcement_tally(reached, acting, draws, 0.4, pays, fines, 0.3, weights)
        assert tally == (seen.sum(), paid.sum(), fined.sum(), rewards)
    assert seen.sum() > 0 and (paid.sum() > 0) == bool(pays) and (fined.sum() > 0) == bool(fines)


def test_enforce_monitors_only_under_authority_with_probability_m() -> None:
    under = np.arange(2000) < 1000
    acting = np.ones(2000, dtype=bool)
    out = enforce(under, acting, 1.0, "reward", 0.3, (0.0, 0.0), np.random.default_rng(1))
    assert out.monitored == pytest.approx(300, abs=50)
    assert out.rewarded == out.monitored
    none = enforce(under, acting, 1.0, "reward", 0.0, (0.5, 0.5), np.random.default_rng(1))
    assert (none.monitored, none.rewarded, none.spend) == (0, 0, 0.0)


# -- in the model ---------------------------------------------------------------------------


def scenario(**overrides) -> Scenario:
    base = {
        "population.size": 150,
        "steps": 40,
        "push.incentive": 0.5,
        "push.convener": "government",
    }
    return Scenario().with_overrides({**base, **overrides})


def test_reach_convener_leaves_other_sectors_at_exactly_zero_pressure() -> None:
    model = PushPullModel(scenario(**{"push.reach": "convener"}))
    government = model.state.sector == model.sector_names.index("government")
    for _ in range(20):
        model.step()
        assert np.all(model.state.pressure[~government] == 0.0)
        assert np.all(model.state.pressure[government] > 0.0)


def test_reach_list_of_sectors() -> None:
    model = PushPullModel(scenario(**{"push.reach": ["business", "academia"]}))
    codes = [model.sector_names.index(s) for s in ("business", "academia")]
    under = np.isin(model.state.sector, codes)
    model.step()
    assert np.all(model.state.pressure[~under] == 0.0)
    assert np.all(model.state.pressure[under] > 0.0)


def test_zero_monitoring_means_no_pressure_in_the_model() -> None:
    ts = run_scenario(scenario(**{"push.monitoring": 0.0, "push.kind": "both"})).timeseries
    assert (ts["extrinsic_pressure"] == 0.0).all()
    with_push = run_scenario(scenario(**{"push.kind": "both"})).timeseries
    assert (with_push["extrinsic_pressure"] > 0).all()


def test_reward_and_sanction_differ_seed_for_seed() -> None:
    """Issue 7 (3): rewards and sanctions are no longer the same thing."""
    runs = {
        kind: run_scenario(scenario(**{"push.kind": kind, "push.incentive": 0.25})).timeseries
        for kind in ("reward", "sanction")
    }
    assert (
        runs["sanction"]["extrinsic_pressure"].mean() > runs["reward"]["extrinsic_pressure"].mean()
    )
    assert not np.allclose(runs["sanction"]["participation"], runs["reward"]["participation"])


def test_budget_stops_spending_when_exhausted() -> None:
    budget = 300.0
    ts = run_scenario(scenario(**{"push.budget": budget, "steps": 60})).timeseries
    spend = ts["incentive_spend"].to_numpy()
    active = ts["incentive_active"].to_numpy()
    cumulative = np.cumsum(spend)
    exhausted = int(np.argmax(cumulative >= budget))  # row of the step that spent the rest
    assert 0 < exhausted < 50, "the budget should run out within the run"
    assert cumulative[exhausted - 1] < budget
    # spending continues up to the step that exhausts the budget, then stops for good
    assert np.all(spend[: exhausted + 1] > 0)
    assert np.all(spend[exhausted + 1 :] == 0.0)
    assert np.all(ts["extrinsic_pressure"].to_numpy()[exhausted + 1 :] == 0.0)
    assert np.all(active[:exhausted] == 1.0)
    assert np.all(active[exhausted + 1 :] == 0.0)
    # overshoot is at most one step's spend
    assert cumulative[-1] - budget < spend[exhausted]
    assert ts["budget_left"].iloc[-1] == 0.0
    assert np.all(np.diff(ts["budget_left"].to_numpy()) <= 0)


def test_unlimited_budget_is_never_exhausted() -> None:
    ts = run_scenario(scenario()).timeseries
    assert (ts["incentive_spend"] > 0).all()
    assert ts["budget_left"].map(math.isinf).all()
    assert (ts["incentive_active"] == 1.0).all()


def test_no_incentive_no_spend() -> None:
    ts = run_scenario(scenario(**{"push.incentive": 0.0})).timeseries
    assert (ts["incentive_spend"] == 0.0).all()
    assert (ts["incentive_active"] == 0.0).all()
    assert (ts["extrinsic_pressure"] == 0.0).all()
