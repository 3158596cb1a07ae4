"""The pushpull model: wiring of the mechanisms and their order within a step. No I/O.

Step order (each mechanism reads the state left by the previous step and writes new arrays):

1. schedule: apply any parameter changes planned for this step;
2. dialogue (:mod:`sim.mechanisms.dialogue`): neighbours' visions converge;
3. shared vision (:mod:`sim.mechanisms.vision`): revision, ownership, alignment;
4. push (:mod:`sim.mechanisms.push`): expected extrinsic pressure;
5. pull (:mod:`sim.mechanisms.pull`): from vision, last step's neighbours and progress;
6. motivation (:mod:`sim.mechanisms.motivation`): intrinsic motivation and crowding-out;
7. decision (:mod:`sim.mechanisms.decision`): who acts;
8. enforcement, habit and progress, then the step's metrics are recorded.
"""

from __future__ import annotations

import math
from typing import Any

import mesa
import numpy as np
import pandas as pd

from sim import metrics
from sim.agents import Actor, initial_state
from sim.config import Scenario, changeable_mid_run
from sim.loading import ConfigError
from sim.mechanisms import decision, dialogue, motivation, progress, pull, push, vision
from sim.network import build_graph, neighbour_share


class PushPullModel(mesa.Model):
    """Actors from several sectors deciding, step by step, whether to act for a common cause.

    Args:
        scenario: a validated scenario (see :func:`sim.config.load_scenario`).
        rng: seed or generator; defaults to ``scenario.seed``. All randomness uses ``self.rng``.
    """

    def __init__(self, scenario: Scenario, rng: Any = None) -> None:
        super().__init__(rng=scenario.seed if rng is None else rng)
        self.config = scenario  # the starting scenario (Mesa reserves .scenario)
        self.params = scenario
        self.sector_names = list(scenario.population.sectors)
        self.state = initial_state(scenario, self.rng)
        net = scenario.network
        self.network = build_graph(
            net.kind,
            self.state.sector,
            net.mean_degree,
            net.cross_sector_share,
            net.rewiring,
            self.rng,
        )
        Actor.create_agents(self, self.state.size, np.arange(self.state.size))
        self._sector_start_visions = self._sector_means(self.state.vision)
        self._phases: dict[int, dict[str, Any]] = {}
        for phase in scenario.schedule:  # phases at the same step apply in file order
            self._phases.setdefault(phase.step, {}).update(phase.set)
        self._cluster_sample = self._draw_cluster_sample()
        self.shared_vision: np.ndarray | None = None
        self.progress_total = 0.0
        self.progress_signal = 0.0
        self.spent = 0.0
        self.pushing = False
        self.recorder = metrics.Recorder(
            metrics.timeseries_columns(self.sector_names), scenario.steps
        )
        self._refresh_derived()
        self._initial_choice()

    # -- parameters -------------------------------------------------------------------------
    def set_parameter(self, name: str, value: Any) -> None:
        """Change one parameter from the next step on (validated; raises ConfigError).

        Only dynamic parameters (dialogue, vision, pull, push, motivation, decision) can change;
        the population, network and metrics are fixed when the model is built.
        """
        if not changeable_mid_run(name):
            raise ConfigError(f"{name}: cannot change mid-run; rebuild the model instead")
        self.params = self.params.with_overrides({name: value})
        self._refresh_derived()

    def _refresh_derived(self) -> None:
        p = self.params
        self.under_authority = push.authority_mask(
            p.push.reach, self.state.sector, self.sector_names, p.convener
        )
        self.in_convener = self.state.sector == self.sector_names.index(p.convener)

    def _apply_schedule(self) -> None:
        changes = self._phases.get(self.steps)
        if changes:
            self.params = self.params.with_overrides(changes)
            self._refresh_derived()

    # -- one step -----------------------------------------------------------------------------
    def step(self) -> None:
        """Advance every actor by one step (vectorized)."""
        self._apply_schedule()
        p, s = self.params, self.state
        d = p.dialogue
        s.vision, pairs = dialogue.dialogue_step(
            s.vision,
            self.network,
            d.rate,
            d.confidence,
            d.convergence,
            d.common_ground_focus,
            self.rng,
        )
        shared_alignment = self._update_shared_vision()
        s.pressure = self._expected_pressure()
        s.pull = pull.pull_strength(
            shared_alignment,
            s.ownership,
            p.vision.clarity,
            p.pull.ownership_weight,
            neighbour_share(self.network, s.acting),
            p.pull.social_influence,
            p.pull.social_threshold,
            self.progress_signal,
            p.pull.progress_feedback,
        )
        self._update_motivation()
        acting = decision.decide(
            decision.act_probability(self._utility(s.pressure), p.decision.noise), self.rng
        )
        spend = self._enforce(acting)
        s.habit = motivation.update_habit(s.habit, acting, p.motivation.habit_rate)
        made = self._make_progress(acting, shared_alignment)
        s.acting = acting
        self._record(pairs, spend, made)

    def _update_shared_vision(self) -> np.ndarray | None:
        p, s = self.params.vision, self.state
        heard = None
        if p.mode == "none":
            self.shared_vision = None
        elif (self.steps - 1) % p.revision_every == 0 or self.shared_vision is None:
            heard = vision.heard_actors(p.mode, s.voice, self.in_convener, p.inclusion, self.rng)
            if p.mode == "imposed":
                self.shared_vision = self._sector_start_visions[
                    self.sector_names.index(self.params.convener)
                ]
            elif heard.any():
                self.shared_vision = vision.co_created_vision(s.vision, s.voice, heard)
        s.ownership = vision.update_ownership(
            s.ownership, heard, p.ownership_rate, p.ownership_decay
        )
        if self.shared_vision is None:
            s.alignment = vision.alignment(s.vision, s.vision.mean(axis=0), p.tolerance)
            return None
        s.alignment = vision.alignment(s.vision, self.shared_vision, p.tolerance)
        return s.alignment

    def _push_active(self) -> bool:
        budget = self.params.push.budget
        return self.params.push.incentive > 0 and (budget is None or self.spent < budget)

    def _expected_pressure(self) -> np.ndarray:
        q = self.params.push
        self.pushing = self._push_active()  # decided once per step: pressure, enforcement, record
        if not self.pushing:
            return np.zeros(self.state.size)
        return push.expected_pressure(
            self.under_authority,
            self.state.sensitivity,
            q.incentive,
            q.kind,
            q.legitimacy,
            q.monitoring,
        )

    def _update_motivation(self) -> None:
        s, m = self.state, self.params.motivation
        s.intrinsic = motivation.update_intrinsic(
            s.intrinsic, s.disposition, s.pull, m.adaptation, s.champion
        )
        s.disposition = motivation.crowd_out(
            s.disposition, s.pressure, self.params.push.crowding_out, m.adaptation, s.champion
        )

    def _effort(self) -> np.ndarray:
        return np.maximum(self.params.decision.effort_cost + self.state.effort_offset, 0.0)

    def _utility(self, pressure: np.ndarray | float) -> np.ndarray:
        s = self.state
        return decision.utility(
            s.intrinsic, pressure, s.habit, self._effort(), self.params.decision.habit_weight
        )

    def _enforce(self, acting: np.ndarray) -> float:
        q = self.params.push
        if not self.pushing:
            return 0.0
        outcome = push.enforce(
            self.under_authority,
            acting,
            q.incentive,
            q.kind,
            q.monitoring,
            q.monitoring_cost,
            self.rng,
        )
        self.spent += outcome.spend
        return outcome.spend

    def _make_progress(self, acting: np.ndarray, shared_alignment: np.ndarray | None) -> float:
        coherence = shared_alignment
        if coherence is None:
            vis, count = self.state.vision, np.count_nonzero(acting)
            centre = acting @ vis / count if count else vis.mean(axis=0)  # no subset copy
            coherence = vision.alignment(self.state.vision, centre, self.params.vision.tolerance)
        made = progress.step_progress(acting, coherence)
        self.progress_total += made
        self.progress_signal = progress.visible_progress(self.progress_signal, made)
        return made

    # -- start and metrics ------------------------------------------------------------------------
    def _initial_choice(self) -> None:
        """Who acts before anything happens: the no-intervention baseline choice."""
        probability = decision.act_probability(self._utility(0.0), self.params.decision.noise)
        self.state.acting = decision.decide(probability, self.rng)

    def _sector_means(self, values: np.ndarray) -> np.ndarray:
        counts = np.bincount(self.state.sector, minlength=len(self.sector_names))
        sums = np.stack(
            [
                np.bincount(self.state.sector, weights=values[:, k], minlength=counts.size)
                for k in range(values.shape[1])
            ],
            axis=1,
        )
        return sums / np.maximum(counts, 1)[:, None]

    def _draw_cluster_sample(self) -> np.ndarray:
        size = min(self.config.metrics.cluster_sample, self.state.size)
        if size == self.state.size:
            return np.arange(size)
        return np.sort(self.rng.choice(self.state.size, size=size, replace=False))

    def cant_not(self) -> np.ndarray:
        """Actors who would act with probability >= 0.9 with every incentive removed."""
        s, d = self.state, self.params.decision
        return decision.cant_not(s.intrinsic, s.habit, self._effort(), d.habit_weight, d.noise)

    def _record(self, pairs: int, spend: float, made: float) -> None:
        s = self.state
        by_sector = np.bincount(s.sector, weights=s.acting, minlength=len(self.sector_names))
        by_sector /= np.maximum(np.bincount(s.sector, minlength=len(self.sector_names)), 1)
        budget = self.params.push.budget
        sample = s.vision[self._cluster_sample]  # vision metrics on a fixed sample (exact if small)
        row = {
            "step": self.steps,
            "participation": s.acting.mean(),
            "intrinsic_motivation": s.intrinsic.mean(),
            "extrinsic_pressure": s.pressure.mean(),
            "pull": s.pull.mean(),
            "habit": s.habit.mean(),
            "alignment": s.alignment.mean(),
            "ownership": s.ownership.mean(),
            "cant_not": self.cant_not().mean(),
            "progress": self.progress_total,
            "progress_rate": made,
            "incentive_spend": spend,
            "budget_left": math.inf if budget is None else max(budget - self.spent, 0.0),
            "incentive_active": float(self.pushing),
            "dialogue_pairs": pairs,
            "vision_dispersion": metrics.vision_dispersion(sample),
            "vision_clusters": metrics.count_clusters(sample, self.params.metrics.cluster_distance),
        }
        row.update(
            {f"participation_{n}": v for n, v in zip(self.sector_names, by_sector, strict=True)}
        )
        self.recorder.record(row)

    def metrics_frame(self) -> pd.DataFrame:
        """The metrics recorded so far, one row per step."""
        return self.recorder.frame()
