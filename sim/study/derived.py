"""Metrics the study derives from the kept time series, one value per run.

* ``tail_<column>``: the column's mean over the last fifth of the run (like sustained
  participation, for any column: alignment, per-sector participation ...);
* ``outside_convener``: sustained participation of the sectors outside the convener's,
  weighted by their population shares;
* ``in_force``: participation over the fifth of the run before the withdrawal step (for a
  variant without a policy change, the same window of its run, so arms compare alike).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from sim import store

TAIL = 0.2


def add_derived(
    results_dir: Path, runs: pd.DataFrame, manifest: dict, withdraw_at: int | None = None
) -> pd.DataFrame:
    """``runs`` with the derived metric columns added (NaN where a run has no time series)."""
    path = Path(results_dir) / store.TIMESERIES_FILE
    columns = list(manifest.get("timeseries_columns", []))
    if not columns or not path.exists():
        return runs
    ts = pd.read_parquet(path, columns=["run_id", "step", *columns])
    steps = ts.groupby("run_id")["step"].transform("max")
    tail = ts[ts["step"] > steps * (1 - TAIL)].groupby("run_id")[columns].mean()
    out = runs.merge(tail.add_prefix("tail_"), left_on="run_id", right_index=True, how="left")
    out["outside_convener"] = _outside_convener(out, manifest)
    if "participation" in columns:
        change = _change_steps(runs, manifest, withdraw_at)
        out["in_force"] = out["run_id"].map(_window_means(ts, change))
    return out


def _outside_convener(runs: pd.DataFrame, manifest: dict) -> pd.Series:
    values = pd.Series(np.nan, index=runs.index)
    for variant, cfg in manifest.get("variants", {}).items():
        shares = cfg.get("population.sectors") or {}
        convener = cfg.get("push.convener") or next(iter(shares), "")
        others = {s: w for s, w in shares.items() if s != convener}
        cols = [f"tail_participation_{s}" for s in others]
        if not others or not all(c in runs for c in cols):
            continue
        mask = runs["variant"] == variant
        weights = np.array(list(others.values())) / sum(others.values())
        values[mask] = runs.loc[mask, cols].to_numpy() @ weights
    return values


def _change_steps(runs: pd.DataFrame, manifest: dict, withdraw_at: int | None) -> pd.Series:
    """Per run: the step of its variant's last policy change (or ``withdraw_at``)."""
    steps = {}
    for variant, cfg in manifest.get("variants", {}).items():
        phases = [p["step"] for p in cfg.get("schedule") or []]
        steps[variant] = max(phases) if phases else withdraw_at
    return runs.set_index("run_id")["variant"].map(steps)


def _window_means(ts: pd.DataFrame, change: pd.Series) -> pd.Series:
    """Mean participation over the fifth of the run before each run's change step."""
    horizon = ts.groupby("run_id")["step"].max()
    frame = ts[["run_id", "step", "participation"]].copy()
    frame["change"] = pd.to_numeric(frame["run_id"].map(change), errors="coerce")
    frame["window"] = frame["run_id"].map(horizon).map(lambda h: max(1, math.ceil(TAIL * h)))
    inside = frame[
        frame["change"].notna()
        & (frame["step"] < frame["change"])
        & (frame["step"] >= frame["change"] - frame["window"])
    ]
    return inside.groupby("run_id")["participation"].mean()
