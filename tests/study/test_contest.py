"""The [contest] table: a fair lever x reach x strength design with symmetric withdrawal."""

from __future__ import annotations

import pytest

from sim.experiment.contest import Contest, expand, factors
from sim.experiment.errors import ExperimentError
from sim.experiment.plan import make_plan
from sim.experiment.spec import load_experiment, parse_experiment

CONTEST = {
    "withdraw_at": 10,
    "reach": {"convener": "convener", "all": "all"},
    "levers": {
        "none": {"base": "baseline"},
        "push": {
            "set": {"push.kind": "reward"},
            "reach_keys": ["push.reach"],
            "withdraw": {"push.incentive": 0.0},
            "strengths": {"low": {"push.incentive": 0.1}, "high": {"push.incentive": 0.5}},
        },
        "pull": {
            "base": "multi_sector_pull",
            "withdraw": {"vision.mode": "none", "dialogue.rate": 0.0},
        },
    },
}


def experiment(**extra):
    data = {"name": "c", "base": "baseline", "fixed": {"steps": 30, "population.size": 40}}
    return parse_experiment({**data, "contest": CONTEST, **extra}, "c.toml")


def test_every_lever_is_crossed_with_reach_and_strength_and_both_arms():
    names = [row["variant"] for row in factors(Contest.model_validate(CONTEST))]
    assert names == [
        "none.any.default.kept",  # no withdraw: the control runs only kept
        "push.convener.low.kept",
        "push.convener.low.withdrawn",
        "push.convener.high.kept",
        "push.convener.high.withdrawn",
        "push.all.low.kept",
        "push.all.low.withdrawn",
        "push.all.high.kept",
        "push.all.high.withdrawn",
        "pull.any.default.kept",  # no reach keys: needs no authority, one reach
        "pull.any.default.withdrawn",
    ]


def test_withdrawal_is_at_the_same_step_for_every_lever_and_removes_the_lever():
    variants = expand(Contest.model_validate(CONTEST))
    assert variants["push.all.high.withdrawn"] == {
        "push.kind": "reward",
        "push.reach": "all",
        "push.incentive": 0.5,
        "schedule": [{"step": 10, "set": {"push.incentive": 0.0}}],
    }
    assert variants["pull.any.default.withdrawn"]["schedule"] == [
        {"step": 10, "set": {"vision.mode": "none", "dialogue.rate": 0.0}}
    ]
    assert "schedule" not in variants["push.all.high.kept"]


def test_contest_variants_run_like_any_other_and_share_seeds():
    plan = make_plan(experiment(replications=2), "c.toml")
    assert len(plan.configs) == 11
    assert plan.configs["pull.any.default.withdrawn"].schedule[0].set["vision.mode"] == "none"
    seeds = {t.variant: [] for t in plan.tasks}
    for task in plan.tasks:
        seeds[task.variant].append(task.seed)
    assert len({tuple(s) for s in seeds.values()}) == 1  # common random numbers


def test_a_short_horizon_is_refused():
    exp = experiment(fixed={"steps": 29})
    with pytest.raises(
        ExperimentError, match=r"withdraw_at: 10 needs a horizon of at least 3 x 10"
    ):
        make_plan(exp, "c.toml")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"levers": {"push": {"strenghts": {}}}},
            "unknown key 'strenghts' (did you mean 'strengths'?)",
        ),
        ({"levers": {}}, "declare at least one lever"),
        ({"levers": {"a.b": {}}}, "use letters, digits, _ and - only"),
    ],
)
def test_bad_contests_are_one_line_errors(change, message):
    contest = {**CONTEST, **change}
    with pytest.raises(ExperimentError) as info:
        parse_experiment({"name": "c", "base": "baseline", "contest": contest}, "c.toml")
    assert message in str(info.value) and "\n" not in str(info.value)
    assert str(info.value).startswith("c.toml: contest")


def test_an_unknown_control_is_refused_with_a_hint():
    with pytest.raises(ExperimentError, match="control: no variant 'none.any.default.kep'"):
        experiment(control="none.any.default.kep")


def test_the_canonical_contest_is_fair():
    exp, text = load_experiment("experiments/push_vs_pull.toml")
    plan = make_plan(exp, "experiments/push_vs_pull.toml", text)
    contest = exp.contest
    assert contest.withdraw_at * 3 <= min(c.steps for c in plan.configs.values())
    rows = factors(contest)
    levers = {r["lever"] for r in rows}
    assert {"none", "push", "pull", "push_pull"} <= levers
    assert {r["reach"] for r in rows if r["lever"] == "push"} == {"convener", "three", "all"}
    for name, cfg in plan.configs.items():
        if name.endswith(".withdrawn"):
            (phase,) = cfg.schedule
            assert phase.step == contest.withdraw_at
        if name.startswith("pull.") and name.endswith(".withdrawn"):
            # Withdrawing pull removes all of it: revisions, dialogue and the vision itself.
            assert phase.set["vision.mode"] == "none" and phase.set["dialogue.rate"] == 0.0
    assert exp.control == "none.any.default.kept"
