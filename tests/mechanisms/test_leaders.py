"""Leaders: one per organisation; pulled-in leaders push inside their own organisation."""

from __future__ import annotations

import numpy as np

from sim.config import Scenario
from sim.mechanisms.leaders import members_reached, pushing_leaders
from sim.model import PushPullModel
from sim.run import run_scenario


def test_only_acting_aligned_leaders_push() -> None:
    leader = np.array([True, True, True, False])
    acting = np.array([True, True, False, True])
    alignment = np.array([0.9, 0.2, 0.9, 0.9])
    assert pushing_leaders(leader, acting, alignment, 0.5).tolist() == [True, False, False, False]


def test_members_of_pushing_leaders_organisations_are_reached_not_the_leader() -> None:
    org = np.array([0, 0, 0, 1, 1])
    leader = np.array([True, False, False, True, False])
    pushing = np.array([True, False, False, False, False])
    assert members_reached(org, leader, pushing).tolist() == [False, True, True, False, False]


def test_every_organisation_has_exactly_one_leader_with_the_loudest_voice() -> None:
    model = PushPullModel(Scenario().with_overrides({"population.size": 300}))
    s = model.state
    orgs = np.unique(s.org)
    assert np.array_equal(np.bincount(s.org[s.leader]), np.ones(orgs.size, dtype=int))
    for o in orgs:
        members = s.org == o
        assert s.voice[s.leader & members][0] == s.voice[members].max()
    assert sum(agent.is_leader for agent in model.agents) == orgs.size


def test_leaders_cascade_raises_participation_and_costs() -> None:
    def run(incentive: float):
        overrides = {"leaders.incentive": incentive, "seed": 3}
        return run_scenario(Scenario().with_overrides({
            "vision.mode": "co_created", "dialogue.rate": 0.2, "steps": 150, **overrides,
        })).timeseries  # fmt: skip

    with_leaders, without = run(0.5), run(0.0)
    assert with_leaders["participation"].mean() > without["participation"].mean()
    assert with_leaders["incentive_spend"].sum() > 0 == without["incentive_spend"].sum()
