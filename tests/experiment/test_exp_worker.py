"""The worker side: one batch in, tidy tables out, whatever the runs do."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.experiment.worker import Batch, Task, run_batch


class FakeConfig:
    """Stands in for a Scenario: records the overrides it was given."""

    def __init__(self, overrides=None):
        self.overrides = overrides or {}

    def with_overrides(self, overrides):
        return FakeConfig({**self.overrides, **overrides})


def fake_run(cfg):
    if cfg.overrides.get("x") == "boom":
        raise ValueError("bad\nthing")
    steps = np.arange(1, 7)
    ts = pd.DataFrame({"step": steps, "a": steps * 0.5, "label": ["s"] * 6})
    return {"m": cfg.overrides["seed"] % 7, "none": None}, ts


def make_batch(points, every=2, columns=("a", "missing", "label")):
    tasks = [Task(i, "v", i, 0, 100 + i) for i in range(len(points))]
    return Batch(
        tasks=tasks,
        configs={"v": FakeConfig()},
        points=dict(enumerate(points)),
        metrics=["m", "none"],
        columns=list(columns),
        numeric=[True, True, False][: len(columns)],
        every=every,
        run_fn=fake_run,
        param_names=["x"],
    )


def test_batch_tables_have_fixed_types_and_kept_steps():
    runs, ts = run_batch(make_batch([{"x": 1}, {"x": [1, 2]}]))
    assert runs["run_id"].tolist() == [0, 1]
    assert runs["x"].tolist() == [1, "[1, 2]"]  # a list level is stored as JSON text
    assert runs["m"].tolist() == [100 % 7, 101 % 7] and runs["m"].dtype == "float64"
    assert runs["none"].isna().all() and runs["none"].dtype == "float64"
    assert runs["status"].tolist() == ["ok", "ok"]
    ids = ["run_id", "variant", "point", "replication", "seed", "x", "step"]
    assert list(ts.columns) == [*ids, "a", "missing", "label"]
    assert ts["x"].tolist() == [1] * 3 + ["[1, 2]"] * 3  # the swept value on every row
    assert ts["step"].tolist() == [2, 4, 6, 2, 4, 6]
    assert ts["a"].tolist() == [1.0, 2.0, 3.0] * 2
    assert ts["missing"].isna().all() and ts["missing"].dtype == "float64"
    assert ts["label"].tolist() == ["s"] * 6


def test_a_raising_run_is_a_failed_row_with_a_one_line_error():
    runs, ts = run_batch(make_batch([{"x": "boom"}, {"x": 2}]))
    failed = runs.iloc[0]
    assert failed["status"] == "failed" and failed["error"] == "ValueError: bad thing"
    assert math.isnan(failed["m"]) and failed["duration"] >= 0
    assert runs.iloc[1]["status"] == "ok"
    assert set(ts["run_id"]) == {1}


def test_no_kept_columns_means_no_timeseries():
    runs, ts = run_batch(make_batch([{"x": 1}], columns=()))
    assert ts is None and len(runs) == 1


def test_replications_get_the_scenario_a_full_validation_gives():
    from sim.config import load_scenario
    from sim.experiment.worker import _config

    base = load_scenario("multi_sector_pull")
    points = {0: {"vision.inclusion": 0.3, "population.sectors": {"a": 0.6, "b": 0.4}}, 1: {}}
    batch = Batch(
        tasks=[],
        configs={"v": base},
        points=points,
        metrics=[],
        columns=[],
        numeric=[],
        every=1,
    )
    cache = {}
    for point in points:
        for seed in (0, 5, 2**63 - 1):
            got = _config(batch, Task(0, "v", point, 0, seed), cache)
            assert got == base.with_overrides({**points[point], "seed": seed})


def test_the_models_record_is_kept_as_its_data_frame_would_be():
    """Sweeps keep the model's float record without building a DataFrame: same tables."""
    from sim.config import load_scenario
    from sim.experiment.worker import execute_run
    from sim.metrics import SUMMARY_KEYS
    from sim.run import run_scenario

    def via_frame(cfg):
        result = run_scenario(cfg)
        return result.summary, result.timeseries

    base = load_scenario("multi_sector_pull").with_overrides({"steps": 12})
    columns = [c for c in via_frame(base)[1].columns if c != "step"]
    columns += ["participation_elsewhere", "a_label"]

    def batch(run_fn):
        return Batch(
            tasks=[Task(i, "v", 0, i, 7 + i) for i in range(3)],
            configs={"v": base},
            points={0: {}},
            metrics=list(SUMMARY_KEYS),
            columns=columns,
            numeric=[True] * (len(columns) - 1) + [False],
            every=3,
            run_fn=run_fn,
        )

    runs, ts = run_batch(batch(execute_run))
    runs_df, ts_df = run_batch(batch(via_frame))
    assert ts["step"].tolist() == [3, 6, 9, 12] * 3
    assert ts["participation_elsewhere"].isna().all() and ts["a_label"].isna().all()
    pd.testing.assert_frame_equal(ts, ts_df)
    pd.testing.assert_frame_equal(runs.drop(columns="duration"), runs_df.drop(columns="duration"))
