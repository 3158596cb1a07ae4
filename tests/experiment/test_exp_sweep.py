"""Sweeps end to end: identical results on every executor, failures isolated, resume."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from exp_helpers import SMALL_SWEEP, failing_run, read_results, write
from pandas.testing import assert_frame_equal

from sim.experiment.plan import make_plan
from sim.experiment.runner import run_plan
from sim.experiment.spec import load_experiment


def small_plan(tmp_path, text=SMALL_SWEEP):
    path = write(tmp_path, text)
    exp, source_text = load_experiment(path)
    return make_plan(exp, str(path), source_text)


@pytest.fixture(scope="module")
def serial_result(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("serial")
    plan = small_plan(tmp)
    report = run_plan(plan, tmp / "out", workers=1)
    return plan, report, tmp / "out"


def test_serial_sweep_writes_tidy_tables_and_manifest(serial_result):
    plan, report, out = serial_result
    assert (report.total, report.ok, report.failed, report.skipped) == (12, 12, 0, 0)
    runs, ts = read_results(out)
    assert runs["run_id"].tolist() == list(range(12))
    assert runs["variant"].tolist() == ["push"] * 6 + ["pull"] * 6
    assert runs["vision.inclusion"].tolist() == [0.2, 0.2, 0.5, 0.5, 0.8, 0.8] * 2
    assert runs["seed"].tolist() == [t.seed for t in plan.tasks]
    assert (runs["status"] == "ok").all() and runs["error"].isna().all()
    assert runs["participation_mean"].between(0, 1).all()
    assert {"sustained_participation", "cost_per_progress", "retention"} <= set(runs.columns)
    ids = ["run_id", "variant", "point", "replication", "seed", "vision.inclusion", "step"]
    assert list(ts.columns) == [*ids, "participation", "intrinsic_motivation"]
    # Join-free: every row carries its run's identifiers and swept values.
    by_run = ts.drop_duplicates("run_id").set_index("run_id")
    for column in ids[1:-1]:
        assert by_run[column].tolist() == runs[column].tolist(), column
    assert ts.groupby("run_id")["step"].apply(list).tolist() == [list(range(3, 31, 3))] * 12
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["experiment_file"] == SMALL_SWEEP
    assert manifest["counts"]["ok"] == 12 and manifest["counts"]["missing"] == 0
    assert manifest["seeds"] == runs["seed"].tolist()
    assert manifest["design"]["points"] == [{"vision.inclusion": v} for v in (0.2, 0.5, 0.8)]
    assert manifest["started_at"] <= manifest["finished_at"]


def test_same_results_on_two_processes_and_on_a_dask_cluster(serial_result, tmp_path):
    from distributed import LocalCluster

    plan, _, serial_out = serial_result
    expected_runs, expected_ts = read_results(serial_out)
    run_plan(plan, tmp_path / "two", workers=2, batch_size=2)
    runs, ts = read_results(tmp_path / "two")
    assert_frame_equal(runs, expected_runs)
    assert_frame_equal(ts, expected_ts)
    with LocalCluster(
        n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None, processes=True
    ) as cluster:
        run_plan(plan, tmp_path / "dask", scheduler=cluster.scheduler_address, batch_size=3)
    runs, ts = read_results(tmp_path / "dask")
    assert_frame_equal(runs, expected_runs)
    assert_frame_equal(ts, expected_ts)
    # Identical files, not just identical contents: row groups do not follow the batches.
    expected_bytes = (serial_out / "timeseries.parquet").read_bytes()
    for other in ("two", "dask"):
        assert (tmp_path / other / "timeseries.parquet").read_bytes() == expected_bytes


def test_rerunning_a_finished_sweep_runs_nothing(serial_result):
    plan, _, out = serial_result
    before = read_results(out)
    report = run_plan(plan, out, workers=1)
    assert (report.skipped, report.ok, report.failed) == (12, 0, 0)
    after = read_results(out)
    assert_frame_equal(after[0], before[0])
    assert_frame_equal(after[1], before[1])


def test_a_failing_run_is_recorded_and_the_others_go_on(tmp_path):
    plan = small_plan(tmp_path)
    report = run_plan(plan, tmp_path / "out", workers=2, batch_size=4, run_fn=failing_run)
    assert (report.ok, report.failed) == (8, 4)
    runs, ts = read_results(tmp_path / "out")
    failed = runs[runs["status"] == "failed"]
    assert failed["vision.inclusion"].eq(0.5).all() and len(failed) == 4
    assert failed["error"].eq("RuntimeError: injected failure second line").all()
    assert failed["participation_mean"].isna().all()
    assert runs.loc[runs["status"] == "ok", "participation_mean"].notna().all()
    assert set(ts["run_id"]) == set(runs.loc[runs["status"] == "ok", "run_id"])


def test_resume_refuses_a_changed_experiment(serial_result, tmp_path):
    from sim.experiment.errors import ExperimentError

    _, _, out = serial_result
    changed = small_plan(tmp_path, SMALL_SWEEP.replace("replications = 2", "replications = 3"))
    with pytest.raises(ExperimentError, match="different version of experiment 'small'.*--fresh"):
        run_plan(changed, out, workers=1)


def test_fresh_starts_over(tmp_path):
    plan = small_plan(tmp_path)
    out = tmp_path / "out"
    run_plan(plan, out, workers=1, run_fn=failing_run)
    report = run_plan(plan, out, workers=1, fresh=True)
    assert (report.skipped, report.ok, report.failed) == (0, 12, 0)
    assert (pd.read_parquet(out / "runs.parquet")["status"] == "ok").all()


def test_a_dying_worker_keeps_finished_runs_and_a_resume_completes(tmp_path):
    from exp_helpers import crashing_run

    plan = small_plan(tmp_path)
    out = tmp_path / "out"
    report = run_plan(plan, out, workers=2, batch_size=2, run_fn=crashing_run)
    assert report.lost > 0 and "worker process died" in " ".join(report.errors)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts"]["missing"] > 0
    kept = pd.read_parquet(out / "runs.parquet")
    assert (kept["status"] == "ok").all() and kept["run_id"].is_unique
    report = run_plan(plan, out, workers=2)
    assert report.skipped == len(kept) and report.ok == 12 - len(kept)
    runs, _ = read_results(out)
    assert runs["run_id"].tolist() == list(range(12))


def test_resuming_with_other_code_warns(tmp_path):
    plan = small_plan(tmp_path)
    out = tmp_path / "out"
    run_plan(plan, out, workers=1, batch_size=4)
    last = sorted((out / "parts").glob("*.runs.parquet"))[-1]
    last.unlink()  # as if the session had been killed before its last batch
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["git_commit"] = "0" * 40
    (out / "manifest.json").write_text(json.dumps(manifest))
    report = run_plan(plan, out, workers=1)
    assert (report.skipped, report.ok) == (8, 4)
    assert any("resuming results of commit 0000000000" in w for w in report.warnings)
