"""Shared helpers of the experiment tests (a plain module: worker processes import it)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.experiment.worker import execute_run

#: Small runs keep the suite fast; the engine does not care about the model's size.
TINY = '"population.size" = 60\n"steps" = 30\n'

SMALL_SWEEP = f"""
name = "small"
base = "multi_sector_pull"
seed = 7
replications = 2
[fixed]
{TINY}
[variants.push]
"push.incentive" = 0.6
[variants.pull]
"push.incentive" = 0.0
[sweep]
design = "grid"
[sweep.parameters]
"vision.inclusion" = [0.2, 0.5, 0.8]
[output]
timeseries = ["participation", "intrinsic_motivation"]
every = 3
"""


def write(tmp_path: Path, text: str, name: str = "exp.toml") -> Path:
    """Write an experiment file and return its path."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def failing_run(cfg):
    """The real model, except that runs with vision.inclusion == 0.5 raise."""
    if cfg.vision.inclusion == 0.5:
        raise RuntimeError("injected failure\nsecond line")
    return execute_run(cfg)


def run_then_hang(cfg, _count=[0]):  # noqa: B006 - the default is the per-process counter
    """The real model for the first four runs of a process, then hang until killed.

    Lets a test kill a sweep mid-way whatever the machine's speed: no race with its end.
    The runner's two-step preflight runs do not count.
    """
    _count[0] += cfg.steps > 2
    if _count[0] > 4:
        import time

        while True:
            time.sleep(60)
    return execute_run(cfg)


def comparable(frame: pd.DataFrame) -> pd.DataFrame:
    """A results table without the timing column, which legitimately differs run to run."""
    return frame.drop(columns=["duration"], errors="ignore").reset_index(drop=True)


def read_results(out_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """runs.parquet (minus timings) and timeseries.parquet of a results directory."""
    runs = comparable(pd.read_parquet(out_dir / "runs.parquet"))
    ts = pd.read_parquet(out_dir / "timeseries.parquet")
    return runs, ts


def crashing_run(cfg):
    """Kills its worker process outright for vision.inclusion == 0.8 (as the OOM killer would)."""
    import os

    if cfg.vision.inclusion == 0.8:
        os._exit(1)
    return execute_run(cfg)
