"""Running one scenario in memory, and writing its outputs."""

from __future__ import annotations

import json
import math

import pytest

from sim.config import Scenario
from sim.loading import load_scenario
from sim.metrics import SUMMARY_KEYS, summarize, timeseries_columns
from sim.model import PushPullModel
from sim.outputs import OUTPUT_FILES, write_run
from sim.run import RunResult, run_scenario

SMALL = {"population.size": 80, "steps": 25}


def test_run_scenario_returns_the_series_and_summary() -> None:
    scenario = Scenario().with_overrides(SMALL)
    result = run_scenario(scenario)
    assert isinstance(result, RunResult)
    assert result.scenario is scenario
    assert len(result.timeseries) == 25
    assert list(result.timeseries.columns) == timeseries_columns(list(scenario.population.sectors))
    assert set(result.summary) == set(SUMMARY_KEYS)
    assert result.phase_steps == ()
    assert result.seconds > 0
    assert 0 <= result.summary["cant_not_share"] <= 1


def test_summary_is_a_function_of_the_time_series() -> None:
    scenario = Scenario().with_overrides(SMALL)
    result = run_scenario(scenario)
    again = summarize(result.timeseries, scenario, result.summary["cant_not_share"])
    assert again == result.summary


def test_run_matches_stepping_the_model_by_hand() -> None:
    scenario = Scenario().with_overrides(SMALL)
    model = PushPullModel(scenario)
    for _ in range(scenario.steps):
        model.step()
    result = run_scenario(scenario)
    assert result.timeseries.equals(model.metrics_frame())
    assert result.summary["cant_not_share"] == pytest.approx(model.cant_not().mean())


def test_on_step_callback_and_phase_steps() -> None:
    scenario = Scenario().with_overrides(
        {
            **SMALL,
            "schedule": [
                {"step": 20, "set": {"dialogue.rate": 0.0}},
                {"step": 10, "set": {"push.incentive": 0.5}},
            ],
        }
    )
    seen: list[int] = []
    result = run_scenario(scenario, on_step=seen.append)
    assert seen == list(range(1, 26))
    assert result.phase_steps == (10, 20)
    assert result.summary["retention"] is not None


def test_reporting_progress_leaves_the_run_unchanged() -> None:
    """With a bar (chunks of growing size) or a callback (every step), the same numbers."""
    scenario = Scenario().with_overrides({**SMALL, "dialogue.rate": 0.3})
    plain = run_scenario(scenario).timeseries
    assert run_scenario(scenario, progress=True).timeseries.equals(plain)
    assert run_scenario(scenario, on_step=lambda step: None).timeseries.equals(plain)
    assert len(plain) == 25


def test_write_run(tmp_path) -> None:
    result = run_scenario(load_scenario("hybrid", SMALL))
    paths = write_run(result, tmp_path / "nested" / "out")
    assert [p.name for p in paths] == list(OUTPUT_FILES)
    assert all(p.is_file() and p.stat().st_size > 0 for p in paths)
    folder = tmp_path / "nested" / "out"
    assert sorted(p.name for p in folder.iterdir()) == sorted(OUTPUT_FILES)  # no staging left
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["scenario"] == "hybrid" and summary["seed"] == 0 and "version" in summary
    for key in SUMMARY_KEYS:
        value = summary[key]
        assert value is None or not isinstance(value, float) or math.isfinite(value)
    # writing again replaces the files
    write_run(result, folder)
    assert sorted(p.name for p in folder.iterdir()) == sorted(OUTPUT_FILES)
