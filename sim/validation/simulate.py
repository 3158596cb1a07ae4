"""One validation run: a scenario at the defaults plus a finding's manipulation, and its probes.

Runs are plain data (:class:`RunSpec`) so they can go to worker processes; the same spec gives
the same outcome whatever the number of workers (one seeded generator per run).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.clusters import count_clusters
from sim.config import Scenario
from sim.loading import load_scenario
from sim.model import PushPullModel

MAJOR_CLUSTER_SHARE = 0.02  # Deffuant et al. 2000 count clusters holding more than a few agents


@dataclass(frozen=True)
class RunSpec:
    """One run of one arm of one finding."""

    finding: str
    arm: str
    replication: int
    seed: int
    overrides: dict[str, Any]
    window: tuple[int, int] | None = None  # steps whose per-actor acting is counted
    start: str = "default"  # "nobody": a new practice; "neighbourhood": one seeded neighbourhood
    schedule: tuple[tuple[int, tuple[tuple[str, Any], ...]], ...] = field(default=())


def scenario_of(spec: RunSpec) -> Scenario:
    """The scenario of a run: defaults, the manipulation, the seed and any schedule."""
    overrides = {**spec.overrides, "seed": spec.seed}
    if spec.schedule:
        overrides["schedule"] = [{"step": s, "set": dict(changes)} for s, changes in spec.schedule]
    return load_scenario(None, overrides)


def simulate(spec: RunSpec) -> dict[str, Any]:
    """Run one spec; return its participation series and the probes the finding needs."""
    scenario = scenario_of(spec)
    model = PushPullModel(scenario)
    if spec.start != "default":
        new_practice(model, seeded=spec.start == "neighbourhood")
    counts = np.zeros(model.state.size)
    if spec.window:  # who acts, step by step, within the window
        first, end = (min(at, scenario.steps + 1) for at in spec.window)
        model.advance(first - 1)
        for _ in range(first, end):
            model.step()
            counts += model.state.acting
    model.advance(scenario.steps - model.steps)
    ts = model.metrics_frame()
    out = {
        "participation": ts["participation"].to_numpy(),
        "clusters": count_clusters(
            model.state.vision, scenario.metrics.cluster_distance, MAJOR_CLUSTER_SHARE
        ),
        "sectors": {name: ts[f"participation_{name}"].to_numpy() for name in model.sector_names},
        "spend": float(ts["spend"].sum()),
    }
    if spec.window:
        out["actor_share"] = counts / (spec.window[1] - spec.window[0])
    return out


def new_practice(model: PushPullModel, seeded: bool) -> None:
    """Nobody acts or expects others to; if ``seeded``, one actor and its neighbours adopt."""
    s, graph = model.state, model.network
    s.acting = np.zeros(s.size, dtype=bool)
    s.belief = np.zeros(s.size)
    centre = int(model.rng.integers(s.size))  # drawn in both arms: common random numbers
    if seeded:
        members = np.append(graph.indices[graph.indptr[centre] : graph.indptr[centre + 1]], centre)
        s.acting[members] = True
        s.habit[members] = 1.0
        s.belief[members] = 1.0
