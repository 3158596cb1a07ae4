"""The model as a whole: Mesa integration, invariants, schedule, direction of effects, knobs."""

from __future__ import annotations

import functools
from typing import Any

import mesa
import numpy as np
import pandas as pd
import pytest

from sim.agents import Actor, sector_counts
from sim.config import PARAMETERS, Scenario
from sim.loading import ConfigError, load_scenario
from sim.mechanisms.accountability import sanction_propensity
from sim.metrics import timeseries_columns
from sim.model import PushPullModel
from sim.network import csr_mean
from sim.run import run_scenario

SMALL = {"population.size": 120, "steps": 30}


def small_model(**overrides: Any) -> PushPullModel:
    return PushPullModel(Scenario().with_overrides({**SMALL, **overrides}))


# -- Mesa -------------------------------------------------------------------------------------


def test_model_is_a_mesa_model_with_one_agent_per_actor() -> None:
    model = small_model()
    assert isinstance(model, mesa.Model)
    assert len(model.agents) == 120 == model.state.size
    assert all(isinstance(agent, Actor) and isinstance(agent, mesa.Agent) for agent in model.agents)
    assert sorted(agent.index for agent in model.agents) == list(range(120))
    assert len({agent.unique_id for agent in model.agents}) == 120
    assert isinstance(model.rng, np.random.Generator)


def test_actor_properties_read_the_arrays() -> None:
    model = small_model(**{"population.sectors": ["a", "b", "c"]})
    for _ in range(3):
        model.step()
    for agent in model.agents:
        i = agent.index
        assert agent.sector == ["a", "b", "c"][model.state.sector[i]]
        assert agent.acting == bool(model.state.acting[i])
        assert agent.intrinsic_motivation == model.state.intrinsic[i]
        assert np.array_equal(agent.vision, model.state.vision[i])
    agent = next(iter(model.agents))
    model.state.intrinsic[agent.index] = 0.123
    model.state.acting[agent.index] = True
    assert agent.intrinsic_motivation == 0.123 and agent.acting
    copy = agent.vision
    copy[:] = 9.0  # a copy: the model's state is not touched
    assert np.all(model.state.vision[agent.index] <= 1.0)


def test_actors_do_not_step_one_by_one() -> None:
    agent = next(iter(small_model().agents))
    with pytest.raises(NotImplementedError):
        agent.step()


def test_steps_count_and_one_row_per_step() -> None:
    model = small_model()
    assert model.steps == 0
    for expected in range(1, 8):
        model.step()
        assert model.steps == expected
    frame = model.metrics_frame()
    assert frame["step"].tolist() == list(range(1, 8))
    assert list(frame.columns) == timeseries_columns(model.sector_names)


ADVANCE_CASES = {  # scenario: overrides; between them: schedules, leaders, peer sanctions
    "push_then_withdraw": {"steps": 40, "schedule": [{"step": 21, "set": {"push.incentive": 0}}]},
    "hybrid": {"steps": 30},
    "mutual_accountability": {"steps": 30, "network.kind": "well_mixed"},
    "leaders_cascade": {"steps": 30, "vision.revision_every": 7, "metrics.cluster_every": 4},
}


@pytest.mark.parametrize(
    "name, overrides",
    [
        ("multi_sector_pull", {}),
        # the peer-sanction regime walks every tie; counting resumes once it is dropped
        (
            "mutual_accountability",
            {"schedule": [{"step": 6, "set": {"accountability.measurement": 0}}]},
        ),
    ],
)
def test_neighbour_shares_follow_the_choices_even_when_replaced(name: str, overrides: dict) -> None:
    """The share of neighbours acting, kept as counts moved step to step, equals a fresh walk
    over the ties after every step, also when the choices were replaced between steps."""
    model = PushPullModel(load_scenario(name, {"population.size": 200, "steps": 12, **overrides}))
    graph = model.network
    for step in range(12):
        if step == 3:  # choices replaced from outside the model (as a user or the explorer may)
            model.state.acting = ~model.state.acting
        model.step()
        acting = model.state.acting.view(np.uint8)
        assert np.array_equal(model._carry.seen, csr_mean(graph.walk, acting))


@pytest.mark.parametrize("kind", ["small_world", "well_mixed"])
def test_who_stands_ready_to_sanction_is_the_propensity_weighted_share_of_neighbours(kind) -> None:
    """Under peer sanctions each actor's sanctioners are the mean over its neighbours of
    acting times the propensity of their social type and the rules, summed in tie order."""
    model = PushPullModel(load_scenario(
        "mutual_accountability", {"population.size": 300, "steps": 5, "network.kind": kind}
    ))  # fmt: skip
    s, graph = model.state, model.network
    assert np.unique(s.social_type).size == 4  # every type, so every propensity, is read
    for _ in range(3):
        model.step()
        willing = s.acting * sanction_propensity(s.social_type, model.params.accountability.rules)
        if kind == "well_mixed":  # everyone's neighbours: the population, summed in order
            expected = np.full(s.size, functools.reduce(float.__add__, willing.tolist()) / s.size)
        else:
            expected = csr_mean(graph.walk, willing)
        assert np.array_equal(s.sanctioners, expected)
        assert s.sanctioners.max() > 0


@pytest.mark.parametrize("name", sorted(ADVANCE_CASES))
def test_advance_is_stepping_one_step_at_a_time(name: str) -> None:
    """``advance(k)`` (compiled stretches between phases) equals k Mesa steps, to the bit."""
    scenario = load_scenario(name, {"population.size": 150, **ADVANCE_CASES[name]})
    whole, stepped = PushPullModel(scenario), PushPullModel(scenario)
    whole.advance(scenario.steps - 5)
    whole.advance(5)
    for _ in range(scenario.steps):
        stepped.step()
    pd.testing.assert_frame_equal(whole.metrics_frame(), stepped.metrics_frame())
    assert (whole.steps, whole.time) == (stepped.steps, stepped.time) == (scenario.steps,) * 2
    whole.step()  # Mesa's clock goes on from where advance left it
    stepped.run_for(1)
    pd.testing.assert_frame_equal(whole.metrics_frame(), stepped.metrics_frame())
    assert whole.steps == scenario.steps + 1


def test_advance_runs_other_scheduled_events_in_order() -> None:
    model, seen = small_model(steps=6), []

    def note() -> None:  # Mesa holds events weakly: keep a name for it
        seen.append(model.steps)

    model.schedule_event(note, at=3.5)
    model.advance(6)
    assert seen == [3] and model.steps == 6


def test_model_can_run_past_the_planned_steps() -> None:
    model = small_model(steps=3)
    for _ in range(10):
        model.step()
    assert len(model.metrics_frame()) == 10


def test_explicit_rng_overrides_the_scenario_seed() -> None:
    scenario = Scenario().with_overrides({**SMALL, "seed": 5})
    a, b = PushPullModel(scenario, rng=99), PushPullModel(scenario.with_overrides({"seed": 99}))
    for _ in range(5):
        a.step()
        b.step()
    pd.testing.assert_frame_equal(a.metrics_frame(), b.metrics_frame())


# -- population -------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [2, 7, 100, 301])
def test_sector_counts_are_exact(size: int) -> None:
    counts = sector_counts(size, {"a": 0.5, "b": 0.3, "c": 0.2})
    assert counts.sum() == size
    assert np.all(np.abs(counts - size * np.array([0.5, 0.3, 0.2])) < 1)


def test_initial_population() -> None:
    model = small_model(**{"population.champions": 0.25})
    s = model.state
    assert np.all(np.diff(s.sector) >= 0)  # sorted by sector
    assert np.all((s.vision >= 0) & (s.vision <= 1))
    assert s.vision.shape == (120, 5)
    assert np.all(s.intrinsic[s.champion] == 1.0)
    assert 0.1 < s.champion.mean() < 0.4
    assert np.all(s.habit == 0) and np.all(s.ownership == 0)
    assert np.array_equal(s.disposition, s.intrinsic)


def test_uniform_initial_visions_when_available() -> None:
    if "population.initial_visions" not in PARAMETERS:
        pytest.skip("no population.initial_visions")
    clustered = small_model()
    uniform = small_model(**{"population.initial_visions": "uniform"})
    assert uniform.state.vision.std() > clustered.state.vision.std()


# -- invariants -------------------------------------------------------------------------------

UNIT_COLUMNS = [
    "participation",
    "intrinsic_motivation",
    "habit",
    "alignment",
    "ownership",
    "cant_not",
    "progress_rate",
    "incentive_active",
]


@pytest.mark.parametrize(
    "scenario", ["baseline", "closed_org_push", "hybrid", "co_created_few_voices", "silos"]
)
def test_time_series_invariants(scenario: str) -> None:
    config = load_scenario(scenario, {"population.size": 150, "steps": 60, "seed": 3})
    ts = run_scenario(config).timeseries
    assert len(ts) == 60
    sector_columns = [f"participation_{s}" for s in config.population.sectors]
    for column in UNIT_COLUMNS + sector_columns:
        assert ts[column].between(0.0, 1.0).all(), column
    assert not ts.drop(columns=["budget_left"]).isna().any().any()
    # overall participation is the size-weighted mean of the sectors'
    counts = sector_counts(150, config.population.sectors)
    weighted = ts[sector_columns].to_numpy() @ (counts / counts.sum())
    assert np.allclose(weighted, ts["participation"])
    # progress accumulates the per-step progress
    assert np.all(np.diff(ts["progress"]) >= 0)
    assert np.allclose(ts["progress"], ts["progress_rate"].cumsum())
    assert (ts["progress_rate"] <= ts["participation"] + 1e-12).all()
    assert (ts["extrinsic_pressure"] >= 0).all() and (ts["pull"] >= 0).all()
    assert (ts["vision_dispersion"] >= 0).all() and (ts["vision_clusters"] >= 0).all()


def test_initial_choice_has_no_incentive() -> None:
    # who acts before step 1 is the no-intervention choice: independent of push
    a = small_model(**{"push.incentive": 0.0})
    b = small_model(**{"push.incentive": 2.0, "push.kind": "both"})
    assert np.array_equal(a.state.acting, b.state.acting)


# -- schedule and set_parameter ---------------------------------------------------------------


def test_schedule_phase_applies_from_its_step_on() -> None:
    config = load_scenario(
        "push_then_withdraw",
        {
            "population.size": 120,
            "steps": 60,
            "schedule": [{"step": 31, "set": {"push.incentive": 0.0}}],
        },
    )
    ts = run_scenario(config).timeseries
    pressure = ts.set_index("step")["extrinsic_pressure"]
    assert (pressure.loc[1:30] > 0).all()
    assert (pressure.loc[31:] == 0).all()
    assert (ts.set_index("step")["incentive_spend"].loc[31:] == 0).all()


def test_bundled_push_then_withdraw_drops_pressure_at_its_phase_step() -> None:
    config = load_scenario("push_then_withdraw", {"population.size": 60})
    (phase,) = config.schedule
    ts = run_scenario(config).timeseries.set_index("step")
    assert (ts["extrinsic_pressure"].loc[: phase.step - 1] > 0).all()
    assert (ts["extrinsic_pressure"].loc[phase.step :] == 0).all()


def test_several_phases_in_order() -> None:
    schedule = [
        {"step": 5, "set": {"push.incentive": 1.0}},
        {"step": 10, "set": {"push.incentive": 0.0, "dialogue.rate": 0.0}},
    ]
    ts = run_scenario(
        Scenario().with_overrides({**SMALL, "steps": 15, "schedule": schedule})
    ).timeseries.set_index("step")
    assert (ts["extrinsic_pressure"].loc[:4] == 0).all()
    assert (ts["extrinsic_pressure"].loc[5:9] > 0).all()
    assert (ts["extrinsic_pressure"].loc[10:] == 0).all()
    assert (ts["dialogue_pairs"].loc[10:] == 0).all()


def test_two_phases_at_the_same_step_are_both_applied_or_refused() -> None:
    schedule = [
        {"step": 5, "set": {"push.incentive": 0.5}},
        {"step": 5, "set": {"dialogue.rate": 0.0}},
    ]
    try:
        scenario = Scenario().with_overrides({**SMALL, "steps": 10, "schedule": schedule})
    except ConfigError as error:  # refusing duplicate steps at load time is fine too
        assert "schedule" in str(error)
        return
    ts = run_scenario(scenario).timeseries.set_index("step")
    assert (ts["dialogue_pairs"].loc[5:] == 0).all()
    assert (ts["extrinsic_pressure"].loc[5:] > 0).all()


def test_set_parameter_mid_run() -> None:
    model = small_model()
    for _ in range(5):
        model.step()
    assert model.state.pressure.max() == 0
    model.set_parameter("push.incentive", 0.5)
    assert model.params.push.incentive == 0.5
    assert model.config.push.incentive == 0.0  # the starting scenario is kept
    model.step()
    assert model.state.pressure.min() > 0
    model.set_parameter("push.reach", "convener")
    model.step()
    convener = model.state.sector == model.sector_names.index(model.params.convener)
    assert np.all(model.state.pressure[~convener] == 0) and np.all(
        model.state.pressure[convener] > 0
    )


@pytest.mark.parametrize(
    ("name", "value", "match"),
    [
        ("push.incentive", 9.0, "push.incentive"),
        ("push.incentiv", 0.5, "did you mean 'push.incentive'"),
        ("vision.mode", "shared", "vision.mode"),
        ("push.convener", "banks", "unknown sector"),
    ],
)
def test_set_parameter_validates(name: str, value: Any, match: str) -> None:
    model = small_model()
    model.step()
    before = model.params
    with pytest.raises(ConfigError, match=match):
        model.set_parameter(name, value)
    assert model.params is before
    model.step()  # the model still runs


def test_set_parameter_refuses_structural_parameters() -> None:
    model = small_model()
    model.step()
    with pytest.raises(ConfigError):
        model.set_parameter("population.size", 500)


# -- direction of effects (model level, averaged over seeds) -----------------------------------

SEEDS = (1, 2, 3)


@functools.cache
def _summaries(name: str, overrides: tuple[tuple[str, Any], ...]) -> tuple[dict[str, Any], ...]:
    runs = []
    for seed in SEEDS:
        config = load_scenario(name, {"seed": seed, "population.size": 200, **dict(overrides)})
        runs.append(run_scenario(config).summary)
    return tuple(runs)


def mean_summary(name: str, key: str, **overrides: Any) -> float:
    """A summary metric averaged over SEEDS (runs are cached across tests)."""
    return float(np.mean([s[key] for s in _summaries(name, tuple(sorted(overrides.items())))]))


def sustained(name: str) -> float:
    return mean_summary(name, "sustained_participation")


def test_push_in_a_closed_organisation_beats_baseline() -> None:
    assert sustained("closed_org_push") > sustained("baseline") + 0.3


def test_push_across_sectors_is_weaker_than_in_a_closed_organisation() -> None:
    assert sustained("multi_sector_push") < sustained("closed_org_push") - 0.2


def test_pull_sustains_more_than_push_across_sectors() -> None:
    assert sustained("multi_sector_pull") > sustained("multi_sector_push") + 0.2


def test_withdrawing_push_undermines_participation() -> None:
    # after withdrawal participation falls below the no-intervention level ...
    assert sustained("push_then_withdraw") < 0.8 * sustained("baseline")
    # ... and well below its level under push
    retention = mean_summary("push_then_withdraw", "retention")
    assert retention < 0.9


def test_crowding_out_drives_the_undermining() -> None:
    with_crowding = sustained("push_then_withdraw")
    without = mean_summary(
        "push_then_withdraw", "sustained_participation", **{"push.crowding_out": 0.0}
    )
    assert without > with_crowding + 0.05


def test_co_created_vision_builds_more_ownership_than_imposed() -> None:
    co_created = mean_summary("co_created_vision", "ownership_mean", steps=100)
    imposed = mean_summary("imposed_vision", "ownership_mean", steps=100)
    assert co_created > imposed + 0.2


@pytest.mark.parametrize("name", ["multi_sector_push", "hybrid", "multi_sector_pull"])
def test_no_push_and_no_vision_stays_near_baseline(name: str) -> None:
    neutral = {"push.incentive": 0.0, "vision.mode": "none", "steps": 150}
    baseline = mean_summary("baseline", "participation_mean", steps=150)
    assert mean_summary(name, "participation_mean", **neutral) == pytest.approx(baseline, abs=0.03)
    # and the intervention itself does move participation
    assert abs(mean_summary(name, "participation_mean", steps=150) - baseline) > 0.1


# -- no dead knobs ----------------------------------------------------------------------------

# Parameters that need not change the time series:
#   name      - a label for output folders and figure titles, not part of the dynamics;
#   schedule  - a list of phases, each made of other parameters (tested above).
NOT_KNOBS = {"name", "schedule"}
KNOB_BASE = {"population.size": 120, "steps": 30}
# Context per section: the setting in which the section's knobs act.
SECTION_CONTEXT: dict[str, dict[str, Any]] = {
    "population": {
        "push.incentive": 0.5,  # incentive_sensitivity
        "vision.mode": "co_created",  # voice_inequality (who is heard)
        "vision.inclusion": 0.5,
    },
    "vision": {"vision.mode": "co_created", "vision.inclusion": 0.5},
    "pull": {"vision.mode": "co_created", "pull.social_threshold": 0.2},
    "dialogue": {"dialogue.rate": 0.2},
    "push": {"push.incentive": 0.5, "push.reach": "convener", "push.budget": 200.0},
    "accountability": {"accountability.measurement": 0.8, "accountability.peer_sanction": 0.5},
    "leaders": {"leaders.incentive": 0.5, "vision.mode": "co_created", "dialogue.rate": 0.2},
    "metrics": {"metrics.cluster_sample": 60},
}
# A parameter's own context wins over its section's.
PARAM_CONTEXT: dict[str, dict[str, Any]] = {
    "pull.social_threshold": {"vision.mode": "co_created", "pull.social_threshold": 0.0},
    "push.loss_aversion": {"push.kind": "sanction"},
    "push.sanction_cost": {"push.kind": "sanction"},
    "push.crowding_recovery": {"schedule": [{"step": 15, "set": {"push.incentive": 0.0}}]},
    "accountability.rules_cost": {"accountability.rules": "co_created"},
    "accountability.review_every": {"accountability.rules": "co_created", "steps": 120},
}


def context_of(name: str) -> dict[str, Any]:
    context = dict(SECTION_CONTEXT.get(name.split(".")[0], {}))
    context.update(PARAM_CONTEXT.get(name, {}))
    return {k: v for k, v in context.items() if k in PARAMETERS}


def perturbed(name: str, current: Any, sectors: list[str]) -> Any:
    """A different valid value for a parameter, derived from its ParamInfo."""
    info = PARAMETERS[name]
    if info.choices and isinstance(current, str):
        return next(c for c in info.choices if c != current)
    if name == "population.sector_traits":  # no table by default: make one sector differ
        return {sectors[0]: {"incentive_sensitivity": 3.0, "motivation": 0.3}}
    if info.kind == "table":  # sector or type shares: double the first one's share
        first = next(iter(current))
        return {k: (2 * v if k == first else v) for k, v in current.items()}
    if info.kind == "str":  # push.convener: another sector than the effective convener
        effective = current or sectors[0]
        return next(s for s in sectors if s != effective)
    low = info.low if info.low is not None else 0.0
    high = info.high
    if high is None:  # unbounded above (push.budget): stay near the current value
        high = 2 * current if current else low + 1.0
    if info.kind == "int":
        candidates = [current * 2, current // 2, (int(low) + int(high)) // 2]
    else:
        candidates = [current * 2, current / 2, (low + high) / 2]
    for value in candidates:
        if value != current and low <= value <= high:
            try:
                load_scenario(None, {name: value})
            except ConfigError:
                continue
            return value
    raise AssertionError(f"no perturbed value for {name}")


KNOBS = [name for name in PARAMETERS if name not in NOT_KNOBS]


def test_knob_list_is_complete() -> None:
    assert len(KNOBS) == len(PARAMETERS) - len(NOT_KNOBS)
    assert {"push.crowding_out", "vision.clarity", "dialogue.common_ground_focus"} <= set(KNOBS)


@pytest.mark.parametrize("name", KNOBS)
def test_every_parameter_changes_the_time_series(name: str) -> None:
    base = Scenario().with_overrides({**KNOB_BASE, **context_of(name)})
    current = base.flat()[name]
    value = perturbed(name, current, list(base.population.sectors))
    changed = base.with_overrides({name: value})
    assert changed.flat()[name] != current
    a = run_scenario(base).timeseries
    b = run_scenario(changed).timeseries
    assert not a.equals(b), f"{name}: {current!r} -> {value!r} left the time series unchanged"


def test_changing_the_name_does_not_change_the_run() -> None:
    base = Scenario().with_overrides(KNOB_BASE)
    renamed = base.with_overrides({"name": "other"})
    assert run_scenario(base).timeseries.equals(run_scenario(renamed).timeseries)


def test_every_scenario_runs_the_same_compiled_loop() -> None:
    """One compiled signature serves every scenario: no run waits for a fresh compilation."""
    from sim import loop

    for name, overrides in ADVANCE_CASES.items():
        model = PushPullModel(load_scenario(name, {"population.size": 40, **overrides}))
        model.advance(3)
    small_model(**{"dialogue.rate": 0, "network.kind": "well_mixed"}).advance(2)
    assert len(loop.run_steps.signatures) == 1
