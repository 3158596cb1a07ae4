"""Results are never lost or silently wrong: damaged or missing part files are found and
rerun, ``--fresh`` deletes only what the tool wrote, and the consolidated bytes do not
depend on the worker count (issue 11, items 5, 7, 8 and 10)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from exp_helpers import SMALL_SWEEP, read_results, write
from pandas.testing import assert_frame_equal
from typer.testing import CliRunner

from sim import store
from sim.analysis.report import analyze_results
from sim.cli import app
from sim.experiment.plan import make_plan
from sim.experiment.runner import run_plan
from sim.experiment.spec import load_experiment

runner = CliRunner()


def plan_of(tmp_path, text=SMALL_SWEEP):
    spec, source = load_experiment(write(tmp_path, text))
    return make_plan(spec, "exp.toml", source)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """One uninterrupted sweep (serial, 12 runs) to compare every repaired one with."""
    tmp = tmp_path_factory.mktemp("reference")
    out = tmp / "out"
    run_plan(plan_of(tmp), out, workers=1, batch_size=3)
    return out


def damaged_copy(reference, tmp_path):
    """A copy of the reference results to damage."""
    import shutil

    out = tmp_path / "out"
    shutil.copytree(reference, out, ignore=shutil.ignore_patterns(".lock"))
    return out


def ts_parts(out):
    return sorted((out / "parts").glob("*.ts.parquet"))


def test_a_deleted_timeseries_part_is_rerun_not_lost(reference, tmp_path):
    out = damaged_copy(reference, tmp_path)
    ts_parts(out)[1].unlink()
    report = run_plan(plan_of(tmp_path), out, workers=1, batch_size=3)
    assert report.ok == 3 and report.skipped == 9  # the batch of the lost part ran again
    assert any("damaged or incomplete" in w for w in report.warnings)
    runs, ts = read_results(out)
    ref_runs, ref_ts = read_results(reference)
    assert_frame_equal(ts, ref_ts)
    assert_frame_equal(runs, ref_runs)


@pytest.mark.parametrize("kind", ["runs", "ts"])
def test_truncated_parts_count_as_unfinished_and_are_rerun(reference, tmp_path, kind):
    out = damaged_copy(reference, tmp_path)
    victim = sorted((out / "parts").glob(f"*.{kind}.parquet"))[2]
    victim.write_bytes(victim.read_bytes()[:100])
    report = run_plan(plan_of(tmp_path), out, workers=1, batch_size=3)
    assert report.ok == 3
    assert_frame_equal(read_results(out)[1], read_results(reference)[1])
    assert not list(out.glob(".*.tmp")) and not list((out / "parts").glob(".*.tmp"))


def test_a_part_damaged_after_the_check_is_dropped_at_consolidation(tmp_path):
    parts = store.PartStore(tmp_path, "f")
    parts.open()
    from test_exp_store import SCHEMA, batch

    parts.write_batch(*batch([0, 1]))
    parts.write_batch(*batch([2]))
    bad = ts_parts(tmp_path)[1]
    bad.write_bytes(bad.read_bytes()[:-40])  # footer gone: unreadable
    assert parts.consolidate(SCHEMA) == (2, 6)  # runs 0, 1; run 2 left for a resume
    assert not list(tmp_path.glob(".*.tmp"))
    assert pd.read_parquet(tmp_path / store.RUNS_FILE)["run_id"].tolist() == [0, 1]


def test_a_truncated_manifest_resumes_from_the_parts(reference, tmp_path):
    out = damaged_copy(reference, tmp_path)
    manifest = out / store.MANIFEST_FILE
    manifest.write_text(manifest.read_text()[:50])
    report = run_plan(plan_of(tmp_path), out, workers=1)
    assert report.skipped == 12 and report.ok == 0
    assert json.loads(manifest.read_text())["counts"]["finished"] == 12


def test_a_truncated_manifest_is_one_line_for_analyze(reference, tmp_path):
    out = damaged_copy(reference, tmp_path)
    (out / store.MANIFEST_FILE).write_text("{")
    result = runner.invoke(app, ["analyze", str(out)])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "manifest.json: unreadable" in result.stderr


def test_fresh_deletes_only_what_the_tool_wrote(reference, tmp_path):
    out = damaged_copy(reference, tmp_path)
    analyze_results(out)
    mine = {
        "figures/my_plot.png": b"user figure",
        "report.md": b"my report",
        "sensitivity.csv": b"a,b\n",
        "parts/notes.txt": b"my notes",
    }
    for name, data in mine.items():
        (out / name).write_bytes(data)
    (out / "summary.md").write_text("edited by the user")  # same name as analyze's output
    written = json.loads((out / store.MANIFEST_FILE).read_text())["outputs"]
    assert "summary.md" in written and any(n.startswith("figures/") for n in written)
    exp = write(tmp_path, SMALL_SWEEP)
    result = runner.invoke(app, ["sweep", str(exp), "--out", str(out), "--fresh", "--workers", "1"])
    assert result.exit_code == 0, result.output
    for name, data in mine.items():
        assert (out / name).read_bytes() == data
    assert (out / "summary.md").read_text() == "edited by the user"
    assert sorted(p.name for p in (out / "figures").iterdir()) == ["my_plot.png"]


def test_consolidated_bytes_do_not_depend_on_workers_or_batches(reference, tmp_path):
    out = tmp_path / "two"
    run_plan(plan_of(tmp_path), out, workers=2, batch_size=1)
    a = (reference / store.TIMESERIES_FILE).read_bytes()
    assert (out / store.TIMESERIES_FILE).read_bytes() == a
