"""Running one scenario: model in, time series and summary out, without touching the disk."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pandas as pd

from sim import metrics
from sim.config import Scenario
from sim.model import PushPullModel


@dataclass(frozen=True)
class RunResult:
    """The outcome of one run."""

    scenario: Scenario
    series: metrics.Recorded
    summary: dict[str, Any]
    phase_steps: tuple[int, ...]
    seconds: float

    @cached_property
    def timeseries(self) -> pd.DataFrame:
        """One row per step (built on first use: sweeps read :attr:`series` instead)."""
        return self.series.frame()


#: Seconds between progress-bar updates: each update ends a compiled call, which has a cost.
PROGRESS_INTERVAL = 0.1


def run_scenario(
    scenario: Scenario, progress: bool = False, on_step: Callable[[int], None] | None = None
) -> RunResult:
    """Run a scenario to its last step.

    Args:
        scenario: a validated scenario; its seed fixes every random draw.
        progress: show a progress bar on stderr if the run takes longer than a second.
        on_step: optional callback called with the step number after every step.

    Returns:
        RunResult with one time-series row per step and the summary metrics.
    """
    started = time.perf_counter()
    model = PushPullModel(scenario)
    bar = _LazyProgressBar(scenario.steps) if progress else None
    if bar or on_step:
        _advance_reporting(model, scenario.steps, bar, on_step)
    else:
        model.advance(scenario.steps)
    if bar:
        bar.close()
    series = model.metrics_recorded()
    summary = metrics.summarize(series, scenario, float(model.cant_not().mean()))
    phases = tuple(sorted(phase.step for phase in scenario.schedule))
    return RunResult(scenario, series, summary, phases, time.perf_counter() - started)


def _advance_reporting(
    model: PushPullModel,
    steps: int,
    bar: _LazyProgressBar | None,
    on_step: Callable[[int], None] | None,
) -> None:
    """Advance to ``steps`` and report on the way: every step to ``on_step``; to the bar, in
    chunks that double while a chunk takes less than :data:`PROGRESS_INTERVAL`."""
    chunk = 1
    while model.steps < steps:
        began = time.perf_counter()
        model.advance(min(chunk, steps - model.steps))
        if bar:
            bar.advance(model.steps)
        if on_step:
            on_step(model.steps)
        elif time.perf_counter() - began < PROGRESS_INTERVAL:
            chunk *= 2


#: Bundled scenarios that between them reach every compiled kernel (dialogue, co-created and
#: imposed visions, push, peer accountability, leaders), for :func:`warm_up`.
WARM_UP_SCENARIOS = ("multi_sector_pull", "imposed_vision", "mutual_accountability", "hybrid")


def warm_up() -> None:
    """Load every compiled kernel (compiling it once, into numba's cache, on a fresh install).

    Runs tiny versions of :data:`WARM_UP_SCENARIOS`: about a second from the cache, about a
    minute the first time (60 s measured on the 2-core machine). The explorer and sweep
    workers call it before their first run, so a first click or batch is not the one that waits.
    """
    from sim.loading import load_scenario

    for name in WARM_UP_SCENARIOS:
        run_scenario(load_scenario(name, {"population.size": 30, "steps": 3}))


class _LazyProgressBar:
    """A rich progress bar that only appears once a run has taken more than a second."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.started = time.perf_counter()
        self.progress = None
        self.task = None

    def advance(self, done: int) -> None:
        if self.progress is None:
            if time.perf_counter() - self.started < 1.0:
                return
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

            self.progress = Progress(
                TextColumn("run"),
                BarColumn(),
                TextColumn("{task.completed}/{task.total} steps"),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self.progress.start()
            self.task = self.progress.add_task("run", total=self.total)
        self.progress.update(self.task, completed=done)

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()
