"""Result storage for experiments: atomic part files, consolidation and the manifest.

Layout of a results directory::

    parts/<first>-<last>-<token>.ts.parquet    time series of one finished batch
    parts/<first>-<last>-<token>.runs.parquet  one row per run of that batch (commit marker)
    parts/.lock                                held by the sweep writing the directory
    runs.parquet, timeseries.parquet           consolidated, sorted by run_id
    manifest.json                              what was run, by what, when

Each file is written to a temporary name and moved into place with :func:`os.replace`, so
a reader never sees half a file. A batch's time series is written *before* its runs file;
the runs file is the commit marker, and a time-series part without one is debris from an
interrupted write, removed on resume.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

RUNS_FILE = "runs.parquet"
TIMESERIES_FILE = "timeseries.parquet"
MANIFEST_FILE = "manifest.json"
PARTS_DIR = "parts"
#: Everything a sweep or an analysis writes; ``--fresh`` removes exactly these.
OWNED = (
    PARTS_DIR,
    RUNS_FILE,
    TIMESERIES_FILE,
    MANIFEST_FILE,
    "figures",
    "summary.md",
    "summary.csv",
    "sensitivity.csv",
    "report.md",
)


def _fsync_replace(tmp: Path, final: Path) -> None:
    with open(tmp, "rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, final)


def write_parquet_atomic(table: pa.Table | pd.DataFrame, path: Path) -> None:
    """Write a parquet file so that ``path`` is either absent or complete."""
    if isinstance(table, pd.DataFrame):
        table = pa.Table.from_pandas(table, preserve_index=False)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    pq.write_table(table, tmp)
    _fsync_replace(tmp, path)


def write_json_atomic(data: dict[str, Any], path: Path) -> None:
    """Write a JSON file atomically (pretty-printed, keys in insertion order)."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    tmp.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
    _fsync_replace(tmp, path)


def read_manifest(out_dir: Path) -> dict[str, Any] | None:
    """The manifest of a results directory, or None when there is none."""
    path = Path(out_dir) / MANIFEST_FILE
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def clear(out_dir: Path) -> None:
    """Remove everything a previous sweep or analysis wrote (and nothing else).

    The lock file in ``parts/`` stays: the sweep calling this holds it.
    """
    for name in OWNED:
        path = Path(out_dir) / name
        if name == PARTS_DIR and path.is_dir():
            for child in path.iterdir():
                if child.name != LOCK_FILE:
                    child.unlink()
            if not any(path.iterdir()):
                path.rmdir()
        elif path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


#: In parts/, which holds only files of the sweep (and is left out of version control).
LOCK_FILE = ".lock"


@contextmanager
def exclusive(out_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``out_dir`` so that two sweeps never write it at once.

    Raises:
        ExperimentError: another process holds the lock.
    """
    from sim.experiment.errors import ExperimentError

    (out_dir / PARTS_DIR).mkdir(parents=True, exist_ok=True)
    with open(out_dir / PARTS_DIR / LOCK_FILE, "a+") as handle:
        try:
            import fcntl
        except ImportError:  # Windows: no advisory locks; run one sweep per directory
            yield
            return
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ExperimentError(f"{out_dir}: another sweep is writing here") from None
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


class PartStore:
    """Append-only store of finished batches in ``out_dir/parts``."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = Path(out_dir)
        self.parts = self.out_dir / PARTS_DIR

    def open(self) -> None:
        """Create the directory and sweep away debris of an interrupted session."""
        self.parts.mkdir(parents=True, exist_ok=True)
        for tmp in self.parts.glob(".*.tmp"):
            tmp.unlink(missing_ok=True)
        committed = {
            p.name.removesuffix(".runs.parquet") for p in self.parts.glob("*.runs.parquet")
        }
        for ts in self.parts.glob("*.ts.parquet"):
            if ts.name.removesuffix(".ts.parquet") not in committed:
                ts.unlink()

    def run_parts(self) -> list[Path]:
        """Committed runs parts, ordered by their first run id."""
        return sorted(self.parts.glob("*.runs.parquet"))

    def finished(self) -> pd.DataFrame:
        """``run_id`` and ``status`` of every committed run (first occurrence wins)."""
        frames = [
            pq.read_table(p, columns=["run_id", "status"]).to_pandas() for p in self.run_parts()
        ]
        if not frames:
            return pd.DataFrame(
                {"run_id": pd.Series(dtype="int64"), "status": pd.Series(dtype=str)}
            )
        return pd.concat(frames, ignore_index=True).drop_duplicates("run_id")

    def write_batch(self, runs: pd.DataFrame, timeseries: pd.DataFrame | None) -> None:
        """Persist one finished batch: time series first, then the runs file that commits it."""
        ids = runs["run_id"]
        stem = f"{int(ids.min()):09d}-{int(ids.max()):09d}-{uuid.uuid4().hex[:8]}"
        if timeseries is not None and len(timeseries):
            write_parquet_atomic(timeseries, self.parts / f"{stem}.ts.parquet")
        write_parquet_atomic(runs, self.parts / f"{stem}.runs.parquet")

    def consolidate(self, ts_schema: pa.Schema | None) -> tuple[int, int]:
        """Write ``runs.parquet`` and ``timeseries.parquet`` sorted by run_id.

        Runs rows are few and are sorted in memory. Time series are streamed part by part
        (batches cover contiguous run ids, so ordering parts by first id orders the rows),
        keeping memory flat in the number of runs.

        Returns:
            Number of runs rows and of time-series rows written.
        """
        parts = self.run_parts()
        frames = [pq.read_table(p).to_pandas() for p in parts]
        runs = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame({"run_id": []})
        runs = runs.drop_duplicates("run_id").sort_values("run_id", kind="stable")
        write_parquet_atomic(runs.reset_index(drop=True), self.out_dir / RUNS_FILE)
        n_ts = 0
        if ts_schema is not None:
            n_ts = self._consolidate_timeseries(parts, ts_schema)
        return len(runs), n_ts

    def _consolidate_timeseries(self, parts: Iterable[Path], schema: pa.Schema) -> int:
        final = self.out_dir / TIMESERIES_FILE
        tmp = final.with_name(f".{final.name}.{uuid.uuid4().hex[:8]}.tmp")
        seen: set[int] = set()
        ordered = sorted(parts, key=lambda p: _first_id(p))
        rows = 0
        with pq.ParquetWriter(tmp, schema) as writer:
            for part in ordered:
                ts_path = part.with_name(part.name.replace(".runs.parquet", ".ts.parquet"))
                ids = set(pq.read_table(part, columns=["run_id"]).column(0).to_pylist()) - seen
                seen |= ids
                if not ts_path.exists() or not ids:
                    continue
                table = pq.read_table(ts_path)
                mask = pc.is_in(table["run_id"], pa.array(sorted(ids), pa.int64()))
                table = table.filter(mask).sort_by([("run_id", "ascending"), ("step", "ascending")])
                writer.write_table(table.select(schema.names).cast(schema))
                rows += table.num_rows
        _fsync_replace(tmp, final)
        return rows


def _first_id(path: Path) -> int:
    return int(path.name.split("-", 1)[0])
