"""Means and 95% confidence intervals, for run tables and (streamed) time series."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from scipy import stats

LEVEL = 0.95


def mean_ci(values: Sequence[float] | np.ndarray) -> tuple[float, float, float, int]:
    """Mean and Student-t 95% confidence interval of the finite values.

    Returns:
        (mean, low, high, n); the bounds are NaN when fewer than two values are finite.
    """
    arr = np.asarray(values, dtype="float64")
    arr = arr[np.isfinite(arr)]
    n = int(arr.size)
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    mean = float(arr.mean())
    if n < 2:
        return mean, math.nan, math.nan, n
    half = float(_half_width(float(arr.std(ddof=1)), n))
    return mean, mean - half, mean + half, n


def _half_width(sd: float | np.ndarray, n: int | np.ndarray) -> float | np.ndarray:
    n_arr = np.asarray(n, dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        t = stats.t.ppf(0.5 + LEVEL / 2, np.maximum(n_arr - 1, 1))
        return np.where(n_arr >= 2, t * sd / np.sqrt(n_arr), np.nan)


def summarize(
    runs: pd.DataFrame, metrics: Sequence[str], by: Sequence[str] = ("variant",)
) -> pd.DataFrame:
    """Tidy table of mean and 95% CI of every metric per group of successful runs.

    Returns:
        Columns: the ``by`` columns, metric, n, mean, low, high.
    """
    ok = runs[runs["status"] == "ok"] if "status" in runs else runs
    rows = []
    for key, group in ok.groupby(list(by), sort=False, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        for metric in metrics:
            mean, low, high, n = mean_ci(group[metric].to_numpy())
            rows.append(
                {
                    **dict(zip(by, key, strict=True)),
                    "metric": metric,
                    "n": n,
                    "mean": mean,
                    "low": low,
                    "high": high,
                }
            )
    return pd.DataFrame(rows, columns=[*by, "metric", "n", "mean", "low", "high"])


def series_bands(
    timeseries: Path,
    runs: pd.DataFrame,
    columns: Sequence[str],
    chunk_rows: int = 65_536,
    label: pd.Series | None = None,
) -> pd.DataFrame:
    """Per series and step, mean and 95% CI of time-series columns across runs.

    A series is a variant, or any grouping of runs given by ``label`` (run_id -> name, e.g.
    variant and design point, so that design points are never pooled). The file is read in
    record batches and reduced to sums, so memory does not grow with the number of runs.

    Returns:
        Columns: variant (the series name), step, column, n, mean, low, high.
    """
    variant_of = label if label is not None else runs.set_index("run_id")["variant"]
    acc: pd.DataFrame | None = None
    reader = pq.ParquetFile(timeseries)
    for record in reader.iter_batches(columns=["run_id", "step", *columns], batch_size=chunk_rows):
        frame = record.to_pandas()
        frame["variant"] = frame["run_id"].map(variant_of)
        frame = frame[frame["variant"].notna()]  # runs outside ``runs`` (e.g. failed ones)
        values = frame[list(columns)]
        parts = {"s": values, "ss": values**2, "n": values.notna().astype("float64")}
        grouped = pd.concat(parts, axis=1).fillna(0.0)
        grouped.index = pd.MultiIndex.from_arrays([frame["variant"], frame["step"]])
        sums = grouped.groupby(level=["variant", "step"], sort=False).sum()
        acc = sums if acc is None else acc.add(sums, fill_value=0.0)
    if acc is None:
        return pd.DataFrame(columns=["variant", "step", "column", "n", "mean", "low", "high"])
    return _bands_from_sums(acc, columns)


def _bands_from_sums(acc: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    out = []
    for column in columns:
        n = acc[("n", column)].to_numpy()
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = acc[("s", column)].to_numpy() / n
            var = (acc[("ss", column)].to_numpy() - n * mean**2) / (n - 1)
        half = _half_width(np.sqrt(np.maximum(var, 0.0)), n)
        frame = acc.index.to_frame(index=False)
        frame["column"], frame["n"] = column, n.astype("int64")
        frame["mean"], frame["low"], frame["high"] = mean, mean - half, mean + half
        out.append(frame)
    result = pd.concat(out, ignore_index=True)
    return result.sort_values(["column", "variant", "step"], kind="stable").reset_index(drop=True)


def paired_differences(
    runs: pd.DataFrame, a: str, b: str, metric: str, keys: Sequence[str] = ("point", "replication")
) -> pd.DataFrame:
    """``metric`` of variant ``a`` minus that of ``b``, run by run on common seeds.

    Variants of an experiment share the seed of each design point and replication, so the
    pairs face the same luck and the spread of the differences is the levers' alone.

    Returns:
        Columns: the ``keys`` and ``diff`` (pairs where either value is missing dropped).
    """
    ok = runs[runs["status"] == "ok"] if "status" in runs else runs
    left = ok.loc[ok["variant"] == a, [*keys, metric]]
    right = ok.loc[ok["variant"] == b, [*keys, metric]]
    both = left.merge(right, on=list(keys), suffixes=("_a", "_b"))
    both["diff"] = both[f"{metric}_a"] - both[f"{metric}_b"]
    return both.loc[np.isfinite(both["diff"]), [*keys, "diff"]].reset_index(drop=True)
