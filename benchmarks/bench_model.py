"""Benchmark the pushpull model: throughput, construction time, peak memory, default run time.

Usage::

    python benchmarks/bench_model.py            # 1k, 10k, 100k and 1M actors x 100 steps
    python benchmarks/bench_model.py --quick    # 1k, 10k, 100k actors, one run each, 3 default runs

Every (scenario, size) cell runs in a fresh subprocess with ``OMP_NUM_THREADS=1`` and
``OPENBLAS_NUM_THREADS=1`` (one core), so each peak-memory figure (``ru_maxrss``) belongs to
that size alone; below a million actors each cell runs three times and the run with the median
stepping time is reported. Model construction (population, network, Mesa agents) is timed
separately from stepping; agent-steps per second = actors x steps / stepping time. Wall time
and process CPU time are both reported: on a busy machine (see the load average printed with
each line) wall time is inflated by other processes, and the CPU-time columns are the better
estimate of what an idle core achieves. Targets are judged on wall time (exit code 1 if one
fails) and, for reference, on CPU time.

Targets checked (issue 10):

* >= 20 million agent-steps/s at 100,000 actors on one core, for every bundled scenario;
* the default scenario (``run_scenario(load_scenario("multi_sector_pull"))``, 300 actors x 300
  steps) in <= 20 ms (median of 5, timed after import);
* 1,000,000 actors built in <= 2 s, and 1,000,000 actors x 100 steps in < 15 s in total
  (construction + stepping) and < 1 GB peak.

The output ends with markdown tables that can be pasted into the README.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

SIZES = (1_000, 10_000, 100_000, 1_000_000)
QUICK_SIZES = (1_000, 10_000, 100_000)
STEPS = 100
PULL = "multi_sector_pull"
PUSH = "multi_sector_push"
DEFAULT_REPEATS = 5
CELL_REPEATS = 3

TARGET_RATE = 20e6  # agent-steps/s at 100k actors, one core, every bundled scenario
TARGET_DEFAULT_S = 0.020
TARGET_MILLION_BUILD_S = 2.0
TARGET_MILLION_S = 15.0
TARGET_MILLION_MB = 1024.0

ROOT = Path(__file__).resolve().parents[1]


def single_core_env() -> dict[str, str]:
    """Environment for a child process restricted to one BLAS/OpenMP thread."""
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = "1"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    return env


def load() -> str:
    """The 1-minute load average against the CPU count (other work on the machine skews times)."""
    try:
        return f"{os.getloadavg()[0]:.1f}/{os.cpu_count()}"
    except OSError:
        return "n/a"


def peak_mb() -> float:
    """Peak resident set size of this process in MB (Linux reports KB, macOS bytes)."""
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


# -- work done inside a fresh subprocess -------------------------------------------------------
def shortened(config, steps: int):
    """``config`` run for ``steps`` steps, its schedule scaled to keep each phase's share."""
    phases = [
        phase.model_copy(update={"step": max(1, round(phase.step * steps / config.steps))})
        for phase in config.schedule
    ]
    return config.model_copy(update={"steps": steps, "schedule": phases})


def worker_model(scenario: str, size: int, steps: int) -> dict:
    """Build one model and step it; time both and report the process's peak memory."""
    from sim.config import load_scenario
    from sim.model import PushPullModel

    config = shortened(load_scenario(scenario, {"population.size": size}), steps)
    warm = PushPullModel(shortened(load_scenario(scenario, {"population.size": 50}), 2))
    warm.advance(2)  # load the compiled kernels from numba's cache before timing
    import_mb = peak_mb()
    started, cpu_started = time.perf_counter(), time.process_time()
    model = PushPullModel(config)
    built, cpu_built = time.perf_counter(), time.process_time()
    model.advance(steps)
    stepped, cpu_stepped = time.perf_counter(), time.process_time()
    participation = float(model.metrics_frame()["participation"].iloc[-1])
    build_s, step_s = built - started, stepped - built
    return {
        "scenario": scenario,
        "size": size,
        "steps": steps,
        "build_s": build_s,
        "step_s": step_s,
        "total_s": build_s + step_s,
        "rate": size * steps / step_s,
        "build_cpu_s": cpu_built - cpu_started,
        "step_cpu_s": cpu_stepped - cpu_built,
        "cpu_rate": size * steps / max(cpu_stepped - cpu_built, 1e-9),
        "peak_mb": peak_mb(),
        "import_mb": import_mb,
        "participation_final": participation,
    }


def worker_default(repeats: int) -> dict:
    """Median wall time of the default scenario run, after import.

    Also times the same run with vision clusters counted at the last step only
    (``metrics.cluster_every = steps``): what the exact per-step count costs.
    """
    from sim.config import load_scenario
    from sim.run import run_scenario

    config = load_scenario(PULL)
    run_scenario(config)  # load the compiled kernels from numba's cache before timing
    times, cpu_times = timed_runs(run_scenario, config, repeats)
    sparse, _ = timed_runs(
        run_scenario, config.with_overrides({"metrics.cluster_every": config.steps}), repeats
    )
    return {
        "times": times,
        "median_s": statistics.median(times),
        "cpu_times": cpu_times,
        "median_cpu_s": statistics.median(cpu_times),
        "clusters_at_end_s": statistics.median(sparse),
        "steps": config.steps,
        "size": config.population.size,
    }


def timed_runs(run, config, repeats: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of ``repeats`` runs of ``config``."""
    times, cpu_times = [], []
    for _ in range(repeats):
        started, cpu_started = time.perf_counter(), time.process_time()
        run(config)
        times.append(time.perf_counter() - started)
        cpu_times.append(time.process_time() - cpu_started)
    return times, cpu_times


def bundled() -> list[str]:
    """Names of the bundled scenarios."""
    return sorted(p.stem for p in (ROOT / "experiments" / "scenarios").glob("*.toml"))


def cell_repeats(size: int, quick: bool) -> int:
    """Fresh-process runs per (scenario, size): 3 below a million actors (1 with --quick)."""
    return 1 if quick or size >= 1_000_000 else CELL_REPEATS


def median_run(runs: list[dict]) -> dict:
    """The run with the median stepping time (timings on a shared machine are noisy)."""
    ordered = sorted(runs, key=lambda r: r["step_s"])
    return ordered[(len(ordered) - 1) // 2]


def run_child(args: list[str]) -> dict:
    """Run this script as a worker in a fresh single-core subprocess; parse its JSON line."""
    cmd = [sys.executable, str(Path(__file__).resolve()), *args]
    done = subprocess.run(cmd, env=single_core_env(), capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"worker {' '.join(args)} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- report ------------------------------------------------------------------------------------
def fmt_rate(rate: float) -> str:
    return f"{rate / 1e6:.2f} M"


def model_table(rows: list[dict]) -> str:
    steps = rows[0]["steps"] if rows else STEPS
    lines = [
        f"| scenario | actors | build (s) | {steps} steps (s) | total (s) | agent-steps/s "
        f"| CPU: {steps} steps (s) | CPU: agent-steps/s | peak RSS (MB) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['scenario']} | {r['size']:,} | {r['build_s']:.2f} | {r['step_s']:.2f} "
            f"| {r['total_s']:.2f} | {fmt_rate(r['rate'])} | {r['step_cpu_s']:.2f} "
            f"| {fmt_rate(r['cpu_rate'])} | {r['peak_mb']:.0f} |"
        )
    return "\n".join(lines)


Target = tuple[str, str, bool | None, bool | None]


def target_rows(rows: list[dict], default: dict) -> list[Target]:
    """(target, measured, holds on wall time, holds on CPU time) for every target."""

    def cell(scenario: str, size: int) -> dict | None:
        return next((r for r in rows if r["scenario"] == scenario and r["size"] == size), None)

    targets: list[Target] = []
    hundred_k = [r for r in rows if r["size"] == 100_000]
    if hundred_k:
        slowest = min(hundred_k, key=lambda r: r["rate"])
        slowest_cpu = min(hundred_k, key=lambda r: r["cpu_rate"])
        targets.append(
            (
                f">= 20 M agent-steps/s at 100,000 actors, one core, {len(hundred_k)} scenarios",
                f"slowest {slowest['scenario']} {fmt_rate(slowest['rate'])} (slowest on CPU "
                f"time {slowest_cpu['scenario']} {fmt_rate(slowest_cpu['cpu_rate'])}) "
                "agent-steps/s",
                slowest["rate"] >= TARGET_RATE,
                slowest_cpu["cpu_rate"] >= TARGET_RATE,
            )
        )
    targets.append(
        (
            "default scenario (multi_sector_pull, 300 actors x 300 steps) <= 20 ms",
            f"{default['median_s'] * 1e3:.1f} ms (CPU {default['median_cpu_s'] * 1e3:.1f} ms), "
            f"median of {len(default['times'])}; with vision clusters counted at the last step "
            f"only {default['clusters_at_end_s'] * 1e3:.1f} ms",
            default["median_s"] <= TARGET_DEFAULT_S,
            default["median_cpu_s"] <= TARGET_DEFAULT_S,
        )
    )
    million = cell(PULL, 1_000_000)
    if million:
        cpu_total = million["build_cpu_s"] + million["step_cpu_s"]
        targets.append(
            (
                "1,000,000 actors built in <= 2 s",
                f"{million['build_s']:.2f} s (CPU {million['build_cpu_s']:.2f} s)",
                million["build_s"] <= TARGET_MILLION_BUILD_S,
                million["build_cpu_s"] <= TARGET_MILLION_BUILD_S,
            )
        )
        targets.append(
            (
                "1,000,000 actors x 100 steps < 15 s total",
                f"{million['total_s']:.1f} s (CPU {cpu_total:.1f} s)",
                million["total_s"] < TARGET_MILLION_S,
                cpu_total < TARGET_MILLION_S,
            )
        )
        peak_ok = million["peak_mb"] < TARGET_MILLION_MB
        targets.append(
            (
                "1,000,000 actors x 100 steps < 1 GB peak",
                f"{million['peak_mb']:.0f} MB",
                peak_ok,
                peak_ok,
            )
        )
    else:
        targets.append(
            ("1,000,000 actors (build <= 2 s, < 15 s, < 1 GB)", "not run (--quick)", None, None)
        )
    return targets


def targets_table(targets: list[Target]) -> str:
    def mark(ok: bool | None) -> str:
        return "n/a" if ok is None else ("yes" if ok else "**NO**")

    lines = [
        "| target | measured | holds (wall) | holds (CPU time) |",
        "|---|---|:---:|:---:|",
    ]
    for name, measured, ok, cpu_ok in targets:
        lines.append(f"| {name} | {measured} | {mark(ok)} | {mark(cpu_ok)} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="skip 1M actors; one run per cell; 3 default runs"
    )
    parser.add_argument("--steps", type=int, default=STEPS, help="steps per size (default 100)")
    parser.add_argument("--worker", choices=["model", "default"], help=argparse.SUPPRESS)
    parser.add_argument("--scenario", default=PULL, help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, default=1000, help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, default=DEFAULT_REPEATS, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker == "model":
        print(json.dumps(worker_model(args.scenario, args.size, args.steps)))
        return 0
    if args.worker == "default":
        print(json.dumps(worker_default(args.repeats)))
        return 0

    import numpy as np

    sizes = QUICK_SIZES if args.quick else SIZES
    print(
        f"# pushpull benchmark - Python {platform.python_version()}, numpy {np.__version__}, "
        f"{platform.machine()}, {os.cpu_count()} CPUs (children limited to 1 BLAS/OMP thread), "
        f"load average {load()} at start"
    )
    rows = []
    cells = [(scenario, size) for scenario in (PULL, PUSH) for size in sizes]
    cells += [(name, 100_000) for name in bundled() if name not in (PULL, PUSH)]
    for scenario, size in cells:
        runs = [
            run_child(
                ["--worker", "model", "--scenario", scenario, "--size", str(size)]
                + ["--steps", str(args.steps)]
            )
            for _ in range(cell_repeats(size, args.quick))
        ]
        row = median_run(runs)
        rows.append(row)
        spread = (
            f" [{len(runs)} runs: {fmt_rate(min(r['rate'] for r in runs))}"
            f"-{fmt_rate(max(r['rate'] for r in runs))}]"
            if len(runs) > 1
            else ""
        )
        print(
            f"{scenario:22s} {size:>9,} actors: build {row['build_s']:7.2f} s, "
            f"{args.steps} steps {row['step_s']:7.2f} s (cpu {row['step_cpu_s']:.2f} s), "
            f"{fmt_rate(row['rate'])} agent-steps/s{spread}, peak {row['peak_mb']:6.0f} MB "
            f"(after import {row['import_mb']:.0f} MB), load {load()}",
            flush=True,
        )
    repeats = 3 if args.quick else DEFAULT_REPEATS
    default = run_child(["--worker", "default", "--repeats", str(repeats)])
    print(
        f"default scenario {PULL} ({default['size']} actors x {default['steps']} steps): "
        + ", ".join(f"{t:.3f}" for t in default["times"])
        + f" s; median {default['median_s']:.3f} s (CPU {default['median_cpu_s']:.3f} s)",
        flush=True,
    )
    targets = target_rows(rows, default)
    print()
    print(model_table(rows))
    print()
    print(targets_table(targets))
    print(f"\n1-minute load average at the end: {load()} (wall times assume an idle machine)")
    failed = [name for name, _, ok, _ in targets if ok is False]
    if failed:
        print("\nTargets missed: " + "; ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
