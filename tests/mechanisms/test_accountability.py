"""Accountability without authority: visibility, peer sanctions, rules and their costs."""

from __future__ import annotations

import numpy as np
import pytest

from sim.config import Scenario
from sim.mechanisms import accountability as acc
from sim.mechanisms.cooperation import CONDITIONAL, FREE_RIDER, HUMP_SHAPED, OTHER
from sim.model import PushPullModel
from sim.run import run_scenario

TYPES = np.array([CONDITIONAL, FREE_RIDER, HUMP_SHAPED, OTHER], dtype=np.int8)


def test_nothing_visible_or_no_sanction_means_no_accountability() -> None:
    assert not acc.active(0.0, 0.5) and not acc.active(1.0, 0.0) and acc.active(0.5, 0.5)


def test_cooperators_sanction_free_riders_do_not_and_legitimacy_scales_it() -> None:
    co = acc.sanction_propensity(TYPES, "co_created")
    imposed = acc.sanction_propensity(TYPES, "imposed")
    assert co[1] == imposed[1] == 0.0  # free riders never sanction
    assert co[0] > co[2] > 0 and np.all(co >= imposed) and co[0] > imposed[0]


def test_expected_sanction_grows_with_visibility_size_and_sanctioners() -> None:
    base = acc.expected_sanction(np.array([0.5]), 0.5, 0.5, 2.0)
    assert base[0] == pytest.approx(2.0 * 0.5 * 0.5 * 0.5)
    assert acc.expected_sanction(np.array([0.5]), 1.0, 0.5, 2.0) > base
    assert acc.expected_sanction(np.array([1.0]), 0.5, 0.5, 2.0) > base


def test_self_crafted_rules_feel_less_controlling() -> None:
    assert acc.regime_control(1.0, "co_created") < acc.regime_control(1.0, "none")
    assert acc.regime_control(1.0, "none") < acc.regime_control(1.0, "imposed")


def test_sanctioners_pay_for_sanctions_on_free_riders_only() -> None:
    acting = np.array([True, False, False])
    ready = np.array([1.0, 0.5, 0.25])
    assert acc.sanction_spend(acting, ready, 1.0, 0.4, 0.5) == pytest.approx(0.5 * 0.4 * 0.75)


def test_rule_meetings() -> None:
    convener = np.array([True, False, False, True])
    assert acc.rules_meeting_size("co_created", 4, convener) == 4
    assert acc.rules_meeting_size("imposed", 4, convener) == 2
    assert acc.rules_meeting_size("none", 4, convener) == 0


def scenario(**overrides) -> Scenario:
    base = {"population.size": 200, "steps": 120, "accountability.measurement": 1.0,
            "accountability.peer_sanction": 0.5}  # fmt: skip
    return Scenario().with_overrides({**base, **overrides})


def test_peer_sanctions_keep_participation_up_and_cost_something() -> None:
    on = run_scenario(scenario()).timeseries
    off = run_scenario(scenario(**{"accountability.peer_sanction": 0.0})).timeseries
    assert on["participation"].iloc[-20:].mean() > 2 * off["participation"].iloc[-20:].mean()
    # measurement alone still costs: 0.01 per actor and step at full visibility
    assert np.allclose(off["accountability_spend"], 0.01 * 1.0 * 200)
    assert (on["accountability_spend"] > off["accountability_spend"]).all()
    assert np.allclose(on["spend"], on[["incentive_spend", "convening_spend",
                                         "accountability_spend"]].sum(axis=1))  # fmt: skip


def test_sanctions_fall_only_on_those_who_did_not_act() -> None:
    model = PushPullModel(scenario())
    for _ in range(5):
        model.step()
    s = model.state
    assert np.all(s.sanction_felt >= 0) and s.sanction_felt.max() > 0
    assert np.all(s.sanctioners <= 1.0)
