"""Validating experiments against the model before anything runs."""

from __future__ import annotations

import pytest

from sim.experiment.errors import ExperimentError
from sim.experiment.plan import make_plan
from sim.experiment.spec import parse_experiment


def plan_of(**data):
    exp = parse_experiment({"name": "x", "base": "multi_sector_pull", **data}, "e.toml")
    return make_plan(exp, "e.toml")


def test_runs_are_variants_times_points_times_replications():
    plan = plan_of(
        replications=3,
        variants={"a": {"push.incentive": 0.1}, "b": {"base": "multi_sector_push"}},
        sweep={"parameters": {"vision.inclusion": [0.2, 0.8], "dialogue.rate": [0.1, 0.2]}},
    )
    assert len(plan.tasks) == 2 * 4 * 3
    assert [t.run_id for t in plan.tasks] == list(range(24))
    assert plan.configs["a"].push.incentive == 0.1
    assert plan.configs["b"].name == "multi_sector_push"
    # Common random numbers: variants share the seed of a (point, replication).
    by_key = {}
    for t in plan.tasks:
        by_key.setdefault((t.point, t.replication), set()).add(t.seed)
    assert all(len(s) == 1 for s in by_key.values())
    assert len({t.seed for t in plan.tasks}) == 12


def test_no_variants_means_one_default_variant_and_fixed_applies():
    plan = plan_of(fixed={"steps": 12, "population": {"size": 40}})
    assert list(plan.configs) == ["default"]
    assert plan.configs["default"].steps == 12
    assert plan.configs["default"].population.size == 40
    assert len(plan.tasks) == 1


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            {"sweep": {"parameters": {"dialog.rate": [0.1]}}},
            "e.toml: sweep.parameters: unknown parameter 'dialog.rate' "
            "(did you mean 'dialogue.rate'?)",
        ),
        ({"variants": {"p": {"push.incentve": 1}}}, "e.toml: variants.p: unknown parameter"),
        (
            {"fixed": {"stepz": 1}},
            "e.toml: fixed: unknown parameter 'stepz' (did you mean 'steps'?)",
        ),
        ({"variants": {"p": {"push.incentive": 9}}}, "e.toml: variants.p:"),
        (
            {"sweep": {"parameters": {"vision.inclusion": {"low": 0.5, "high": 1.5}}}},
            "e.toml: sweep.parameters: 'vision.inclusion' = 1.5:",
        ),
        (
            {"sweep": {"parameters": {"vision.mode": {"low": 0, "high": 1}}}},
            "'vision.mode' is a str parameter; give a list of levels",
        ),
        (
            {"sweep": {"parameters": {"vision.mode": ["imposed", "shared"]}}},
            "'vision.mode' = 'shared'",
        ),
        ({"sweep": {"parameters": {"seed": [1, 2]}}}, "'seed' is set per run"),
        ({"variants": {"p": {"base": "no_such"}}}, "e.toml: variants.p.base: no_such: no such"),
    ],
)
def test_bad_parameters_fail_before_running(data, expected):
    with pytest.raises(ExperimentError) as info:
        plan_of(**data)
    assert expected in str(info.value)
    assert "\n" not in str(info.value)


def test_fingerprint_tracks_the_experiment():
    one = plan_of(replications=2)
    assert plan_of(replications=2).fingerprint == one.fingerprint
    assert plan_of(replications=3).fingerprint != one.fingerprint
    assert plan_of(replications=2, fixed={"steps": 20}).fingerprint != one.fingerprint


ISSUE_EXAMPLE = """
name = "push-vs-pull"
base = "multi_sector_pull"          # scenario name or path
seed = 1                            # master seed
replications = 20
[fixed]                             # overrides for every run
"steps" = 300
[variants.push]                     # named variants, each a set of overrides
"push.incentive" = 0.6
"vision.mode" = "none"
[variants.pull]
"push.incentive" = 0.0
[sweep]
design = "grid"                     # grid | lhs | random | sobol | morris
samples = 64                        # for lhs, random, sobol, morris
[sweep.parameters]
"vision.inclusion" = [0.2, 0.5, 0.8]                 # levels
"dialogue.confidence" = { low = 0.1, high = 0.4 }    # a range
[output]
timeseries = ["participation", "intrinsic_motivation"]   # or "all" or "none"
every = 1
"""


def test_the_documented_example_plans_as_described(tmp_path):
    from sim.experiment.spec import load_experiment

    path = tmp_path / "example.toml"
    path.write_text(ISSUE_EXAMPLE)
    exp, text = load_experiment(path)
    plan = make_plan(exp, str(path), text)
    # 2 variants x (3 levels x 5 default grid levels of the range) x 20 replications
    assert len(plan.tasks) == 2 * 15 * 20
    assert sorted({p["dialogue.confidence"] for p in plan.design.points}) == pytest.approx(
        [0.1, 0.175, 0.25, 0.325, 0.4]
    )
    assert plan.configs["push"].vision.mode == "none"
