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

import hashlib
import json
import os
import re
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from sim.consolidate import UNREADABLE, DamagedPart, read_part, stream_parts, ts_of

RUNS_FILE = "runs.parquet"
TIMESERIES_FILE = "timeseries.parquet"
MANIFEST_FILE = "manifest.json"
PARTS_DIR = "parts"
#: Files a sweep itself writes; ``--fresh`` removes them only from a directory with a manifest.
CORE_FILES = (RUNS_FILE, TIMESERIES_FILE, MANIFEST_FILE)
#: Key of the manifest listing what ``analyze`` and ``compare`` wrote, with content hashes.
OUTPUTS_KEY = "outputs"
#: Names this tool gives part files (and their temporaries); nothing else in parts/ is touched.
PART_RE = re.compile(r"^\d{9}-\d{9}-\w+\.(runs|ts)\.parquet$")
TMP_RE = re.compile(r"^\..+\.[0-9a-f]+\.tmp$")
#: Key-value metadata of a runs part: the rows of its time-series part (the commit record).
TS_ROWS_KEY = b"pushpull.ts_rows"
FINGERPRINT_KEY = b"pushpull.fingerprint"


def _fsync_replace(tmp: Path, final: Path) -> None:
    with open(tmp, "rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, final)


def _tmp_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")


def write_parquet_atomic(
    table: pa.Table | pd.DataFrame, path: Path, metadata: dict[bytes, bytes] | None = None
) -> None:
    """Write a parquet file so that ``path`` is either absent or complete."""
    if isinstance(table, pd.DataFrame):
        table = pa.Table.from_pandas(table, preserve_index=False)
    if metadata:
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), **metadata})
    tmp = _tmp_name(path)
    try:
        pq.write_table(table, tmp)
        _fsync_replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_json_atomic(data: dict[str, Any], path: Path) -> None:
    """Write a JSON file atomically (pretty-printed, keys in insertion order)."""
    tmp = _tmp_name(path)
    try:
        tmp.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
        _fsync_replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def read_manifest(out_dir: Path) -> dict[str, Any] | None:
    """The manifest of a results directory, or None when there is none.

    Raises:
        ExperimentError: the manifest exists but cannot be read (truncated, not JSON).
    """
    from sim.experiment.errors import ExperimentError

    path = Path(out_dir) / MANIFEST_FILE
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or "truncated or not JSON"
        raise ExperimentError(f"{path}: unreadable ({reason})") from None
    if not isinstance(data, dict):
        raise ExperimentError(f"{path}: unreadable (not a JSON object)")
    return data


def file_hash(path: Path) -> str:
    """SHA-256 of a file's content (what ``--fresh`` checks before deleting an output)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def record_outputs(out_dir: Path, paths: Iterable[Path]) -> None:
    """Note in the manifest which files an analysis wrote, so ``--fresh`` may remove them."""
    out_dir = Path(out_dir)
    manifest = read_manifest(out_dir)
    if manifest is None:
        return
    outputs = dict(manifest.get(OUTPUTS_KEY) or {})
    for path in paths:
        path = Path(path)
        if path.is_file():
            outputs[path.resolve().relative_to(out_dir.resolve()).as_posix()] = file_hash(path)
    manifest[OUTPUTS_KEY] = outputs
    write_json_atomic(manifest, out_dir / MANIFEST_FILE)


def clear(out_dir: Path) -> None:
    """Remove what an earlier sweep or analysis of this directory wrote, and nothing else.

    Part files are recognised by the names this tool gives them; analysis outputs only if
    the manifest lists them and their content is unchanged (a file the user edited or made
    under the same name stays); the consolidated files only where there is a manifest. The
    lock file in ``parts/`` stays: the sweep calling this holds it.
    """
    out_dir = Path(out_dir)
    parts = out_dir / PARTS_DIR
    if parts.is_dir():
        for child in parts.iterdir():
            if child.is_file() and (PART_RE.match(child.name) or TMP_RE.match(child.name)):
                child.unlink()
        with suppress(OSError):  # only when empty
            parts.rmdir()
    if not (out_dir / MANIFEST_FILE).exists():
        return
    try:
        outputs = (read_manifest(out_dir) or {}).get(OUTPUTS_KEY) or {}
    except ValueError:  # an unreadable manifest lists nothing
        outputs = {}
    for name, digest in outputs.items():
        path = out_dir / name
        inside = path.resolve().is_relative_to(out_dir.resolve())
        if inside and path.is_file() and file_hash(path) == digest:
            path.unlink()
            with suppress(OSError):  # e.g. figures/, once empty
                path.parent.rmdir()
    for name in CORE_FILES:
        if (out_dir / name).is_file():
            (out_dir / name).unlink()


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
    """Append-only store of finished batches in ``out_dir/parts``.

    A run counts as finished only when its runs part is readable and the time-series part
    it records (by row count) is there and readable too; anything else is rerun.
    """

    def __init__(self, out_dir: Path, fingerprint: str | None = None) -> None:
        self.out_dir = Path(out_dir)
        self.parts = self.out_dir / PARTS_DIR
        self.fingerprint = fingerprint
        self.dropped = 0  # damaged or incomplete batches removed by open() / consolidate()

    def open(self) -> None:
        """Create the directory; remove debris and damaged parts of an interrupted session."""
        self.parts.mkdir(parents=True, exist_ok=True)
        for path in self.parts.iterdir():
            if TMP_RE.match(path.name):
                path.unlink(missing_ok=True)
        committed = {p.name.removesuffix(".runs.parquet") for p in self.run_parts()}
        for ts in self.parts.glob("*.ts.parquet"):
            if PART_RE.match(ts.name) and ts.name.removesuffix(".ts.parquet") not in committed:
                ts.unlink()
        for part in self.run_parts():
            if not self._intact(part):
                self._drop(part)

    def run_parts(self) -> list[Path]:
        """Committed runs parts, ordered by their first run id."""
        return sorted(p for p in self.parts.glob("*.runs.parquet") if PART_RE.match(p.name))

    def fingerprints(self) -> set[str]:
        """The experiment fingerprints recorded in the runs parts (to resume without manifest)."""
        found = set()
        for part in self.run_parts():
            with suppress(*UNREADABLE):
                meta = pq.read_schema(part).metadata or {}
                found.add(meta.get(FINGERPRINT_KEY, b"").decode())
        return found

    def _intact(self, part: Path) -> bool:
        try:
            table = pq.read_table(part, columns=["run_id", "status"])
            expected = int((table.schema.metadata or {}).get(TS_ROWS_KEY, b"0"))
            if expected:
                ts_rows = pq.read_metadata(ts_of(part)).num_rows
                return ts_rows == expected and table.num_rows > 0
        except UNREADABLE:
            return False
        return table.num_rows > 0

    def _drop(self, part: Path) -> None:
        """Remove a damaged batch (both files): its runs count as not done and are rerun."""
        ts_of(part).unlink(missing_ok=True)
        part.unlink(missing_ok=True)
        self.dropped += 1

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

    def write_batch(
        self, runs: pa.Table | pd.DataFrame, timeseries: pa.Table | pd.DataFrame | None
    ) -> None:
        """Persist one finished batch: time series first, then the runs file that commits it.

        The runs file records how many time-series rows belong to it, so a resume can tell
        a complete batch from one whose time series went missing.
        """
        first, last = _id_range(runs)
        stem = f"{first:09d}-{last:09d}-{uuid.uuid4().hex[:8]}"
        ts_rows = 0 if timeseries is None else len(timeseries)  # rows of a frame or a table
        if ts_rows:
            write_parquet_atomic(timeseries, self.parts / f"{stem}.ts.parquet")
        metadata = {TS_ROWS_KEY: str(ts_rows).encode()}
        if self.fingerprint:
            metadata[FINGERPRINT_KEY] = self.fingerprint.encode()
        write_parquet_atomic(runs, self.parts / f"{stem}.runs.parquet", metadata)

    def consolidate(self, ts_schema: pa.Schema | None) -> tuple[int, int]:
        """Write ``runs.parquet`` and ``timeseries.parquet`` sorted by run_id.

        Time series are streamed part by part (batches cover contiguous run ids, so
        ordering parts by first id orders the rows), keeping memory flat in the number of
        runs. A part found damaged on the way is dropped (its runs will be rerun) and the
        consolidation starts again, so the two files always describe the same runs.

        Returns:
            Number of runs rows and of time-series rows written.
        """
        while True:
            parts = sorted(self.run_parts(), key=_first_id)
            try:
                frames, n_ts = self._consolidate_parts(parts, ts_schema)
            except DamagedPart as exc:
                self._drop(exc.part)
                continue
            break
        runs = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame({"run_id": []})
        runs = runs.drop_duplicates("run_id").sort_values("run_id", kind="stable")
        write_parquet_atomic(runs.reset_index(drop=True), self.out_dir / RUNS_FILE)
        return len(runs), n_ts

    def _consolidate_parts(
        self, parts: list[Path], schema: pa.Schema | None
    ) -> tuple[list[pd.DataFrame], int]:
        """Write the time series of ``parts``; returns their runs tables and the rows written."""
        if schema is None:  # no time series kept: only the runs
            return [read_part(part, None)[0] for part in parts], 0
        final = self.out_dir / TIMESERIES_FILE
        tmp = _tmp_name(final)
        try:
            with pq.ParquetWriter(tmp, schema) as writer:
                frames, rows = stream_parts(parts, schema, writer)
            _fsync_replace(tmp, final)
        finally:
            tmp.unlink(missing_ok=True)
        return frames, rows


def _id_range(runs: pa.Table | pd.DataFrame) -> tuple[int, int]:
    """Smallest and largest run id of a batch's runs table."""
    if isinstance(runs, pd.DataFrame):
        return int(runs["run_id"].min()), int(runs["run_id"].max())
    bounds = pc.min_max(runs.column("run_id")).as_py()
    return int(bounds["min"]), int(bounds["max"])


def _first_id(path: Path) -> int:
    return int(path.name.split("-", 1)[0])
