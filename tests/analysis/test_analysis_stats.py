"""Confidence intervals, streamed time-series bands and SALib sensitivity wiring."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from sim.analysis import sensitivity, stats
from sim.experiment.design import build_design
from sim.experiment.spec import Sweep


def test_mean_ci_matches_the_t_interval():
    values = [0.2, 0.4, 0.35, 0.5, np.nan]
    mean, low, high, n = stats.mean_ci(values)
    finite = np.array(values[:4])
    ref = sps.t.interval(0.95, 3, loc=finite.mean(), scale=sps.sem(finite))
    assert n == 4 and mean == pytest.approx(finite.mean())
    assert (low, high) == pytest.approx(ref)
    assert np.isnan(stats.mean_ci([3.0])[1:3]).all()  # no interval from a single value


def test_summarize_ignores_failed_runs_and_brackets_the_mean():
    runs = pd.DataFrame(
        {
            "variant": ["a"] * 4 + ["b"] * 3,
            "status": ["ok", "ok", "ok", "failed", "ok", "ok", "ok"],
            "m": [1.0, 2.0, 3.0, 100.0, 5.0, 5.5, np.nan],
        }
    )
    table = stats.summarize(runs, ["m"]).set_index("variant")
    assert table.loc["a", "n"] == 3 and table.loc["a", "mean"] == 2.0
    assert table.loc["b", "n"] == 2 and table.loc["b", "mean"] == 5.25
    assert (table["low"] < table["mean"]).all() and (table["mean"] < table["high"]).all()


def test_streamed_bands_equal_a_direct_groupby(tmp_path):
    rng = np.random.default_rng(0)
    runs = pd.DataFrame({"run_id": range(10), "variant": ["a"] * 6 + ["b"] * 4})
    ts = pd.DataFrame(
        {"run_id": np.repeat(range(10), 5), "step": np.tile(range(1, 6), 10), "x": rng.random(50)}
    )
    ts.loc[7, "x"] = np.nan  # a missing value is left out of its step's statistics
    ts.to_parquet(tmp_path / "ts.parquet")
    bands = stats.series_bands(tmp_path / "ts.parquet", runs, ["x"], chunk_rows=7)
    merged = ts.merge(runs, on="run_id")
    for (variant, step), group in merged.groupby(["variant", "step"]):
        row = bands[(bands["variant"] == variant) & (bands["step"] == step)].iloc[0]
        mean, low, high, n = stats.mean_ci(group["x"].to_numpy())
        assert row["n"] == n
        assert (row["mean"], row["low"], row["high"]) == pytest.approx((mean, low, high))


def _synthetic_runs(design, fn, replications=2):
    rows = []
    for point, values in enumerate(design.points):
        for _rep in range(replications):
            rows.append({"variant": "v", "point": point, "status": "ok", "y": fn(values)})
    return pd.DataFrame(rows)


def test_sobol_indices_find_the_only_influential_parameter():
    sweep = Sweep(
        design="sobol",
        samples=256,
        parameters={"a": {"low": 0, "high": 1}, "b": {"low": 0, "high": 1}},
    )
    design = build_design(sweep, 1)
    runs = _synthetic_runs(design, lambda p: 5 * p["a"] + 0.01 * p["b"])
    indices, notes = sensitivity.compute(runs, design.to_json(), ["y"])
    st = indices[indices["index"] == "ST"].set_index("parameter")["value"]
    assert st["a"] > 0.95 and st["b"] < 0.01
    assert notes == []


def test_morris_ranks_parameters_and_skips_constant_metrics():
    sweep = Sweep(
        design="morris",
        samples=20,
        parameters={"a": {"low": 0, "high": 1}, "b": {"low": 0, "high": 1}},
    )
    design = build_design(sweep, 2)
    runs = _synthetic_runs(design, lambda p: 3 * p["a"] + p["b"])
    runs["flat"] = 1.0
    indices, notes = sensitivity.compute(runs, design.to_json(), ["y", "flat"])
    mu_star = indices[indices["index"] == "mu_star"].set_index("parameter")["value"]
    assert mu_star["a"] == pytest.approx(3.0) and mu_star["b"] == pytest.approx(1.0)
    assert notes == ["v/flat: skipped, constant over the design"]
