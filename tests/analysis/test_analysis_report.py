"""``analyze`` on tiny real result sets: figures, summary.md, sensitivity.csv."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.analysis.report import analyze_results
from sim.cli import app
from sim.experiment.plan import make_plan
from sim.experiment.runner import run_plan
from sim.experiment.spec import parse_experiment

TINY = {"population.size": 60, "steps": 30}


def run_small(out, **data):
    exp = parse_experiment({"name": "t", "base": "multi_sector_pull", "fixed": TINY, **data}, "t")
    run_plan(make_plan(exp, "t"), out, workers=1)
    return out


@pytest.fixture(scope="module")
def grid_results(tmp_path_factory):
    out = tmp_path_factory.mktemp("grid") / "out"
    return run_small(
        out,
        replications=3,
        variants={"push": {"push.incentive": 0.6}, "pull": {}},
        sweep={
            "parameters": {
                "vision.inclusion": [0.2, 0.8],
                "dialogue.confidence": [0.1, 0.3],
                "vision.mode": ["imposed", "co_created"],
            }
        },
        output={"timeseries": ["participation", "ownership"]},
    )


def test_analyze_grid_writes_nonempty_figures(grid_results):
    result = CliRunner().invoke(app, ["analyze", str(grid_results)])
    assert result.exit_code == 0, result.output
    figs = grid_results / "figures"
    expected = {
        "timeseries_participation.png",
        "timeseries_ownership.png",
        "response_vision.inclusion.png",
        "response_dialogue.confidence.png",
        "response_vision.mode.png",  # categorical levels get a figure too
        "heatmap_vision.inclusion_dialogue.confidence_sustained_participation.png",
    }
    assert {p.name for p in figs.iterdir()} == expected
    assert all((figs / name).stat().st_size > 10_000 for name in expected)
    assert not (grid_results / "sensitivity.csv").exists()  # grid: no indices


def test_summary_table_has_every_variant_and_cis_contain_means(grid_results):
    analyze_results(grid_results)
    text = (grid_results / "summary.md").read_text()
    assert "| metric | push | pull |" in text
    assert "## In plain words" in text and "pool all design points" in text
    assert "sustained the most participation" in text
    runs = pd.read_parquet(grid_results / "runs.parquet")
    row = next(line for line in text.splitlines() if line.startswith("| participation_mean |"))
    cells = [c.strip() for c in row.strip("|").split("|")[1:]]
    for variant, cell in zip(["push", "pull"], cells, strict=True):
        mean, low, high = map(float, re.match(r"(\S+) \[(\S+), (\S+)\]", cell).groups())
        assert low <= mean <= high
        actual = runs.loc[runs["variant"] == variant, "participation_mean"].mean()
        assert mean == pytest.approx(actual, rel=5e-3)


def test_analyze_sobol_writes_sensitivity_csv_and_bars(tmp_path):
    out = run_small(
        tmp_path / "sobol",
        sweep={
            "design": "sobol",
            "samples": 4,
            "parameters": {
                "push.incentive": {"low": 0.0, "high": 1.0},
                "vision.inclusion": {"low": 0.0, "high": 1.0},
            },
        },
        output={"timeseries": "none"},
    )
    written = analyze_results(out)
    table = pd.read_csv(out / "sensitivity.csv")
    assert set(table["index"]) == {"S1", "ST"}
    assert set(table["parameter"]) == {"push.incentive", "vision.inclusion"}
    assert "participation_mean" in set(table["metric"])
    bars = out / "figures" / "sensitivity_participation_mean.png"
    assert bars in written and bars.stat().st_size > 10_000
    assert "## Most influential parameter per metric" in (out / "summary.md").read_text()
