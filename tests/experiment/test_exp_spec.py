"""Experiment files: structure checks with one-line, located error messages."""

from __future__ import annotations

import pytest

from sim.experiment.errors import ExperimentError
from sim.experiment.spec import Range, load_experiment, parse_experiment


def parse(**data):
    return parse_experiment({"name": "x", "base": "baseline", **data}, "f.toml")


def test_full_example_parses_levels_and_ranges():
    exp = parse(
        replications=3,
        sweep={
            "design": "lhs",
            "samples": 8,
            "parameters": {
                "vision.inclusion": [0.2, 0.5],
                "dialogue.confidence": {"low": 0.1, "high": 0.4},
            },
        },
        output={"timeseries": ["participation"], "every": 2},
    )
    assert exp.sweep.parameters["vision.inclusion"] == [0.2, 0.5]
    assert exp.sweep.parameters["dialogue.confidence"] == Range(low=0.1, high=0.4)
    assert exp.output.every == 2


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"replicatons": 3}, "f.toml: unknown key 'replicatons' (did you mean 'replications'?)"),
        ({"sweep": {"parameters": {}}}, "f.toml: sweep: empty design"),
        (
            {"sweep": {"parameters": {"a.b": {"low": 2, "high": 1}}}},
            "f.toml: sweep.parameters: 'a.b': range with low > high (2 > 1)",
        ),
        (
            {"sweep": {"parameters": {"a.b": {"low": 0, "hi": 1}}}},
            "unknown key 'hi' (did you mean 'high'?)",
        ),
        ({"sweep": {"parameters": {"a.b": []}}}, "'a.b': empty list of levels"),
        ({"sweep": {"parameters": {"a.b": 3}}}, "'a.b': must be a list of levels or a range"),
        ({"sweep": {"design": "sobol", "parameters": {"a.b": [1, 2]}}}, "needs 'samples'"),
        ({"sweep": {"design": "factorial", "parameters": {"a.b": [1]}}}, "sweep.design:"),
        ({"replications": 0}, "replications:"),
        ({"output": {"timeseries": "some"}}, 'output.timeseries: must be "all", "none"'),
    ],
)
def test_bad_structure_is_one_located_line(data, expected):
    with pytest.raises(ExperimentError) as info:
        parse(**data)
    message = str(info.value)
    assert expected in message
    assert "\n" not in message


def test_name_defaults_to_file_stem_and_bad_toml_is_reported(tmp_path):
    good = tmp_path / "my-study.toml"
    good.write_text('base = "baseline"\n')
    exp, text = load_experiment(good)
    assert exp.name == "my-study"
    assert text == 'base = "baseline"\n'
    bad = tmp_path / "bad.toml"
    bad.write_text("base = \n")
    with pytest.raises(ExperimentError, match=r"bad.toml: invalid TOML"):
        load_experiment(bad)
    with pytest.raises(ExperimentError, match="cannot read"):
        load_experiment(tmp_path / "missing.toml")
