"""Peak memory of one run per actor: the figures behind sim/resources.py's estimates.

Run with ``.venv/bin/python benchmarks/bench_memory.py``. Measured with tracemalloc
(numpy reports its buffers to it); the estimate in sim/resources.py must stay above these.
Measured on 2026-12-02 (Python 3.12, numpy 2): 700 bytes per actor at K = 5 and degree 8,
+12 bytes per extra vision dimension, +64 bytes per extra tie.
"""

from __future__ import annotations

import tracemalloc

from sim import resources
from sim.loading import load_scenario
from sim.run import run_scenario

CASES = [(5000, 5, 8), (20000, 5, 8), (20000, 20, 8), (20000, 5, 40), (80000, 5, 8)]


def main() -> None:
    """Print the measured peak and the estimate for a few sizes."""
    for size, dims, degree in CASES:
        scenario = load_scenario(
            None,
            {
                "population.size": size,
                "steps": 3,
                "population.vision_dims": dims,
                "network.mean_degree": degree,
            },
        )
        tracemalloc.start()
        run_scenario(scenario)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        estimate = resources.run_bytes(scenario)
        print(
            f"size {size:>6} K {dims:>2} degree {degree:>2}: {peak / size:6.0f} B/actor "
            f"measured, estimate {estimate / size:6.0f} B/actor"
        )


if __name__ == "__main__":
    main()
