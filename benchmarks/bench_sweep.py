"""Sweep throughput and executor overhead against bare model runs.

Usage::

    python benchmarks/bench_sweep.py [--runs 200] [--scenario baseline] [--workers 1 2]

Prints runs per second at each worker count, the speed-up over one worker, and the
executor's overhead per run: the wall time a sweep spends beyond the bare model runs
(planning, preflight, seeding, result tables, parquet parts, consolidation, manifest).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from sim.config import load_scenario
from sim.experiment.plan import make_plan
from sim.experiment.runner import run_plan
from sim.experiment.spec import parse_experiment
from sim.run import run_scenario


def bare_seconds(scenario: str, runs: int) -> float:
    """Mean wall time of one bare ``run_scenario`` call (after one warm-up run)."""
    cfg = load_scenario(scenario)
    run_scenario(cfg.with_overrides({"seed": 10_000}))
    start = time.perf_counter()
    for seed in range(runs):
        run_scenario(cfg.with_overrides({"seed": seed}))
    return (time.perf_counter() - start) / runs


def sweep_seconds(scenario: str, runs: int, workers: int, out: Path) -> float:
    """Wall time of a whole sweep of ``runs`` replications, from plan to manifest."""
    exp = parse_experiment(
        {"name": "bench", "base": scenario, "seed": 1, "replications": runs}, "bench"
    )
    start = time.perf_counter()
    report = run_plan(make_plan(exp, "bench"), out, workers=workers, fresh=True)
    elapsed = time.perf_counter() - start
    assert report.ok == runs, report.errors[:3]
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--scenario", default="baseline")
    parser.add_argument("--bare-runs", type=int, default=30)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()

    bare = bare_seconds(args.scenario, args.bare_runs)
    print(f"bare model run ({args.scenario}): {bare * 1000:.1f} ms")
    timings = {}
    with tempfile.TemporaryDirectory() as tmp:
        for workers in args.workers:
            timings[workers] = sweep_seconds(args.scenario, args.runs, workers, Path(tmp) / "r")
    base = timings[args.workers[0]]
    for workers, seconds in timings.items():
        ideal = args.runs * bare / workers
        overhead = (seconds - ideal) * workers / args.runs
        print(
            f"{workers} worker(s): {seconds:6.1f} s  {args.runs / seconds:6.2f} runs/s  "
            f"speed-up x{base / seconds:.2f}  overhead/run {overhead * 1000:6.1f} ms "
            f"({100 * overhead / bare:.1f}% of a bare run)"
        )


if __name__ == "__main__":
    main()
