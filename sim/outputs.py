"""Writing one run's outputs: time series, summary, resolved scenario and figure, atomically.

Files are first written into a hidden staging folder next to the destination and only moved in
place once all of them exist, so an interrupted or failed run never leaves a half-written result.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from sim import __version__
from sim.figures import plot_run
from sim.loading import to_toml
from sim.run import RunResult

OUTPUT_FILES = ("timeseries.parquet", "summary.json", "scenario.toml", "timeseries.png")


def json_ready(summary: dict[str, Any]) -> dict[str, Any]:
    """Summary with non-finite floats as null (JSON has no NaN or infinity)."""
    return {
        k: (None if isinstance(v, float) and not math.isfinite(v) else v)
        for k, v in summary.items()
    }


def write_run(result: RunResult, out_dir: Path) -> list[Path]:
    """Write the four output files of a run into ``out_dir``; returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=out_dir))
    try:
        scenario = result.scenario
        result.timeseries.to_parquet(staging / "timeseries.parquet", index=False)
        summary = {"scenario": scenario.name, "seed": scenario.seed, "version": __version__}
        summary.update(json_ready(result.summary))
        (staging / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
        (staging / "scenario.toml").write_text(
            f"# Fully resolved scenario written by pushpull {__version__}; seed {scenario.seed}.\n"
            f"# Re-run it exactly with: pushpull run scenario.toml\n" + to_toml(scenario)
        )
        title = f"{scenario.name} (seed {scenario.seed})"
        plot_run(result.timeseries, title, result.phase_steps, staging / "timeseries.png")
        for name in OUTPUT_FILES:
            os.replace(staging / name, out_dir / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [out_dir / name for name in OUTPUT_FILES]
