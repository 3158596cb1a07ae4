"""Metrics: time-series columns, recorder, vision dispersion and clusters, run summary."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.clusters import count_clusters, vision_dispersion
from sim.config import Scenario
from sim.metrics import (
    BASE_COLUMNS,
    SUMMARY_KEYS,
    Recorder,
    summarize,
    timeseries_columns,
)
from sim.outputs import json_ready

REQUIRED_COLUMNS = {
    "step",
    "participation",
    "intrinsic_motivation",
    "habit",
    "alignment",
    "ownership",
    "progress",
    "incentive_spend",
    "vision_dispersion",
    "vision_clusters",
}


def test_timeseries_columns() -> None:
    columns = timeseries_columns(["a", "b"])
    assert columns[:4] == ["step", "participation", "participation_a", "participation_b"]
    assert set(columns) >= REQUIRED_COLUMNS
    assert set(columns) == {"step", "participation_a", "participation_b", *BASE_COLUMNS}
    assert len(columns) == len(set(columns))


def test_summary_keys() -> None:
    assert set(SUMMARY_KEYS) == {
        "participation_mean",
        "participation_final",
        "sustained_participation",
        "retention",
        "progress_total",
        "incentive_spend_total",
        "spend_total",
        "cost_per_progress",
        "time_to_half_participation",
        "sector_balance",
        "vision_clusters_final",
        "ownership_mean",
        "cant_not_share",
    }


def test_recorder_grows_and_fills_missing_with_nan() -> None:
    columns = timeseries_columns(["a"])
    recorder = Recorder(columns, capacity=2)
    for step in range(1, 6):
        row = {"step": step, "participation": step / 10, "vision_clusters": 1}
        recorder.record({**row, "dialogue_pairs": 2})
    frame = recorder.frame()
    assert len(frame) == 5 and list(frame.columns) == columns
    assert frame["step"].tolist() == [1, 2, 3, 4, 5]
    assert frame["step"].dtype == np.int64 and frame["vision_clusters"].dtype == np.int64
    assert frame["participation"].tolist() == pytest.approx([0.1, 0.2, 0.3, 0.4, 0.5])
    assert frame["habit"].isna().all()
    frame.loc[0, "participation"] = 9.0  # frames are copies
    assert recorder.frame().loc[0, "participation"] == pytest.approx(0.1)


def test_vision_dispersion() -> None:
    assert vision_dispersion(np.full((10, 3), 0.4)) == pytest.approx(0.0, abs=1e-12)
    two = np.array([[0.0, 0.0], [1.0, 1.0]])
    assert vision_dispersion(two) == pytest.approx(0.5)  # each is RMS 0.5 from the centre
    rng = np.random.default_rng(0)
    narrow, wide = 0.5 + 0.05 * rng.standard_normal((200, 4)), rng.random((200, 4))
    assert vision_dispersion(narrow) < vision_dispersion(wide)


def test_count_clusters_of_separated_groups() -> None:
    rng = np.random.default_rng(1)
    centres = np.array([[0.1, 0.1, 0.1], [0.5, 0.5, 0.5], [0.9, 0.1, 0.9]])
    groups = [c + 0.005 * rng.standard_normal((100, 3)) for c in centres]
    vision = np.clip(np.vstack(groups), 0, 1)
    assert count_clusters(vision, 0.05) == 3
    assert count_clusters(vision[:100], 0.05) == 1
    assert count_clusters(np.full((50, 3), 0.3), 0.05) == 1
    # a large linkage distance joins everything
    assert count_clusters(vision, 1.0) == 1


def test_count_clusters_ignores_tiny_groups() -> None:
    vision = np.vstack([np.full((500, 2), 0.2), np.full((3, 2), 0.8)])  # 3 < 1% of 503
    assert count_clusters(vision, 0.05) == 1
    assert count_clusters(np.array([[0.1], [0.9]]), 0.05) == 0  # singletons are no clusters


def test_count_clusters_many_dimensions() -> None:
    # 50 dimensions: 50 table rows a vision (an integer cell key would overflow int64)
    rng = np.random.default_rng(2)
    a = 0.2 + 0.001 * rng.random((60, 50))
    b = 0.8 + 0.001 * rng.random((60, 50))
    assert count_clusters(np.vstack([a, b]), 0.05) == 2


def test_uniform_visions_form_no_big_clusters() -> None:
    vision = np.random.default_rng(3).random((300, 5))
    assert count_clusters(vision, 0.05) == 0


# -- summary ----------------------------------------------------------------------------------


def frame(participation, sectors=None, progress_rate=None, spend=None, ownership=None):
    n = len(participation)
    part = np.asarray(participation, dtype=float)
    rate = np.full(n, 0.1) if progress_rate is None else np.asarray(progress_rate, float)
    data = {
        "step": np.arange(1, n + 1),
        "participation": part,
        "progress": np.cumsum(rate),
        "incentive_spend": np.zeros(n) if spend is None else np.asarray(spend, float),
        "spend": 2 * (np.zeros(n) if spend is None else np.asarray(spend, float)),
        "vision_clusters": np.full(n, 3),
        "ownership": np.zeros(n) if ownership is None else np.asarray(ownership, float),
    }
    for name, values in (sectors or {"a": part, "b": part}).items():
        data[f"participation_{name}"] = np.asarray(values, float)
    return pd.DataFrame(data)


def test_summary_of_a_known_series() -> None:
    part = [0.1, 0.2, 0.3, 0.6, 0.7, 0.5, 0.4, 0.8, 0.9, 0.6]
    ts = frame(part, spend=[1.0] * 10, ownership=np.linspace(0, 0.9, 10))
    summary = summarize(ts, Scenario(steps=10), cant_not_share=0.25)
    assert set(summary) == set(SUMMARY_KEYS)
    assert summary["participation_mean"] == pytest.approx(np.mean(part))
    assert summary["participation_final"] == 0.6
    assert summary["sustained_participation"] == pytest.approx(0.75)  # last 20%: 0.9, 0.6
    assert summary["retention"] is None  # no schedule
    assert summary["progress_total"] == pytest.approx(1.0)
    assert summary["incentive_spend_total"] == 10.0
    assert summary["spend_total"] == 20.0  # incentives plus convening and accountability
    assert summary["cost_per_progress"] == pytest.approx(20.0)  # every cost counts
    assert summary["time_to_half_participation"] == 4
    assert summary["sector_balance"] == pytest.approx(1.0)
    assert summary["vision_clusters_final"] == 3
    assert summary["ownership_mean"] == pytest.approx(0.45)
    assert summary["cant_not_share"] == 0.25


def test_summary_edge_cases() -> None:
    ts = frame([0.1] * 5, progress_rate=[0.0] * 5)
    summary = summarize(ts, Scenario(steps=5), cant_not_share=0.0)
    assert summary["cost_per_progress"] is None
    assert summary["time_to_half_participation"] is None
    assert summary["sustained_participation"] == pytest.approx(0.1)


def test_sector_balance_falls_with_inequality() -> None:
    n = 10
    equal = frame([0.5] * n, sectors={"a": [0.5] * n, "b": [0.5] * n})
    uneven = frame([0.5] * n, sectors={"a": [0.9] * n, "b": [0.1] * n})
    one = frame([0.5] * n, sectors={"a": [1.0] * n, "b": [0.0] * n})
    balances = [
        summarize(ts, Scenario(steps=n), 0.0)["sector_balance"] for ts in (equal, uneven, one)
    ]
    assert balances[0] == pytest.approx(1.0)
    assert balances[0] > balances[1] > balances[2]
    assert balances[2] == pytest.approx(0.5)  # Gini of (1, 0) is 1/2


def test_retention_compares_after_with_before_the_last_change() -> None:
    scenario = Scenario(steps=10, schedule=[{"step": 7, "set": {"push.incentive": 0.0}}])
    part = [0.1, 0.2, 0.3, 0.4, 0.8, 0.6, 0.5, 0.4, 0.3, 0.2]
    summary = summarize(frame(part), scenario, 0.0)
    # window: ceil(0.2 * 10) = 2 steps before step 7 (steps 5, 6); after: last 2 steps
    assert summary["retention"] == pytest.approx(((0.3 + 0.2) / 2) / ((0.8 + 0.6) / 2))


def test_retention_none_when_nobody_acted_before() -> None:
    scenario = Scenario(steps=10, schedule=[{"step": 7, "set": {"push.incentive": 0.0}}])
    assert summarize(frame([0.0] * 6 + [0.5] * 4), scenario, 0.0)["retention"] is None


def test_json_ready_replaces_non_finite_numbers() -> None:
    ready = json_ready({"a": math.inf, "b": math.nan, "c": 1.5, "d": None, "e": 3})
    assert ready == {"a": None, "b": None, "c": 1.5, "d": None, "e": 3}


def test_cluster_every_counts_on_multiples_and_the_last_step_exactly() -> None:
    from sim.config import load_scenario
    from sim.run import run_scenario

    scenario = load_scenario("multi_sector_pull").with_overrides({"steps": 25})
    exact = run_scenario(scenario).timeseries
    sparse = run_scenario(scenario.with_overrides({"metrics.cluster_every": 10})).timeseries
    counted = sparse["step"].isin([10, 20, 25])
    assert sparse.loc[~counted, "vision_clusters"].isna().all()
    assert (sparse.loc[counted, "vision_clusters"] == exact.loc[counted, "vision_clusters"]).all()
    others = [c for c in exact.columns if c != "vision_clusters"]
    pd.testing.assert_frame_equal(sparse[others], exact[others])
