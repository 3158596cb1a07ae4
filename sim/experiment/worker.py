"""What runs on a worker: execute a batch of runs and return tidy tables.

This module is imported by local worker processes and Dask workers alike, so it must stay
light and free of anything that touches the results directory: workers compute, only the
coordinating process writes.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Union

import numpy as np
import pandas as pd
import pyarrow as pa

if TYPE_CHECKING:  # not imported at run time: workers stay light
    from sim.metrics import Recorded

#: A run's time series: a DataFrame, or the model's own record (:class:`sim.metrics.Recorded`:
#: ``columns`` and a float array ``values`` with a row per step), which needs no conversion.
Series = Union[pd.DataFrame, "Recorded"]  # noqa: UP007 - a forward reference needs Union
RunFn = Callable[[Any], tuple[dict[str, Any], Series]]
ERROR_LIMIT = 500
#: Largest seed a Scenario accepts (sim.config: seed <= 2**63 - 1).
MAX_SEED = 2**63 - 1


def execute_run(cfg: Any) -> tuple[dict[str, Any], Series]:
    """Run one scenario with the core model; returns its summary and time series."""
    from sim.run import run_scenario

    result = run_scenario(cfg, progress=False)
    return result.summary, result.series


def column_kinds(ts: Series) -> dict[str, bool]:
    """Each column of a run's time series, and whether it holds numbers."""
    if isinstance(ts, pd.DataFrame):
        return {c: pd.api.types.is_numeric_dtype(ts[c]) for c in ts.columns}
    return dict.fromkeys(ts.columns, True)


@dataclass(frozen=True)
class Task:
    """One run of the plan."""

    run_id: int
    variant: str
    point: int
    replication: int
    seed: int


@dataclass
class Batch:
    """Everything a worker needs to execute some runs, with no reference to the disk."""

    tasks: list[Task]
    configs: dict[str, Any]  # variant -> Scenario
    points: dict[int, dict[str, Any]]  # design point index -> overrides
    metrics: list[str]
    columns: list[str]  # time-series columns to keep (besides run_id, step)
    numeric: list[bool]  # per kept column: stored as float64 (else as string)
    every: int
    run_fn: RunFn | None = None  # None: execute_run, looked up when the batch runs
    param_names: list[str] = field(default_factory=list)


def run_batch(batch: Batch) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Execute every run of ``batch``; a run that raises is recorded, not propagated.

    Returns:
        The runs table (one row per task) and the kept time series (None if none kept).
    """
    rows, kept = [], []
    configs: dict[tuple[str, int], Any] = {}  # (variant, point) -> its validated scenario
    for task in batch.tasks:
        row, ts = _run_one(batch, task, configs)
        rows.append(row)
        if ts is not None:
            kept.append((task, ts))
    runs = _runs_frame(rows, batch)
    if not batch.columns:
        return runs, None
    return runs, _series_frame(kept, batch) if kept else _empty_series(batch)


def run_batch_tables(batch: Batch) -> tuple[pa.Table, pa.Table | None]:
    """:func:`run_batch` with its tables already in Arrow form, as the runner stores them.

    Converting on the worker spreads that work over the workers instead of the one
    coordinating process, and Arrow tables pickle faster than data frames.
    """
    runs, timeseries = run_batch(batch)
    return _arrow(runs), None if timeseries is None else _arrow(timeseries)


def _arrow(frame: pd.DataFrame) -> pa.Table:
    # One thread: by default pyarrow converts the columns on a thread pool, which for a batch's
    # few thousand rows took twice as long (8.6 -> 4.3 ms for 24 default runs) and took CPU
    # from the other workers. Same table.
    return pa.Table.from_pandas(frame, preserve_index=False, nthreads=1)


def _run_one(
    batch: Batch, task: Task, configs: dict[tuple[str, int], Any]
) -> tuple[dict[str, Any], dict[str, np.ndarray] | None]:
    point = batch.points[task.point]
    row: dict[str, Any] = {
        "run_id": task.run_id,
        "variant": task.variant,
        "point": task.point,
        "replication": task.replication,
        **{name: _scalar(point[name]) for name in batch.param_names},
        "seed": task.seed,
    }
    start = time.perf_counter()
    try:
        cfg = _config(batch, task, configs)
        summary, ts = (batch.run_fn or execute_run)(cfg)
        row.update({m: _number(summary.get(m)) for m in batch.metrics})
        row.update(status="ok", error=None)
        kept = _keep(ts, batch) if batch.columns else None
    except Exception as exc:  # noqa: BLE001 - isolating any failure is the point
        row.update({m: math.nan for m in batch.metrics})
        row.update(status="failed", error=_one_line(exc))
        kept = None
    row["duration"] = time.perf_counter() - start
    return row, kept


def _config(batch: Batch, task: Task, configs: dict[tuple[str, int], Any]) -> Any:
    """The run's scenario: its variant with its design point's values and its seed.

    The point is validated once per batch, not once per replication: validating a whole
    scenario costs more than a small run. A point that fails is validated again with the
    seed, so its error reads exactly as before.
    """
    key = (task.variant, task.point)
    if key not in configs:
        try:
            configs[key] = batch.configs[task.variant].with_overrides(batch.points[task.point])
        except Exception:  # noqa: BLE001 - re-raised below, with the run's own overrides
            configs[key] = None
    base = configs[key]
    if base is None:
        return batch.configs[task.variant].with_overrides(
            {**batch.points[task.point], "seed": task.seed}
        )
    return _seeded(base, task.seed)


def _seeded(cfg: Any, seed: int) -> Any:
    """``cfg`` with another seed; a valid seed on a validated Scenario needs no revalidation."""
    from sim.config import Scenario

    if type(cfg) is Scenario and type(seed) is int and 0 <= seed <= MAX_SEED:
        return cfg.model_copy(update={"seed": seed})  # seed is checked by nothing else
    return cfg.with_overrides({"seed": seed})


def _keep(ts: Series, batch: Batch) -> dict[str, np.ndarray]:
    """The kept rows of one run's time series: ``step`` and every kept column, as arrays."""
    if not isinstance(ts, pd.DataFrame):
        return _keep_recorded(ts, batch)
    present = set(ts.columns)
    steps = ts["step"].to_numpy() if "step" in present else np.arange(1, len(ts) + 1)
    keep = steps % batch.every == 0
    n = int(keep.sum())
    kinds = zip(batch.columns, batch.numeric, strict=True)
    numeric = [c for c, is_numeric in kinds if is_numeric and c in present]
    block = _numeric_block(ts, numeric)[keep]
    found = dict(zip(numeric, block.T, strict=True))
    data = {"step": steps[keep].astype("int64")}
    for column, is_numeric in zip(batch.columns, batch.numeric, strict=True):
        if column in found:
            data[column] = found[column]
        elif column not in present:
            data[column] = _absent(n, is_numeric)
        else:
            data[column] = np.asarray(ts[column].to_numpy()[keep], dtype=object)
    return data


def _keep_recorded(ts: Series, batch: Batch) -> dict[str, np.ndarray]:
    """:func:`_keep` for the model's own record, whose columns are all floats, ``step`` too."""
    position = {column: k for k, column in enumerate(ts.columns)}
    steps = ts.values[:, position["step"]].astype(np.int64)
    keep = steps % batch.every == 0
    rows = ts.values[keep]
    data = {"step": steps[keep]}
    for column, is_numeric in zip(batch.columns, batch.numeric, strict=True):
        if column not in position:
            data[column] = _absent(len(rows), is_numeric)
        elif is_numeric:
            data[column] = rows[:, position[column]]
        else:
            data[column] = rows[:, position[column]].astype(object)
    return data


def _absent(rows: int, is_numeric: bool) -> np.ndarray:
    """A column a run does not have (e.g. a sector of another variant's scenario)."""
    return np.full(rows, np.nan) if is_numeric else np.full(rows, None, dtype=object)


def _numeric_block(ts: pd.DataFrame, numeric: list[str]) -> np.ndarray:
    """``ts[numeric]`` as float64 (NaN where missing), one row per step."""
    if ts.columns.is_unique and all(dtype.kind in "biuf" for dtype in ts.dtypes):
        # The model's frame is all numbers: converting it whole and picking columns costs
        # 25x less than selecting the columns first.
        position = {column: i for i, column in enumerate(ts.columns)}
        whole = ts.to_numpy(dtype="float64", na_value=np.nan)
        return whole[:, [position[c] for c in numeric]]
    return ts[numeric].to_numpy(dtype="float64", na_value=np.nan)


def _series_frame(kept: list[tuple[Task, dict[str, np.ndarray]]], batch: Batch) -> pd.DataFrame:
    """One frame of the kept time series of a batch's runs.

    Columns are collected as arrays and the frame built once per batch: building a frame
    per run cost more than a small run's bookkeeping. Each row carries its run's identifiers
    and swept values, so the table needs no join (sim.experiment.tidy).
    """
    tasks = [task for task, _ in kept]
    counts = np.array([data["step"].size for _, data in kept], dtype=np.int64)

    def each_row(values: list[Any], dtype: Any) -> np.ndarray:
        return np.repeat(np.array(values, dtype=dtype), counts)

    frame: dict[str, Any] = {
        "run_id": each_row([t.run_id for t in tasks], "int64"),
        "variant": each_row([t.variant for t in tasks], object),
        "point": each_row([t.point for t in tasks], "int64"),
        "replication": each_row([t.replication for t in tasks], "int64"),
        "seed": each_row([t.seed for t in tasks], "int64"),
    }
    for name in batch.param_names:  # a list: pandas infers the column's type, as per run
        frame[name] = each_row([_scalar(batch.points[t.point][name]) for t in tasks], object)
        frame[name] = frame[name].tolist()
    frame["step"] = np.concatenate([data["step"] for _, data in kept])
    for column, is_numeric in zip(batch.columns, batch.numeric, strict=True):
        values = np.concatenate([data[column] for _, data in kept])
        frame[column] = values if is_numeric else pd.array(values, dtype="string")
    return pd.DataFrame(frame)


def _runs_frame(rows: list[dict[str, Any]], batch: Batch) -> pd.DataFrame:
    # Every row has the same keys in the same order (see _run_one): build column by column.
    frame = pd.DataFrame({key: [row[key] for row in rows] for key in rows[0]})
    for column in ("run_id", "point", "replication", "seed"):
        frame[column] = frame[column].astype("int64")
    for metric in batch.metrics:
        frame[metric] = frame[metric].astype("float64")
    frame["error"] = frame["error"].astype("string")
    return frame


def _empty_series(batch: Batch) -> pd.DataFrame:
    frame = pd.DataFrame({"run_id": pd.Series(dtype="int64"), "step": pd.Series(dtype="int64")})
    frame["variant"] = pd.Series(dtype=object)
    for column in ("point", "replication", "seed"):
        frame[column] = pd.Series(dtype="int64")
    for name in batch.param_names:
        frame[name] = pd.Series(dtype=object)
    for column, numeric in zip(batch.columns, batch.numeric, strict=True):
        frame[column] = pd.Series(dtype="float64" if numeric else "string")
    return frame


def _number(value: Any) -> float:
    # Metrics are stored as float64 so that every part file has the same schema; a
    # metric that is undefined for a run (None) becomes NaN.
    if value is None:
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _scalar(value: Any) -> Any:
    from sim.experiment.tidy import scalar

    return scalar(value)


def _one_line(exc: BaseException) -> str:
    # "override: " is how the core labels override errors; in a run it means the design point.
    message = str(exc).removeprefix("override: ")
    text = " ".join(f"{type(exc).__name__}: {message}".split())
    return text[:ERROR_LIMIT]
