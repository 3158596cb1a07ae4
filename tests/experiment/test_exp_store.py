"""Part files: atomic commits, debris removal, sorted de-duplicated consolidation."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from sim import store

SCHEMA = pa.schema([("run_id", pa.int64()), ("step", pa.int64()), ("x", pa.float64())])


def batch(ids):
    runs = pd.DataFrame({"run_id": ids, "status": ["ok"] * len(ids), "m": [float(i) for i in ids]})
    ts = pd.DataFrame(
        {
            "run_id": [i for i in ids for _ in range(3)],
            "step": [s for _ in ids for s in (1, 2, 3)],
            "x": [i * 10.0 + s for i in ids for s in (1, 2, 3)],
        }
    )
    return runs, ts


def test_batches_consolidate_sorted_whatever_the_finishing_order(tmp_path):
    parts = store.PartStore(tmp_path)
    parts.open()
    for ids in ([4, 5], [0, 1], [2, 3]):
        parts.write_batch(*batch(ids))
    assert sorted(parts.finished()["run_id"]) == [0, 1, 2, 3, 4, 5]
    assert parts.consolidate(SCHEMA) == (6, 18)
    runs = pd.read_parquet(tmp_path / store.RUNS_FILE)
    ts = pd.read_parquet(tmp_path / store.TIMESERIES_FILE)
    assert runs["run_id"].tolist() == [0, 1, 2, 3, 4, 5]
    assert ts["run_id"].tolist() == [i for i in range(6) for _ in range(3)]
    assert ts["x"].tolist() == [i * 10.0 + s for i in range(6) for s in (1, 2, 3)]


def test_open_removes_temporaries_and_uncommitted_timeseries(tmp_path):
    parts = store.PartStore(tmp_path)
    parts.open()
    parts.write_batch(*batch([0]))
    # Debris of a session killed mid-write: a temp file and a time series whose runs file
    # (the commit marker) was never written.
    (parts.parts / ".000000001-000000001-dead.runs.parquet.abcd.tmp").write_bytes(b"PAR1 partial")
    _, ts = batch([1])
    store.write_parquet_atomic(ts, parts.parts / "000000001-000000001-dead.ts.parquet")
    parts.open()
    names = sorted(p.name for p in parts.parts.iterdir())
    assert len(names) == 2 and all(n.startswith("000000000-") for n in names)
    assert parts.finished()["run_id"].tolist() == [0]


def test_duplicate_runs_are_kept_once(tmp_path):
    parts = store.PartStore(tmp_path)
    parts.open()
    parts.write_batch(*batch([0, 1]))
    parts.write_batch(*batch([1]))
    assert parts.consolidate(SCHEMA) == (2, 6)
    ts = pd.read_parquet(tmp_path / store.TIMESERIES_FILE)
    assert ts.groupby("run_id").size().tolist() == [3, 3]


def test_parts_unlike_a_sweeps_are_sorted_filtered_and_cast(tmp_path):
    """Consolidation copies a sweep's parts as they are; any other part is conformed."""
    parts = store.PartStore(tmp_path)
    parts.open()
    runs, ts = batch([0, 1])
    stray = pd.DataFrame({"run_id": [7], "step": [1], "x": [0.5]})  # not a run of this batch
    ts = pd.concat([ts.iloc[::-1], stray]).astype({"x": "int64"})  # reversed, x as integers
    parts.write_batch(runs, ts)
    parts.write_batch(*batch([2]))
    assert parts.consolidate(SCHEMA) == (3, 9)
    got = pd.read_parquet(tmp_path / store.TIMESERIES_FILE)
    pd.testing.assert_frame_equal(
        got, pd.concat([batch([0, 1])[1], batch([2])[1]], ignore_index=True)
    )


def test_clear_removes_only_owned_files(tmp_path):
    (tmp_path / "notes.txt").write_text("keep me")
    parts = store.PartStore(tmp_path)
    parts.open()
    parts.write_batch(*batch([0]))
    store.write_json_atomic({"a": 1}, tmp_path / store.MANIFEST_FILE)
    assert store.read_manifest(tmp_path) == {"a": 1}
    store.clear(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_a_directory_is_written_by_one_sweep_at_a_time(tmp_path):
    import pytest

    from sim.experiment.errors import ExperimentError

    busy = pytest.raises(ExperimentError, match="another sweep is writing here")
    with store.exclusive(tmp_path), busy, store.exclusive(tmp_path):
        pass
    with store.exclusive(tmp_path):  # released
        pass
