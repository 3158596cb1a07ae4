"""``analyze`` on tiny real result sets: figures, summary.md, sensitivity.csv.

Analysis must not mislead: the endpoint chart comes first, design points are never pooled,
every metric is defined, every number says how many runs it rests on.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.analysis import stats
from sim.analysis.labels import metric_label
from sim.analysis.report import analyze_results, schedule_marks, series_labels
from sim.analysis.summary_md import answer_lines
from sim.cli import app
from sim.experiment.plan import make_plan
from sim.experiment.runner import run_plan
from sim.experiment.spec import parse_experiment
from sim.metrics import SUMMARY_KEYS

TINY = {"population.size": 60, "steps": 30}


def run_small(out, **data):
    data.setdefault("fixed", TINY)
    exp = parse_experiment({"name": "t", "base": "multi_sector_pull", **data}, "t")
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


@pytest.fixture(scope="module")
def control_results(tmp_path_factory):
    """No sweep; a control, a lever kept and the same lever withdrawn at step 11."""
    out = tmp_path_factory.mktemp("control") / "out"
    return run_small(
        out,
        replications=4,
        control="none",
        fixed={**TINY, "vision.mode": "none"},
        variants={
            "none": {},
            "push": {"push.incentive": 0.8},
            "withdrawn": {
                "push.incentive": 0.8,
                "schedule": [{"step": 11, "set": {"push.incentive": 0.0}}],
            },
        },
        output={"timeseries": ["participation"]},
    )


def test_a_sweep_is_never_pooled(grid_results):
    result = CliRunner().invoke(app, ["analyze", str(grid_results)])
    assert result.exit_code == 0, result.output
    figs = grid_results / "figures"
    expected = {
        "endpoint_sustained_participation.png",  # one row per variant and design point
        "response_vision.inclusion.png",
        "response_dialogue.confidence.png",
        "response_vision.mode.png",  # categorical levels get a figure too
    }
    # 16 series (2 variants x 8 points) are too many for one time-series figure, and a
    # heatmap of two of three swept parameters would average over the third: neither drawn.
    assert {p.name for p in figs.iterdir()} == expected
    assert all((figs / name).stat().st_size > 10_000 for name in expected)
    assert not (grid_results / "sensitivity.csv").exists()  # grid: no indices
    text = (grid_results / "summary.md").read_text()
    assert "time series not drawn: 16 lines" in text
    assert "pool" not in text.replace("nothing is pooled", "")


def test_summary_answers_first_with_one_row_per_variant_and_point(grid_results):
    analyze_results(grid_results)
    text = (grid_results / "summary.md").read_text()
    assert text.index("## The answer") < text.index("## One row per variant and design point")
    assert "The answer depends on the design point. Of the 8 design points" in text
    assert "19 times out of 20" in text and "paired difference" in text
    table = text.split("## One row per variant and design point")[1].split("\n## ")[0]
    rows = [
        line
        for line in table.splitlines()
        if line.startswith("| push") or line.startswith("| pull")
    ]
    assert len(rows) == 16
    runs = pd.read_parquet(grid_results / "runs.parquet")
    header = table.strip().splitlines()[0]
    column = [c.strip() for c in header.strip("|").split("|")].index("Mean participation")
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        mean, low, high = map(float, re.match(r"(\S+) \[(\S+), (\S+)\]", cells[column]).groups())
        assert low <= mean <= high
        inclusion, confidence, mode = float(cells[1]), float(cells[2]), cells[3]
        assert cells[4] == "3"  # the runs each number of the row rests on
        group = runs[
            (runs["variant"] == cells[0])
            & (runs["vision.inclusion"] == inclusion)
            & (runs["dialogue.confidence"] == confidence)
            & (runs["vision.mode"] == mode)
        ]
        assert len(group) == 3
        assert mean == pytest.approx(group["participation_mean"].mean(), rel=5e-3)
    csv = pd.read_csv(grid_results / "summary.csv")
    assert len(csv[csv["metric"] == "sustained_participation"]) == 16


def test_every_metric_shown_is_defined(grid_results):
    analyze_results(grid_results)
    text = (grid_results / "summary.md").read_text()
    definitions = text.split("## What the metrics mean")[1]
    for metric in SUMMARY_KEYS:
        line = next(li for li in definitions.splitlines() if f"(`{metric}`)" in li)
        assert f"**{metric_label(metric)}**" in line
        assert "not yet described" not in line


def test_answer_comes_first_and_compares_with_the_control(control_results):
    analyze_results(control_results)
    text = (control_results / "summary.md").read_text()
    answer = text.split("## The answer")[1].split("## How to read")[0]
    assert re.search(r"\*\*push\*\* sustained the most participation: .* pairs\): the", answer)
    assert "the control (**none**)" in answer
    assert "## Difference from the control (none), paired on common seeds" in text
    assert (control_results / "figures" / "timeseries_participation.png").exists()
    assert text.index("endpoint_sustained_participation.png") < text.index("## How to read")


def synthetic_runs(values: dict[str, list[float]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = [
        {
            "run_id": i,
            "variant": v,
            "point": 0,
            "replication": r,
            "status": "ok",
            "sustained_participation": x,
        }
        for i, (v, r, x) in enumerate(
            (v, r, x) for v, xs in values.items() for r, x in enumerate(xs)
        )
    ]
    runs = pd.DataFrame(rows).assign(series=lambda f: f["variant"])
    summary = stats.summarize(runs, ["sustained_participation"], by=["variant", "point"])
    return runs, summary.assign(series=summary["variant"])


def test_a_withdrawn_lever_ending_below_the_control_is_said_with_its_paired_gap():
    runs, summary = synthetic_runs(
        {
            "none": [0.30, 0.32, 0.28, 0.31],
            "push": [0.60, 0.61, 0.59, 0.62],
            "withdrawn": [0.10, 0.13, 0.09, 0.12],
        }
    )
    text = "\n".join(answer_lines(runs, summary, "none"))
    assert "**push** sustained the most participation: 60.5% of actors" in text
    assert "30.2 percentage points ahead of **none**" in text and "the lead is clear." in text
    assert (
        "Ending below the control without any lever (**none**): **withdrawn** (-19.2 points" in text
    )


def test_overlapping_variants_are_not_called_different():
    runs, summary = synthetic_runs({"a": [0.50, 0.40, 0.60], "b": [0.45, 0.52, 0.50]})
    text = "\n".join(answer_lines(runs, summary, None))
    assert "the two are not reliably different." in text


def test_time_to_half_says_over_how_many_runs(control_results):
    analyze_results(control_results)
    runs = pd.read_parquet(control_results / "runs.parquet")
    text = (control_results / "summary.md").read_text()
    for variant, group in runs.groupby("variant"):
        reached = int(group["time_to_half_participation"].notna().sum())
        row = next(li for li in text.splitlines() if li.startswith(f"| {variant} |"))
        if 0 < reached < len(group):
            assert f"({reached} of {len(group)} runs)" in row
        elif reached == 0:
            assert "n/a (0 runs)" in row


def test_policy_changes_are_marked_only_on_their_own_series(control_results):
    import json

    manifest = json.loads((control_results / "manifest.json").read_text())
    runs = pd.read_parquet(control_results / "runs.parquet")
    runs = runs.assign(series=series_labels(runs, manifest["design"]))
    assert schedule_marks(manifest, runs) == {"none": [], "push": [], "withdrawn": [11]}


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
    text = (out / "summary.md").read_text()
    assert "## Most influential parameter per metric" in text
    assert "ranged from" in text  # one variant over many points: the range, not a mean
