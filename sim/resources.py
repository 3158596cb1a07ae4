"""Memory estimates: refuse, before allocating, what this machine cannot hold.

The figures come from measuring the model with ``tracemalloc`` (peak bytes per actor for a
few sizes, vision dimensions and degrees; benchmarks/bench_memory.py) and carry a margin: an
estimate may refuse a run that would just have fitted, never let one through that cannot.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

#: Peak bytes per actor at 5 vision dimensions and mean degree 8 (measured: 700).
ACTOR_BYTES = 750
#: Extra bytes per actor for each vision dimension (12 measured) and each tie (64 measured).
DIM_BYTES = 20
TIE_BYTES = 70
#: Bytes per step of the time series and the model's history (40 columns x 8 bytes, x3).
STEP_BYTES = 1_000
#: Interpreter, numpy, pandas, Mesa: what a process needs before the first actor.
BASE_BYTES = 200_000_000
SAFETY = 1.5
#: Bytes a plan holds per run (task, seed, manifest entry) and per design point.
RUN_BYTES = 600
POINT_BYTES = 600


def available_memory() -> int:
    """Bytes this process may still allocate: free memory, or the cgroup's limit if lower."""
    available = _meminfo_available()
    limit = _cgroup_room()
    candidates = [v for v in (available, limit) if v is not None]
    return min(candidates) if candidates else 2**62


def _meminfo_available() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:  # not Linux
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _cgroup_room() -> int | None:
    root = Path("/sys/fs/cgroup")
    try:
        limit = (root / "memory.max").read_text().strip()
        if limit == "max":
            return None
        return int(limit) - int((root / "memory.current").read_text().strip())
    except (OSError, ValueError):
        return None


def run_bytes(scenario: Any) -> int:
    """Estimated peak memory of one run of ``scenario`` (bytes, with the safety margin)."""
    population = scenario.population
    per_actor = (
        ACTOR_BYTES
        + DIM_BYTES * max(population.vision_dims - 5, 0)
        + TIE_BYTES * max(scenario.network.mean_degree - 8, 0)
    )
    return int(SAFETY * (population.size * per_actor + scenario.steps * STEP_BYTES))


def plan_bytes(runs: int, points: int, dims: int) -> int:
    """Estimated memory of a plan's bookkeeping (tasks, design points, manifest)."""
    return int(SAFETY * (runs * RUN_BYTES + points * (POINT_BYTES + 16 * dims)))


def size_text(n_bytes: float) -> str:
    """``1.2 GB``-style text."""
    if n_bytes < 1e9:
        return f"{n_bytes / 1e6:.0f} MB"
    exponent = min(int(math.log10(n_bytes) // 3), 6)
    unit = {3: "GB", 4: "TB", 5: "PB", 6: "EB"}[exponent]
    return f"{n_bytes / 10 ** (3 * exponent):.1f} {unit}"


def run_problem(scenario: Any) -> str | None:
    """Why one run of ``scenario`` cannot fit in memory here (one phrase), or None."""
    need = run_bytes(scenario)
    room = available_memory() - BASE_BYTES
    if need <= room:
        return None
    return (
        f"population.size = {scenario.population.size} needs about {size_text(need)} of memory "
        f"for one run; {size_text(max(room, 0))} is available"
    )
