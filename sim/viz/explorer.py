"""The explorer's model wrapper, its levers, and a per-browser-session state object.

Mesa's visualization builds models from keyword arguments, while
:class:`sim.model.PushPullModel` takes a validated scenario. :class:`ExplorerModel`
bridges the two: each keyword is one lever (a dotted scenario parameter) applied as
an override on top of a bundled preset. It also computes the network layout once per
model, so drawing a frame only recolours nodes.

:class:`ExplorerSession` is the same session logic without Solara (preset, lever
values, model, a version counter), for scripts and tests. The browser page
(:mod:`sim.viz.app`, a Mesa SolaraViz app) keeps this state in session-scoped Solara
reactive variables instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.config import ConfigError, bundled_scenarios, load_scenario
from sim.model import PushPullModel

DEFAULTS_LABEL = "(defaults)"


@dataclass(frozen=True)
class Lever:
    """One control in the sidebar.

    Attributes:
        key: keyword argument of :class:`ExplorerModel`.
        param: dotted scenario parameter it overrides.
        label: text shown next to the control.
        kind: ``"float"``, ``"int"`` or ``"select"``.
        low: slider minimum (ignored for selects).
        high: slider maximum.
        step: slider step.
        choices: options of a select.
        live: True if a change applies to the running model; False if it needs a reset
            (it changes the population or the network, which are built once).
    """

    key: str
    param: str
    label: str
    kind: str = "float"
    low: float = 0.0
    high: float = 1.0
    step: float = 0.05
    choices: tuple[str, ...] = ()
    live: bool = True


LEVERS: tuple[Lever, ...] = (
    Lever("incentive", "push.incentive", "Push: incentive", high=2.0),
    Lever("reach", "push.reach", "Push: reach", "select", choices=("all", "convener")),
    Lever(
        "kind",
        "push.kind",
        "Push: kind",
        "select",
        choices=("reward", "sanction", "both", "recognition"),
    ),
    Lever("monitoring", "push.monitoring", "Push: monitoring"),
    Lever("crowding_out", "push.crowding_out", "Push: crowding-out"),
    Lever(
        "vision_mode",
        "vision.mode",
        "Pull: vision mode",
        "select",
        choices=("none", "imposed", "co_created"),
    ),
    Lever("inclusion", "vision.inclusion", "Pull: inclusion"),
    Lever("clarity", "vision.clarity", "Pull: vision clarity"),
    Lever("common_ground_focus", "dialogue.common_ground_focus", "Dialogue: common-ground focus"),
    Lever("measurement", "accountability.measurement", "Accountability: shared measurement"),
    Lever(
        "peer_sanction", "accountability.peer_sanction", "Accountability: peer sanction", high=2.0
    ),
    Lever(
        "rules",
        "accountability.rules",
        "Accountability: rules",
        "select",
        choices=("none", "imposed", "co_created"),
    ),
    Lever("leaders_incentive", "leaders.incentive", "Leaders: push inside", high=2.0),
    Lever(
        "cross_sector_share",
        "network.cross_sector_share",
        "Cross-sector ties (on reset)",
        live=False,
    ),
    Lever(
        "population_size", "population.size", "Actors (on reset)", "int", 50, 1000, 50, live=False
    ),
)
LEVERS_BY_KEY = {lever.key: lever for lever in LEVERS}
MAX_ACTORS = int(LEVERS_BY_KEY["population_size"].high)


def reach_label(value: Any) -> str:
    """Show ``push.reach`` as one select option (a list of sectors joins with commas)."""
    if isinstance(value, list | tuple):
        return ", ".join(value)
    return str(value)


def reach_value(label: str) -> str | list[str]:
    """Inverse of :func:`reach_label`."""
    if label in ("all", "convener"):
        return label
    return [part.strip() for part in label.split(",") if part.strip()]


def spring_positions(model: PushPullModel, iterations: int = 40) -> np.ndarray:
    """Node positions (N x 2): sectors start on separate arcs, then a spring layout.

    Seeding each sector at its own place makes the picture read by sector (silos show
    as separate clumps, cross-sector ties pull them together) and keeps it the same
    for the same seed.
    """
    sector = model.state.sector
    n_sectors = max(len(model.sector_names), 1)
    rng = np.random.default_rng(model.scenario_config.seed)
    angle = 2 * np.pi * sector / n_sectors
    start = np.column_stack([np.cos(angle), np.sin(angle)]) + rng.normal(0, 0.3, (sector.size, 2))
    net = model.network
    if getattr(net, "well_mixed", False) or net.indices.size == 0:
        return start / np.abs(start).max()  # no ties to lay out: keep the sector clumps
    rows = np.repeat(np.arange(net.indptr.size - 1), np.diff(net.indptr))
    pos = fruchterman_reingold(rows, net.indices, start, iterations)
    pos -= pos.mean(axis=0)
    return pos / np.abs(pos).max()


def fruchterman_reingold(
    src: np.ndarray, dst: np.ndarray, start: np.ndarray, iterations: int
) -> np.ndarray:
    """Fruchterman & Reingold (1991) spring layout, dense and vectorized.

    The same algorithm and cooling as networkx's ``spring_layout`` below 500 nodes.
    networkx switches to a per-node Python loop from 500 nodes on (6 s for 1000
    actors); this stays vectorized (about 1.5 s for 1000, 0.15 s for 300).

    Args:
        src: tie start nodes.
        dst: tie end nodes.
        start: initial positions (N x 2).
        iterations: cooling steps.
    """
    n = start.shape[0]
    pos = start.astype(float)
    adjacency = np.zeros((n, n))
    adjacency[src, dst] = 1.0
    adjacency[dst, src] = 1.0
    k = np.sqrt(1.0 / n)  # optimal distance between nodes
    temperature = 0.1 * max(np.ptp(pos[:, 0]), np.ptp(pos[:, 1]))
    cooling = temperature / (iterations + 1)
    for _ in range(iterations):
        delta = pos[:, None, :] - pos[None, :, :]
        distance = np.clip(np.sqrt((delta**2).sum(axis=-1)), 0.01, None)
        force = k * k / distance**2 - adjacency * distance / k  # repulsion - attraction
        displacement = np.einsum("ijk,ij->ik", delta, force)
        length = np.sqrt((displacement**2).sum(axis=-1))
        length = np.where(length < 0.01, 0.1, length)
        pos += displacement * (temperature / length)[:, None]
        temperature -= cooling
    return pos


class ExplorerModel(PushPullModel):
    """A :class:`PushPullModel` built from a preset name and lever keyword arguments.

    Args:
        preset: bundled scenario name, or None / ``"(defaults)"`` for the defaults.
        seed: seed of the run (None keeps the preset's seed).
        **levers: values for the keys of :data:`LEVERS`; None keeps the preset's value.

    Raises:
        ConfigError: if a value is invalid for the scenario.
    """

    def __init__(self, preset: str | None = None, seed: int | None = None, **levers: Any) -> None:
        unknown = set(levers) - set(LEVERS_BY_KEY)
        if unknown:
            raise ConfigError(f"unknown lever(s): {', '.join(sorted(unknown))}")
        spec = None if preset in (None, "", DEFAULTS_LABEL) else preset
        if spec is not None and spec not in bundled_scenarios():
            # Only bundled presets: a preset name is never a path into the server's files.
            raise ConfigError(f"preset {str(spec)[:40]!r}: not a bundled scenario")
        overrides = {LEVERS_BY_KEY[k].param: v for k, v in levers.items() if v is not None}
        if overrides.get("push.reach") is not None:
            overrides["push.reach"] = reach_value(reach_label(overrides["push.reach"]))
        if seed is not None:
            overrides["seed"] = int(seed)
        config = load_scenario(spec, overrides)
        if config.population.size > MAX_ACTORS and "population.size" in overrides:
            # The layout is dense (n x n): the cap protects a shared server's memory.
            raise ConfigError(
                f"population.size: the explorer draws at most {MAX_ACTORS} actors "
                f"(got {config.population.size})"
            )
        if config.population.size > MAX_ACTORS:
            config = load_scenario(spec, {**overrides, "population.size": MAX_ACTORS})
        self.scenario_config = config
        super().__init__(config)
        self.preset = preset or DEFAULTS_LABEL
        self.positions = spring_positions(self)


def lever_values(config: Any) -> dict[str, Any]:
    """The lever values of a scenario (what the sidebar shows after a preset is chosen).

    The population is capped at the slider's maximum: the explorer draws every actor
    and lays the network out densely, which is meant for hundreds, not millions.
    """
    flat = config.flat()
    values = {lever.key: flat[lever.param] for lever in LEVERS}
    values["reach"] = reach_label(values["reach"])
    values["population_size"] = min(values["population_size"], MAX_ACTORS)
    return values
