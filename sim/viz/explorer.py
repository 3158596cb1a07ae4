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

import threading
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
        overrides = {LEVERS_BY_KEY[k].param: v for k, v in levers.items() if v is not None}
        if overrides.get("push.reach") is not None:
            overrides["push.reach"] = reach_value(reach_label(overrides["push.reach"]))
        if seed is not None:
            overrides["seed"] = int(seed)
        spec = None if preset in (None, "", DEFAULTS_LABEL) else preset
        config = load_scenario(spec, overrides)
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


class ExplorerSession:
    """Everything one browser session changes: preset, lever values, model, version.

    Thread-safe enough for Solara: the play loop steps from a worker thread while the
    page reads; a lock keeps a step from interleaving with a reset.

    Args:
        preset: starting preset (None for the defaults, or the first bundled one).
        population_size: starting number of actors (None keeps the preset's).
    """

    def __init__(self, preset: str | None = None, population_size: int | None = None) -> None:
        self.lock = threading.RLock()
        self.version = 0
        self._drawn = threading.Condition()
        self.drawn_version = 0
        self.error: str | None = None
        self.presets = [DEFAULTS_LABEL, *bundled_scenarios()]
        self.preset = preset if preset in self.presets else DEFAULTS_LABEL
        self.values = lever_values(load_scenario(self._spec()))
        if population_size is not None:
            self.values["population_size"] = population_size
        self.model = self._build()

    def _spec(self) -> str | None:
        return None if self.preset == DEFAULTS_LABEL else self.preset

    def _build(self) -> ExplorerModel:
        return ExplorerModel(self.preset, **self.values)

    def choose_preset(self, preset: str) -> None:
        """Load a preset's lever values (keeping the chosen population size) and reset."""
        with self.lock:
            self.preset = preset
            size = self.values.get("population_size")
            self.values = lever_values(load_scenario(self._spec()))
            self.values["population_size"] = size
            self.reset()

    def set_lever(self, key: str, value: Any) -> None:
        """Set one lever; live levers also change the running model from the next step."""
        lever = LEVERS_BY_KEY[key]
        with self.lock:
            self.values[key] = value
            self.error = None
            if lever.live:
                param_value = reach_value(value) if key == "reach" else value
                try:
                    self.model.set_parameter(lever.param, param_value)
                except ConfigError as exc:
                    self.error = str(exc)
            self.version += 1

    def withdraw_incentives(self) -> None:
        """Set the incentive to zero mid-run: who keeps acting without the push?"""
        self.set_lever("incentive", 0.0)

    def step(self, steps: int = 1) -> bool:
        """Advance the model.

        Returns:
            True if the scenario's schedule changed a parameter (e.g. incentives
            withdrawn at step 151); the lever values then follow the model.
        """
        with self.lock:
            before = self.model.params
            for _ in range(steps):
                self.model.step()
            changed = self.model.params is not before
            if changed:
                current = lever_values(self.model.params)
                self.values.update({k: current[k] for k in current if LEVERS_BY_KEY[k].live})
            self.version += 1
            return changed

    def reset(self) -> None:
        """Rebuild the model from the current preset and lever values."""
        with self.lock:
            try:
                self.model = self._build()
                self.error = None
            except ConfigError as exc:
                self.error = str(exc)
            self.version += 1

    def mark_drawn(self, version: int) -> None:
        """Record that the page has drawn ``version`` (called after a render)."""
        with self._drawn:
            self.drawn_version = max(self.drawn_version, version)
            self._drawn.notify_all()

    def wait_drawn(self, timeout: float = 2.0) -> bool:
        """Block until the current version has been drawn (or ``timeout`` passes).

        The play loop waits here so that it never changes state again while the page
        is still rendering the previous frame; otherwise a render started by a click
        keeps finding new state and Solara aborts it as a render loop.
        """
        with self._drawn:
            return self._drawn.wait_for(lambda: self.drawn_version >= self.version, timeout)

    @property
    def step_count(self) -> int:
        """Steps taken by the current model."""
        return int(self.model.steps)

    @property
    def participation(self) -> float:
        """Share of actors acting now."""
        return float(np.mean(self.model.state.acting))
