"""Sweep throughput and executor overhead against bare model runs.

Usage::

    python benchmarks/bench_sweep.py [--runs 1000] [--scenario multi_sector_pull] [--workers 1 2]

For each worker count it prints the sweep's wall time, runs per second and speed-up over
the first worker count, and the executor's overhead per run: the time a sweep spends
beyond the model runs themselves (planning, preflight, seeding, configs, result tables,
parquet parts, consolidation, manifest, and for local processes the hand-offs).

Overheads are measured within the same sweep, so they hold even on a busy machine:

- one worker (in this process): sweep CPU time minus the CPU time spent inside
  ``run_scenario`` (or the synthetic stand-in below), per run;
- several workers: ``wall x workers`` minus the time the workers spent on runs (the
  ``duration`` column of runs.parquet), per run - idle workers included.

Targets (issue 10, 300 actors x 300 steps): >= 40 runs/s on one worker, >= 75 on two; each
line says whether its worker count meets its target.

Wall-clock throughput and speed-up need an otherwise idle machine; the load average is
printed next to them. ``--synthetic 0.25`` replaces the model by a 0.25 s sleep that returns
a time series of the real shape: the speed-up and overhead it reports are the executor's
own, unaffected by other load on the machine; ``--synthetic 0.0`` leaves only the overhead
(runs/s is then the executor's ceiling).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from sim.config import load_scenario
from sim.experiment.plan import make_plan
from sim.experiment.runner import run_plan
from sim.experiment.spec import parse_experiment
from sim.run import run_scenario

ROOT = Path(__file__).resolve().parents[1]
LAUNCH = "from sim.cli import main; main()"

_MODEL_CPU = [0.0]
#: Seconds a synthetic run sleeps (``--synthetic``); set in every process from the env.
_SYNTHETIC_ENV = "PUSHPULL_BENCH_SYNTHETIC"


def synthetic_run(cfg):
    """A stand-in for the model: sleeps, then returns a time series of the real shape.

    Sleeping uses no CPU, so the measured overhead is the executor's alone, whatever else
    the machine is doing. Its CPU time (building the frame) counts as model time.
    """
    start = time.process_time()
    time.sleep(float(os.environ[_SYNTHETIC_ENV]))
    steps = np.arange(1, cfg.steps + 1)
    columns = {f"col{i}": np.sin(steps * (i + 1) + cfg.seed % 7) for i in range(21)}
    summary = {f"metric{i}": float(i) for i in range(12)}
    frame = pd.DataFrame({"step": steps, **columns})
    _MODEL_CPU[0] += time.process_time() - start
    return summary, frame


def timed_run(cfg):
    """``execute_run`` that also adds up the CPU time spent inside the model."""
    start = time.process_time()
    result = run_scenario(cfg, progress=False)
    _MODEL_CPU[0] += time.process_time() - start
    return result.summary, result.series


def bare_run(scenario: str, runs: int) -> float:
    """Mean wall seconds of one bare ``run_scenario`` call (after a warm-up run)."""
    cfg = load_scenario(scenario)
    run_scenario(cfg.with_overrides({"seed": 10_000}))
    start = time.perf_counter()
    for seed in range(runs):
        run_scenario(cfg.with_overrides({"seed": seed}))
    return (time.perf_counter() - start) / runs


def sweep(scenario: str, runs: int, workers: int, out: Path) -> dict[str, float]:
    """Run a sweep of ``runs`` replications; returns its timings."""
    exp = parse_experiment(
        {"name": "bench", "base": scenario, "seed": 1, "replications": runs}, "bench"
    )
    plan = make_plan(exp, "bench")
    _MODEL_CPU[0] = 0.0
    wall, cpu = time.perf_counter(), time.process_time()
    if os.environ.get(_SYNTHETIC_ENV) is not None:
        run_fn = synthetic_run
    else:
        run_fn = timed_run if workers == 1 else None
    report = run_plan(plan, out, workers=workers, fresh=True, run_fn=run_fn)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    assert report.ok == runs, report.errors[:3]
    busy = float(pd.read_parquet(out / "runs.parquet", columns=["duration"])["duration"].sum())
    return {"wall": wall, "cpu": cpu, "model_cpu": _MODEL_CPU[0], "busy": busy}


def load() -> str:
    """The 1-minute load average, to judge wall-clock figures."""
    return f"load {os.getloadavg()[0]:.1f}"


def parse_args() -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--scenario", default="multi_sector_pull")  # the default scenario
    parser.add_argument("--bare-runs", type=int, default=20)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--synthetic",
        type=float,
        metavar="SECONDS",
        help="replace the model by a sleep of this length (isolates the executor's overhead)",
    )
    parser.add_argument(
        "--marginal",
        action="store_true",
        help="also run 2x the runs and report the marginal cost of a run, without the "
        "fixed start-up (worker imports) and consolidation costs",
    )
    parser.add_argument(
        "--cli",
        action="store_true",
        help="also time the same sweep as a user runs it: `pushpull sweep` in a new process, "
        "from interpreter start to exit",
    )
    return parser.parse_args()


TARGET_RUNS_PER_S = {1: 40.0, 2: 75.0}


def report(args: argparse.Namespace, bare: float, workers: int, t: dict, first: float) -> None:
    """Print one line of results for a worker count."""
    if workers == 1:
        overhead = (t["cpu"] - t["model_cpu"]) / args.runs
        how = "CPU beyond the model"
    else:
        running = args.runs * bare if args.synthetic is not None else t["busy"]
        overhead = (t["wall"] * workers - running) / args.runs
        how = "worker time not running a model"
    print(
        f"{workers} worker(s): {t['wall']:6.1f} s  {args.runs / t['wall']:5.2f} runs/s  "
        f"speed-up x{first / t['wall']:.2f}  overhead/run {overhead * 1e3:5.1f} ms "
        f"= {_share(overhead, bare)} of a bare run ({how})  [{load()}]"
    )
    target = TARGET_RUNS_PER_S.get(workers)
    if target and args.synthetic is None:
        met = "yes" if args.runs / t["wall"] >= target else "NO"
        print(f"    target >= {target:.0f} runs/s on {workers} worker(s): {met}")


def _share(part: float, whole: float, sign: str = "") -> str:
    """``part`` as a percentage of ``whole`` (n/a for a zero-length synthetic run)."""
    return f"{100 * part / whole:{sign}.1f}%" if whole else "n/a %"


def main() -> None:
    """Measure and print."""
    args = parse_args()
    if args.synthetic is not None:  # 0.0 too: the executor's overhead alone
        os.environ[_SYNTHETIC_ENV] = str(args.synthetic)  # inherited by worker processes
        bare = args.synthetic
    else:
        bare = bare_run(args.scenario, args.bare_runs)
    print(f"bare run ({args.scenario}): {bare * 1e3:.1f} ms  [{load()}]")
    first = None
    with tempfile.TemporaryDirectory() as tmp:
        for workers in args.workers:
            t = sweep(args.scenario, args.runs, workers, Path(tmp) / "r")
            first = first or t["wall"]
            report(args, bare, workers, t, first)
            if args.marginal:
                marginal(args, bare, workers, t["wall"], Path(tmp) / "r")
            if args.cli:
                command_line(args, workers, Path(tmp))


def command_line(args: argparse.Namespace, workers: int, tmp: Path) -> None:
    """Time ``pushpull sweep`` of the benchmark's experiment in a fresh process."""
    experiment = tmp / "bench.toml"
    experiment.write_text(
        f'name = "bench"\nbase = "{args.scenario}"\nseed = 1\nreplications = {args.runs}\n'
    )
    script = Path(sys.executable).parent / "pushpull"  # the installed console script
    launcher = [str(script)] if script.exists() else [sys.executable, "-c", LAUNCH]
    options = ["--workers", str(workers), "--out", str(tmp / "cli"), "--fresh", "--force", "-q"]
    command = [*launcher, "sweep", str(experiment), *options]
    start = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT)
    wall = time.perf_counter() - start
    print(
        f"    pushpull sweep from the command line: {wall:.1f} s, {args.runs / wall:.1f} runs/s "
        f"(interpreter start, imports, worker start-up and exit included)  [{load()}]"
    )


def marginal(args: argparse.Namespace, bare: float, workers: int, first: float, out: Path) -> None:
    """Split a sweep's wall time into worker start-up, other fixed costs and cost per run.

    Worker processes start once per Python process (the fork server persists), so sweeps
    after the first one show the costs without start-up.
    """
    again = sweep(args.scenario, args.runs, workers, out)["wall"]
    double = sweep(args.scenario, 2 * args.runs, workers, out)["wall"]
    per_run = (double - again) / args.runs
    print(
        f"    marginal: {per_run * 1e3:.1f} ms wall per run "
        f"({_share(per_run * workers - bare, bare, '+')} vs bare/{workers}); fixed per sweep "
        f"{again - per_run * args.runs:.2f} s, plus {first - again:.2f} s worker start-up"
    )


if __name__ == "__main__":
    main()
