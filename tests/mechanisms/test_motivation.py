"""Motivation: intrinsic motivation follows pull, incentives crowd out the disposition, habit."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.config import Scenario
from sim.mechanisms.motivation import crowd_out, update_habit, update_intrinsic
from sim.model import PushPullModel

UNIT = st.floats(0.0, 1.0)
VECTOR = arrays(np.float64, 20, elements=UNIT)
NO_CHAMPIONS = np.zeros(20, dtype=bool)


@settings(max_examples=100, deadline=None)
@given(VECTOR, VECTOR, arrays(np.float64, 20, elements=st.floats(0, 2)), UNIT)
def test_intrinsic_moves_toward_disposition_plus_pull(q, b, pull, alpha) -> None:
    moved = update_intrinsic(q, b, pull, alpha, NO_CHAMPIONS)
    target = np.clip(b + pull, 0, 1)
    assert np.all((moved >= 0) & (moved <= 1))
    assert np.all(np.abs(moved - target) <= np.abs(q - target) + 1e-12)
    assert np.allclose(moved, q + alpha * (target - q))


def test_champions_stay_fully_motivated() -> None:
    champions = np.array([True, False])
    q = update_intrinsic(np.array([1.0, 0.5]), np.array([1.0, 0.5]), np.zeros(2), 0.5, champions)
    assert q[0] == 1.0
    b = crowd_out(np.array([1.0, 0.5]), np.array([2.0, 2.0]), 1.0, 0.5, champions)
    assert b[0] == 1.0 and b[1] < 0.5


@settings(max_examples=100, deadline=None)
@given(VECTOR, arrays(np.float64, 20, elements=st.floats(0, 4)), UNIT, UNIT)
def test_crowding_only_erodes_and_only_under_pressure(b, pressure, c, alpha) -> None:
    eroded = crowd_out(b, pressure, c, alpha, NO_CHAMPIONS)
    assert np.all((eroded >= 0) & (eroded <= b))
    free = pressure == 0
    assert np.array_equal(eroded[free], b[free])


def test_no_crowding_without_incentive_or_with_crowding_out_zero() -> None:
    b = np.linspace(0.1, 0.9, 20)
    assert np.array_equal(crowd_out(b, np.zeros(20), 0.5, 0.1, NO_CHAMPIONS), b)
    assert np.array_equal(crowd_out(b, np.full(20, 0.8), 0.0, 0.1, NO_CHAMPIONS), b)
    stronger = crowd_out(b, np.full(20, 0.8), 0.6, 0.1, NO_CHAMPIONS)
    weaker = crowd_out(b, np.full(20, 0.8), 0.3, 0.1, NO_CHAMPIONS)
    assert np.all(stronger < weaker) and np.all(weaker < b)


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


def dispositions(m: PushPullModel, steps: int) -> list[np.ndarray]:
    out = []
    for _ in range(steps):
        m.step()
        out.append(m.state.disposition.copy())
    return out


def test_crowding_erodes_disposition_only_while_incentives_act() -> None:
    m = model(schedule=[{"step": 31, "set": {"push.incentive": 0.0}}])
    start = m.state.disposition.copy()
    seen = dispositions(m, 60)
    eroding = ~m.state.champion & (start > 0)
    assert eroding.sum() > 100
    for step in range(1, 31):  # rows 0..29: incentives act, every disposition falls
        before = start if step == 1 else seen[step - 2]
        assert np.all(seen[step - 1][eroding] < before[eroding]), step
    for step in range(31, 61):  # incentives withdrawn: no more erosion, and no recovery
        assert np.array_equal(seen[step - 1], seen[29]), step
    assert seen[-1][eroding].mean() < 0.9 * start[eroding].mean()


def test_no_incentive_means_no_crowding() -> None:
    m = model(**{"push.incentive": 0.0})
    start = m.state.disposition.copy()
    assert np.array_equal(dispositions(m, 30)[-1], start)


def test_crowding_out_zero_means_no_erosion() -> None:
    m = model(**{"push.crowding_out": 0.0})
    start = m.state.disposition.copy()
    assert np.array_equal(dispositions(m, 30)[-1], start)


def test_crowding_only_where_push_reaches() -> None:
    m = model(**{"push.reach": "convener", "push.convener": "academia"})
    start = m.state.disposition.copy()
    final = dispositions(m, 30)[-1]
    academia = m.state.sector == m.sector_names.index("academia")
    assert np.array_equal(final[~academia], start[~academia])
    assert np.all(final[academia & (start > 0)] < start[academia & (start > 0)])


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
