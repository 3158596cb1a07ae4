"""Writing one run's outputs: time series, summary, resolved scenario and figure, atomically.

Files are first written into a hidden staging folder next to the destination and only moved in
place once all of them exist, so an interrupted or failed run never leaves a half-written result.
:func:`out_dir_problem` checks a destination before anything is simulated.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim import __version__

if TYPE_CHECKING:
    from sim.run import RunResult

OUTPUT_FILES = ("timeseries.parquet", "summary.json", "scenario.toml", "timeseries.png")


def json_ready(summary: dict[str, Any]) -> dict[str, Any]:
    """Summary with non-finite floats as null (JSON has no NaN or infinity)."""
    return {
        k: (None if isinstance(v, float) and not math.isfinite(v) else v)
        for k, v in summary.items()
    }


def out_dir_problem(path: Path, files: tuple[str, ...] = ()) -> str | None:
    """Why ``path`` cannot be an output folder (one phrase), or None if it can.

    The nearest existing folder on the way must be a folder this process can write in, and
    none of ``files`` may exist inside ``path`` as anything but a file. Nothing is created:
    writability is probed with a temporary file that is removed at once.
    """
    path = Path(path)
    existing = next(p for p in (path, *path.parents) if p.exists() or p.is_symlink())
    if not existing.is_dir():
        if existing == path:
            return "is a file, not a folder"
        return f"{existing} is a file, so no folder can be made below it"
    for name in files:
        target = path / name
        if target.exists() and not target.is_file():
            return f"{target} is a folder; a file of that name is written there"
    try:
        handle, probe = tempfile.mkstemp(prefix=".pushpull-probe-", dir=existing)
        os.close(handle)
        os.unlink(probe)
    except OSError as exc:
        return f"cannot write in {existing} ({exc.strerror or exc})"
    return None


def write_run(result: RunResult, out_dir: Path) -> list[Path]:
    """Write the four output files of a run into ``out_dir``; returns their paths.

    Raises:
        OSError: the disk is full or the folder unwritable; nothing in ``out_dir`` changed.
    """
    from sim.figures import plot_run  # matplotlib: only once there is something to draw
    from sim.loading import to_toml

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
        problem = out_dir_problem(out_dir, OUTPUT_FILES)
        if problem:  # checked again just before the first file is replaced
            raise IsADirectoryError(problem)
        for name in OUTPUT_FILES:
            os.replace(staging / name, out_dir / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [out_dir / name for name in OUTPUT_FILES]
