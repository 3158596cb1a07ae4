"""``pushpull study --quick`` end to end, on a tiny version of the real study."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pandas as pd
import pytest
import tomli_w
from typer.testing import CliRunner

from sim.cli import app
from sim.experiment.errors import ExperimentError
from sim.study.spec import DEFAULT_INDEX, load_study, merge, question_experiment

pytestmark = pytest.mark.slow

#: Per question: what the tiny study's --quick changes (small, short runs; few samples).
SMALL = {"population.size": 30}
TINY = {
    "contest": {"replications": 1, "fixed": {**SMALL, "steps": 60}, "contest": {"withdraw_at": 20}},
    "withdrawal": {"replications": 2, "fixed": {**SMALL, "steps": 200}},
    "closed_vs_across": {"replications": 2, "fixed": {**SMALL, "steps": 40}},
    "accountability": {"replications": 2, "fixed": {**SMALL, "steps": 40}},
    "dialogue": {"replications": 2, "fixed": {**SMALL, "steps": 30}},
    "voice": {"replications": 2, "fixed": {**SMALL, "steps": 30}},
    "flips": {
        "fixed": SMALL,
        "sweep": {"samples": 4, "parameters": {"steps": {"low": 20, "high": 60}}},
    },
}


@pytest.fixture(scope="module")
def tiny_index(tmp_path_factory) -> Path:
    """The real study index, with absolute experiment paths and tiny --quick tables."""
    data = tomllib.loads(DEFAULT_INDEX.read_text())
    for question in data["question"]:
        question["experiment"] = str(DEFAULT_INDEX.parent / question["experiment"])
        question["quick"] = TINY[question["id"]]
    path = tmp_path_factory.mktemp("index") / "study.toml"
    path.write_text(tomli_w.dumps(data))
    return path


@pytest.fixture(scope="module")
def study_dir(tiny_index, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("study") / "out"
    args = ["study", "--quick", "--workers", "2", "--index", str(tiny_index), "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return out


def test_every_question_of_the_project_has_an_experiment_that_states_it():
    study = load_study()
    ids = {q.id for q in study.question}
    assert {
        "contest",
        "withdrawal",
        "closed_vs_across",
        "accountability",
        "dialogue",
        "voice",
        "flips",
    } == ids
    for q in study.question:
        experiment, _, _ = question_experiment(q, DEFAULT_INDEX, quick=False)
        assert experiment.question.endswith("?"), q.id


def test_quick_reduces_replications_and_samples():
    study = load_study()
    for q in study.question:
        full, _, _ = question_experiment(q, DEFAULT_INDEX, quick=False)
        quick, source, _ = question_experiment(q, DEFAULT_INDEX, quick=True)
        assert source.endswith("(quick)")
        smaller = quick.replications < full.replications or (
            full.sweep is not None and quick.sweep.samples < full.sweep.samples
        )
        assert smaller, q.id


def test_the_report_answers_every_question_with_figures_and_numbers(study_dir):
    report = (study_dir / "REPORT.md").read_text()
    assert report.index("## The answers in short") < report.index("## 1. ")
    for title in [q.title for q in load_study().question]:
        assert title in report
    assert "## Robustness: where the answer flips" in report
    assert report.count("**Question.**") == 7 and report.count("**Answer.**") == 7
    assert report.count("**Caveats.**") == 7
    assert "95% confidence interval" in report and "paired" in report
    for line in report.splitlines():
        if line.startswith("!["):
            figure = study_dir / line.split("(")[1].rstrip(")")
            assert figure.exists() and figure.stat().st_size > 5_000, line
    assert "Sobol indices of sustained(pull) - sustained(push)" in report
    assert "sampled conditions" in report


def test_each_experiment_is_a_resumable_sweep_with_its_own_summary(study_dir, tiny_index):
    for question in load_study().question:
        results = study_dir / question.id
        assert (results / "summary.md").exists() and (results / "manifest.json").exists()
    before = pd.read_parquet(study_dir / "contest" / "runs.parquet")
    args = [
        "study",
        "--quick",
        "--workers",
        "1",
        "--index",
        str(tiny_index),
        "--out",
        str(study_dir),
        "--only",
        "contest",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    after = pd.read_parquet(study_dir / "contest" / "runs.parquet")
    assert after.drop(columns="duration").equals(before.drop(columns="duration"))


def test_bad_index_is_one_line_error(tmp_path):
    bad = tmp_path / "study.toml"
    bad.write_text(
        'title = "x"\n[[question]]\nid = "a"\nexperiment = "x.toml"\nanalysis = "pie"\n'
        'title = "t"\n'
    )
    result = CliRunner().invoke(app, ["study", "--index", str(bad), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "question.0.analysis" in result.output and "contest" in result.output
    assert not (tmp_path / "o").exists()


def test_merge_is_deep_and_leaves_its_inputs_alone():
    base = {"fixed": {"steps": 5, "a": 1}, "replications": 10}
    out = merge(base, {"fixed": {"steps": 7}, "replications": 2})
    assert out == {"fixed": {"steps": 7, "a": 1}, "replications": 2}
    assert base == {"fixed": {"steps": 5, "a": 1}, "replications": 10}


def test_missing_experiment_file_is_reported(tmp_path):
    index = tmp_path / "study.toml"
    index.write_text(
        'title = "x"\n[[question]]\nid = "a"\nexperiment = "nope.toml"\nanalysis = "grid"\n'
        'title = "t"\n'
    )
    with pytest.raises(ExperimentError, match="nope.toml: cannot read"):
        question_experiment(load_study(index).question[0], index, quick=True)
