"""Decision: logistic choice probabilities, utility, and the "can't NOT" definition."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.config import Scenario
from sim.mechanisms.cooperation import reciprocity
from sim.mechanisms.decision import (
    CANT_NOT_THRESHOLD,
    act_probability,
    cant_not,
    choose,
    decide,
    utility,
)
from sim.model import PushPullModel

NOISE = st.floats(0.01, 2.0)


@settings(max_examples=200, deadline=None)
@given(st.floats(-1.0, 1.0), NOISE)
def test_probability_in_open_unit_interval_and_logistic(u: float, noise: float) -> None:
    # strictly inside (0, 1) unless |U/T| is so large that tanh rounds to +-1 (beyond ~38)
    p = float(act_probability(np.array([u]), noise)[0])
    assert 0.0 < p < 1.0 or abs(u / noise) > 36  # tanh rounds to +-1 beyond ~36
    assert p == pytest.approx(1.0 / (1.0 + math.exp(-u / noise)), abs=1e-12)


@settings(max_examples=200, deadline=None)
@given(st.floats(-3, 3), st.floats(-3, 3), NOISE)
def test_probability_monotone_in_utility(u1: float, u2: float, noise: float) -> None:
    low, high = sorted((u1, u2))
    p_low, p_high = act_probability(np.array([low, high]), noise)
    assert p_low <= p_high
    if high - low > 1e-3 and abs(high / noise) < 10 and abs(low / noise) < 10:
        assert p_low < p_high


def test_probability_anchors_and_symmetry() -> None:
    u = np.linspace(-2, 2, 41)
    p = act_probability(u, 0.3)
    assert act_probability(np.array([0.0]), 0.3)[0] == 0.5
    assert np.allclose(p + p[::-1], 1.0)
    assert np.all(np.diff(p) > 0)
    assert np.all((p > 0) & (p < 1))


def test_probability_is_safe_for_extreme_utilities() -> None:
    with np.errstate(all="raise"):
        p = act_probability(np.array([-1e6, -50.0, 50.0, 1e6]), 0.01)
    assert np.all(np.isfinite(p))
    assert np.all((p >= 0) & (p <= 1))
    assert p[0] == 0.0 and p[-1] == 1.0


@pytest.mark.parametrize("scale", [0.01, 0.3, 5.0, 1e6])
@pytest.mark.parametrize("noise", [0.01, 0.15, 2.0])
def test_choose_equals_draws_below_the_probability_to_the_bit(scale: float, noise: float) -> None:
    """The estimate decides most actors; draws at, just below and just above the probability,
    zero draws, NaN and infinite utilities are left to libm: every choice is libm's."""
    rng = np.random.default_rng(int(scale * 100) + int(noise * 100))
    u, draws = rng.normal(0.0, scale, 20_000), rng.random(20_000)
    p = act_probability(u, noise)
    draws[:300] = p[:300]
    draws[300:600] = np.nextafter(p[300:600], 0.0)
    draws[600:900] = np.nextafter(p[600:900], 1.0)
    draws[900:910] = 0.0
    u[910:913] = [np.nan, np.inf, -np.inf]
    acting = np.empty(u.size, dtype=np.uint8)
    undecided = choose(u, noise, draws, acting)
    assert np.array_equal(acting.astype(bool), draws < act_probability(u, noise))
    assert undecided >= 900 and undecided < 1_000 + u.size // 100  # the estimate did the rest
    assert 0 < acting.sum() < u.size


def test_lower_noise_sharper_choice() -> None:
    u = np.array([-0.2, 0.2])
    sharp, flat = act_probability(u, 0.05), act_probability(u, 1.0)
    assert sharp[0] < flat[0] and sharp[1] > flat[1]


def test_utility_formula() -> None:
    q, x, h, e = np.array([0.3]), np.array([0.2]), np.array([0.5]), np.array([0.6])
    assert utility(q, x, h, e, 0.4) == pytest.approx(0.3 + 0.2 + 0.4 * 0.5 - 0.6)
    assert utility(q, 0.0, h, e, 0.4) == pytest.approx(0.3 + 0.2 - 0.6)


def test_decide_draws_with_the_given_probability() -> None:
    rng = np.random.default_rng(0)
    acting = decide(np.full(20000, 0.3), rng)
    assert acting.dtype == bool
    assert acting.mean() == pytest.approx(0.3, abs=0.015)
    assert not decide(np.zeros(100), rng).any()
    assert decide(np.ones(100), rng).all()


def test_cant_not_definition() -> None:
    noise, weight = 0.2, 0.5
    # bare utility giving probability exactly 0.9 sits on the threshold: logit(0.9) * T
    edge = noise * math.log(CANT_NOT_THRESHOLD / (1 - CANT_NOT_THRESHOLD))
    effort = np.full(5, 0.5)
    habit = np.array([0.0, 0.0, 0.0, 1.0, 0.0])
    intrinsic = np.array([0.5 + edge + 0.01, 0.5 + edge - 0.01, 0.2, 0.5 + edge - 0.3, 1.0])
    got = cant_not(intrinsic, habit, effort, weight, noise)
    assert got.tolist() == [True, False, False, True, True]
    assert CANT_NOT_THRESHOLD == 0.9


def test_cant_not_ignores_incentives_in_the_model() -> None:
    scenario = Scenario().with_overrides({"population.size": 150, "push.incentive": 1.0})
    model = PushPullModel(scenario)
    for _ in range(30):
        model.step()
    before = model.cant_not()
    assert model.state.pressure.mean() > 0
    model.set_parameter("push.incentive", 0.0)
    assert np.array_equal(model.cant_not(), before)
    s, d = model.state, model.params.decision
    net_cost = (1 - d.public_return) * np.maximum(d.effort_cost + s.effort_offset, 0)
    recip = reciprocity(s.social_type, s.belief, d.reciprocity)
    bare = act_probability(
        utility(s.intrinsic, 0.0, s.habit, net_cost, d.habit_weight, recip), d.noise
    )
    assert np.array_equal(before, bare >= 0.9)
    assert model.metrics_frame()["cant_not"].iloc[-1] == pytest.approx(before.mean())


def test_champions_raise_the_cant_not_share() -> None:
    shares = []
    for champions in (0.0, 0.3):
        scenario = Scenario().with_overrides(
            {"population.size": 200, "population.champions": champions}
        )
        model = PushPullModel(scenario)
        model.step()
        shares.append(model.cant_not().mean())
    assert shares[1] > shares[0] + 0.1
