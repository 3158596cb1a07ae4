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
from typing import Any

import numpy as np
import pandas as pd

RunFn = Callable[[Any], tuple[dict[str, Any], pd.DataFrame]]
ERROR_LIMIT = 500


def execute_run(cfg: Any) -> tuple[dict[str, Any], pd.DataFrame]:
    """Run one scenario with the core model; returns its summary and time series."""
    from sim.run import run_scenario

    result = run_scenario(cfg, progress=False)
    return result.summary, result.timeseries


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
    rows, series = [], []
    for task in batch.tasks:
        row, ts = _run_one(batch, task)
        rows.append(row)
        if ts is not None:
            series.append(ts)
    runs = _runs_frame(rows, batch)
    if not batch.columns:
        return runs, None
    timeseries = pd.concat(series, ignore_index=True) if series else _empty_series(batch)
    return runs, timeseries


def _run_one(batch: Batch, task: Task) -> tuple[dict[str, Any], pd.DataFrame | None]:
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
        cfg = batch.configs[task.variant].with_overrides({**point, "seed": task.seed})
        summary, ts = (batch.run_fn or execute_run)(cfg)
        row.update({m: _number(summary.get(m)) for m in batch.metrics})
        row.update(status="ok", error=None)
        kept = _keep(ts, task, batch) if batch.columns else None
    except Exception as exc:  # noqa: BLE001 - isolating any failure is the point
        row.update({m: math.nan for m in batch.metrics})
        row.update(status="failed", error=_one_line(exc))
        kept = None
    row["duration"] = time.perf_counter() - start
    return row, kept


def _keep(ts: pd.DataFrame, task: Task, batch: Batch) -> pd.DataFrame:
    steps = ts["step"].to_numpy() if "step" in ts else np.arange(1, len(ts) + 1)
    keep = steps % batch.every == 0
    n = int(keep.sum())
    point = batch.points[task.point]
    # Columns are collected as arrays and the frame built once: inserting columns one by
    # one into a DataFrame costs more than the bookkeeping of a short run. Each row carries
    # its run's identifiers and swept values, so the table needs no join (sim.experiment.tidy).
    data: dict[str, Any] = {
        "run_id": np.full(n, task.run_id, dtype="int64"),
        "variant": np.full(n, task.variant, dtype=object),
        "point": np.full(n, task.point, dtype="int64"),
        "replication": np.full(n, task.replication, dtype="int64"),
        "seed": np.full(n, task.seed, dtype="int64"),
        **{name: [_scalar(point[name])] * n for name in batch.param_names},
        "step": steps[keep].astype("int64"),
    }
    numeric = [c for c, num in zip(batch.columns, batch.numeric, strict=True) if num and c in ts]
    block = ts[numeric].to_numpy(dtype="float64", na_value=np.nan)[keep]
    found = dict(zip(numeric, block.T, strict=True))
    for column, is_numeric in zip(batch.columns, batch.numeric, strict=True):
        if column in found:
            data[column] = found[column]
        elif column not in ts:  # e.g. a sector column of another variant's scenario
            data[column] = np.full(n, np.nan) if is_numeric else pd.array([None] * n, "string")
        else:
            data[column] = pd.array(ts[column].to_numpy()[keep], dtype="string")
    return pd.DataFrame(data)


def _runs_frame(rows: list[dict[str, Any]], batch: Batch) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
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
