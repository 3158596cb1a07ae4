"""Push: who is under authority, expected pressure, enforcement and the budget."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.config import Scenario
from sim.mechanisms.push import authority_mask, enforce, expected_pressure
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
    x = expected_pressure(under, SENSITIVITY, 0.5, "reward", 0.8, 0.9)
    assert np.allclose(x[under], SENSITIVITY[under] * 0.5 * 0.8 * 0.9)
    assert np.all(x[~under] == 0.0)
    both = expected_pressure(under, SENSITIVITY, 0.5, "both", 0.8, 0.9)
    assert np.allclose(both, 2 * x)
    assert np.allclose(expected_pressure(under, SENSITIVITY, 0.5, "sanction", 0.8, 0.9), x)


@settings(max_examples=100, deadline=None)
@given(
    st.floats(0, 2), st.sampled_from(["reward", "sanction", "both"]), st.floats(0, 1),
    st.floats(0, 1),
)  # fmt: skip
def test_zero_monitoring_or_legitimacy_gives_zero_pressure(incentive, kind, other, m) -> None:
    under = np.ones(30, dtype=bool)
    assert np.all(expected_pressure(under, SENSITIVITY, incentive, kind, 0.0, m) == 0.0)
    assert np.all(expected_pressure(under, SENSITIVITY, incentive, kind, other, 0.0) == 0.0)
    x = expected_pressure(under, SENSITIVITY, incentive, kind, other, m)
    assert np.all(x >= 0)


def test_pressure_grows_with_incentive_monitoring_and_legitimacy() -> None:
    under = np.ones(30, dtype=bool)
    base = expected_pressure(under, SENSITIVITY, 0.5, "reward", 0.5, 0.5)
    for bigger in (
        expected_pressure(under, SENSITIVITY, 1.0, "reward", 0.5, 0.5),
        expected_pressure(under, SENSITIVITY, 0.5, "reward", 0.9, 0.5),
        expected_pressure(under, SENSITIVITY, 0.5, "reward", 0.5, 0.9),
    ):
        assert np.all(bigger > base)


def test_enforce_rewards_monitored_actors_who_acted() -> None:
    under = np.ones(1000, dtype=bool)
    acting = np.arange(1000) < 400
    out = enforce(under, acting, 0.5, "reward", 1.0, 0.01, np.random.default_rng(0))
    assert (out.monitored, out.rewarded, out.sanctioned) == (1000, 400, 0)
    assert out.spend == pytest.approx(0.5 * 400 + 0.01 * 1000)


def test_enforce_sanctions_cost_only_monitoring() -> None:
    under = np.ones(1000, dtype=bool)
    acting = np.arange(1000) < 400
    out = enforce(under, acting, 0.5, "sanction", 1.0, 0.01, np.random.default_rng(0))
    assert (out.rewarded, out.sanctioned) == (0, 600)
    assert out.spend == pytest.approx(10.0)
    both = enforce(under, acting, 0.5, "both", 1.0, 0.0, np.random.default_rng(0))
    assert (both.rewarded, both.sanctioned, both.spend) == (400, 600, 200.0)


def test_enforce_monitors_only_under_authority_with_probability_m() -> None:
    under = np.arange(2000) < 1000
    acting = np.ones(2000, dtype=bool)
    out = enforce(under, acting, 1.0, "reward", 0.3, 0.0, np.random.default_rng(1))
    assert out.monitored == pytest.approx(300, abs=50)
    assert out.rewarded == out.monitored
    none = enforce(under, acting, 1.0, "reward", 0.0, 0.5, np.random.default_rng(1))
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


@pytest.mark.parametrize("knob", ["push.monitoring", "push.legitimacy"])
def test_zero_monitoring_or_legitimacy_means_no_pressure_in_the_model(knob: str) -> None:
    ts = run_scenario(scenario(**{knob: 0.0, "push.kind": "both"})).timeseries
    assert (ts["extrinsic_pressure"] == 0.0).all()
    with_push = run_scenario(scenario(**{"push.kind": "both"})).timeseries
    assert (with_push["extrinsic_pressure"] > 0).all()


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
