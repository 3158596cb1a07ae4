"""Motivation: interest and pull set intrinsic motivation, incentives undermine it, habit."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.config import Scenario, load_scenario
from sim.mechanisms.motivation import (
    TOP_OF_SCALE,
    effective_interest,
    motivation_target,
    update_habit,
    update_intrinsic,
    update_undermining,
)
from sim.model import PushPullModel

UNIT = st.floats(0.0, 1.0)
VECTOR = arrays(np.float64, 20, elements=UNIT)
PULL = arrays(np.float64, 20, elements=st.floats(-1.0, 1.0))
NO_CHAMPIONS = np.zeros(20, dtype=bool)


@settings(max_examples=100, deadline=None)
@given(VECTOR, VECTOR, PULL, UNIT)
def test_intrinsic_moves_toward_its_target(q, b, pull, alpha) -> None:
    moved = update_intrinsic(q, b, pull, alpha, NO_CHAMPIONS)
    target = motivation_target(b, pull)
    assert np.all((target >= 0) & (target <= 1))
    assert np.all((moved >= 0) & (moved <= 1))
    assert np.allclose(moved, q + alpha * (target - q))


@settings(max_examples=200, deadline=None)
@given(st.floats(0.0, 0.999), st.floats(0.0, 0.98), st.floats(0.01, 0.02))
def test_lower_interest_lowers_motivation_at_any_pull_below_one(pull, b, drop) -> None:
    """No cap hides crowding-out: dT/db = 1 - P > 0 for every pull P < 1 (issue 7, A)."""
    high = motivation_target(np.array([b + drop]), np.array([pull]))
    low = motivation_target(np.array([b]), np.array([pull]))
    assert low[0] < high[0]


def test_total_pull_saturates_and_negative_pull_repels() -> None:
    b = np.array([0.2, 0.5, 0.8])
    assert np.allclose(motivation_target(b, np.ones(3)), 1.0)
    assert np.all(motivation_target(b, np.full(3, -0.5)) < b)
    assert np.allclose(motivation_target(b, np.full(3, -1.0)), 0.0)


def test_undermining_scales_interest_and_crowding_in_raises_it() -> None:
    b = np.array([0.0, 0.4, 0.8])
    assert np.allclose(effective_interest(b, np.full(3, 0.5)), [0.0, 0.2, 0.4])
    assert np.all(effective_interest(b[1:], np.full(2, -0.2)) > b[1:])
    assert np.all(effective_interest(np.ones(3), np.full(3, -0.5)) == 1.0)


def test_undermining_builds_under_control_saturates_and_fades_after() -> None:
    u, control = np.zeros(3), np.array([0.5, 1.0, 5.0])
    for _ in range(500):
        u = update_undermining(u, control, 0.5, 0.05, 0.01, np.zeros(3, bool))
    assert np.allclose(u, [0.25, 0.5, 0.5], atol=1e-6)  # saturates at c * min(chi, 1)
    after = u.copy()
    for _ in range(50):
        after = update_undermining(after, np.zeros(3), 0.5, 0.05, 0.01, np.zeros(3, bool))
    assert np.all(after < u) and np.all(after > 0.5 * u)  # fades slowly: persists for a while


def test_recognition_crowds_in() -> None:
    u = update_undermining(np.zeros(2), np.array([-0.9, -0.9]), 0.5, 0.1, 0.01, np.zeros(2, bool))
    assert np.all(u < 0)


def test_champions_stay_fully_motivated() -> None:
    champions = np.array([True, False])
    q = update_intrinsic(np.array([1.0, 0.5]), np.array([1.0, 0.5]), np.zeros(2), 0.5, champions)
    assert q[0] == 1.0
    u = update_undermining(np.zeros(2), np.array([1.0, 1.0]), 0.5, 0.5, 0.01, champions)
    assert u[0] == 0.0 and u[1] > 0


def test_top_of_scale_share_is_recorded_from_the_state() -> None:
    model = PushPullModel(load_scenario("multi_sector_pull").with_overrides({"steps": 3}))
    keen = np.arange(model.state.size) % 4 == 0  # full interest keeps q at 1 (target 1)
    model.state.intrinsic[:] = model.state.disposition[:] = np.where(keen, 1.0, 0.2)
    model.state.undermining[:] = 0.0
    model.state.champion[:] = False
    model.step()
    share = np.count_nonzero(model.state.intrinsic >= TOP_OF_SCALE) / model.state.size
    assert 0 < share < 1
    assert model.metrics_frame()["top_motivation_share"].iloc[-1] == share


def test_habit_rises_with_acting_and_falls_without() -> None:
    habit = np.array([0.0, 0.5, 0.5, 1.0])
    acting = np.array([True, True, False, False])
    new = update_habit(habit, acting, 0.1)
    assert np.allclose(new, [0.1, 0.55, 0.45, 0.9])
    h = np.zeros(1)
    for _ in range(200):
        h = update_habit(h, np.array([True]), 0.05)
    assert 0.99 < h[0] <= 1.0


# -- in the model ---------------------------------------------------------------------------


def model(**overrides) -> PushPullModel:
    base = {"population.size": 150, "steps": 60, "push.incentive": 0.5}
    return PushPullModel(Scenario().with_overrides({**base, **overrides}))


def underminings(m: PushPullModel, steps: int) -> list[np.ndarray]:
    out = []
    for _ in range(steps):
        m.step()
        out.append(m.state.undermining.copy())
    return out


def test_undermining_builds_while_incentives_act_and_fades_after() -> None:
    m = model(schedule=[{"step": 31, "set": {"push.incentive": 0.0}}])
    seen = underminings(m, 60)
    people = ~m.state.champion
    for step in range(1, 30):  # incentives act: undermining grows for everybody
        assert np.all(seen[step][people] > seen[step - 1][people]), step
    for step in range(31, 60):  # withdrawn: it fades, but slowly
        assert np.all(seen[step][people] < seen[step - 1][people]), step
    assert seen[-1][people].mean() > 0.5 * seen[29][people].mean()


def test_no_incentive_means_no_undermining() -> None:
    m = model(**{"push.incentive": 0.0})
    assert np.all(underminings(m, 30)[-1] == 0.0)


def test_crowding_out_zero_means_no_undermining() -> None:
    m = model(**{"push.crowding_out": 0.0})
    assert np.all(underminings(m, 30)[-1] == 0.0)


def test_undermining_only_where_push_reaches() -> None:
    m = model(**{"push.reach": "convener", "push.convener": "academia"})
    final = underminings(m, 30)[-1]
    academia = m.state.sector == m.sector_names.index("academia")
    assert np.all(final[~academia] == 0.0)
    assert np.all(final[academia & ~m.state.champion] > 0)


def test_less_legitimate_push_undermines_more() -> None:
    finals = {
        legit: underminings(model(**{"push.legitimacy": legit}), 30)[-1].mean()
        for legit in (0.3, 0.9)
    }
    assert finals[0.3] > finals[0.9] > 0


def test_crowding_lowers_intrinsic_motivation() -> None:
    finals = {}
    for c in (0.0, 0.6):
        values = []
        for seed in (1, 2):
            m = model(**{"push.crowding_out": c, "seed": seed})
            for _ in range(60):
                m.step()
            values.append(m.state.intrinsic.mean())
        finals[c] = np.mean(values)
    assert finals[0.6] < finals[0.0] - 0.02


def test_habit_rises_with_acting_in_the_model() -> None:
    m = model(**{"push.incentive": 1.0, "motivation.habit_rate": 0.05})
    acted = np.zeros(m.state.size)
    habits = []
    for _ in range(40):
        m.step()
        acted += m.state.acting
        habits.append(m.state.habit.mean())
    assert habits[-1] > habits[0] > 0
    # actors who acted more have built more habit
    assert np.corrcoef(acted, m.state.habit)[0, 1] > 0.9


def test_intrinsic_and_habit_stay_in_unit_interval() -> None:
    m = model(**{"population.champions": 0.2, "vision.mode": "co_created", "vision.clarity": 1.0})
    for _ in range(30):
        m.step()
        for values in (m.state.intrinsic, m.state.disposition, m.state.habit):
            assert np.all((values >= 0) & (values <= 1))
    assert np.all(m.state.intrinsic[m.state.champion] == 1.0)


def test_habit_rate_zero_keeps_habit_at_zero() -> None:
    m = model(**{"motivation.habit_rate": 0.0})
    for _ in range(10):
        m.step()
    assert np.all(m.state.habit == 0.0)
