"""The pushpull model: wiring of the mechanisms and their order within a step. No I/O.

Step order (each mechanism reads the state left by the previous step and writes new arrays):

1. schedule: apply any parameter changes planned for this step;
2. dialogue (:mod:`sim.mechanisms.dialogue`): neighbours' visions converge;
3. shared vision (:mod:`sim.mechanisms.vision`): revision, ownership, alignment;
4. pressure: push from an authority (:mod:`sim.mechanisms.push`), from leaders who were pulled in
   (:mod:`sim.mechanisms.leaders`) and expected peer sanctions
   (:mod:`sim.mechanisms.accountability`), and how controlling they feel;
5. pull (:mod:`sim.mechanisms.pull`): from vision, last step's neighbours and progress;
6. motivation (:mod:`sim.mechanisms.motivation`): intrinsic motivation and undermining;
7. decision (:mod:`sim.mechanisms.decision`, :mod:`sim.mechanisms.cooperation`): who acts;
8. enforcement, peer sanctions, beliefs, habit and progress, then the step's metrics.
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np
import pandas as pd

from sim import metrics
from sim.agents import Actor, initial_state
from sim.config import Scenario, changeable_mid_run
from sim.loading import ConfigError
from sim.mechanisms import (
    accountability,
    cooperation,
    decision,
    dialogue,
    leaders,
    motivation,
    progress,
    pull,
    push,
    vision,
)
from sim.network import build_graph, neighbour_mean


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
        self._actors_created = False  # Actor views are created on first use (see agents)
        self._sector_start_visions = self._sector_means(self.state.vision)
        self._phases: dict[int, dict[str, Any]] = {}
        for phase in scenario.schedule:  # phases at the same step apply in file order
            self._phases.setdefault(phase.step, {}).update(phase.set)
        self._cluster_sample = self._draw_cluster_sample()
        self.vision_metrics = metrics.VisionMetrics(scenario.metrics.cluster_distance)
        self.shared_vision: np.ndarray | None = None
        self.progress_total = 0.0
        self.progress_signal = 0.0
        self.spent = 0.0  # authority's incentive spend (what push.budget limits)
        self.pushing = False
        self.control = np.zeros(self.state.size)  # how controlling the incentives felt
        self.costs = metrics.StepCosts()
        self.recorder = metrics.Recorder(
            metrics.timeseries_columns(self.sector_names), scenario.steps
        )
        self._refresh_derived()
        self._initial_choice()

    # -- Mesa agents ------------------------------------------------------------------------
    # Nothing in a step touches Actor objects, and creating a million of them takes seconds, so
    # they are created the first time any of Mesa's agent collections is asked for.
    @property
    def agents(self) -> mesa.agent.AgentSet:
        """Every actor as a ``mesa.Agent`` (created on first access)."""
        self._create_actors()
        return super().agents

    @property
    def agents_by_type(self) -> dict[type, mesa.agent.AgentSet]:
        """Mesa's agents by type (created on first access)."""
        self._create_actors()
        return super().agents_by_type

    @property
    def agent_types(self) -> list[type]:
        """Mesa's agent types (created on first access)."""
        self._create_actors()
        return super().agent_types

    def _create_actors(self) -> None:
        if not self._actors_created:
            self._actors_created = True
            Actor.create_agents(self, self.state.size, np.arange(self.state.size))

    # -- parameters -------------------------------------------------------------------------
    def set_parameter(self, name: str, value: Any) -> None:
        """Change one parameter from the next step on (validated; raises ConfigError).

        Only dynamic parameters (dialogue, vision, pull, push, motivation, decision,
        accountability, leaders) can change; the population, network and metrics are fixed when
        the model is built.
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
        self.net_cost = cooperation.material_cost(self._effort(), p.decision.public_return)

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
        self.costs = metrics.StepCosts()
        d = p.dialogue
        s.vision, held, pairs = dialogue.dialogue_step(
            s.vision,
            self.network,
            d.rate,
            d.confidence,
            d.convergence,
            d.common_ground_focus,
            self.rng,
        )
        self.costs.convening += d.cost * held
        shared_alignment = self._update_shared_vision()
        s.pressure = self._pressure()
        neighbours_acting = neighbour_mean(self.network, s.acting)
        s.pull = pull.pull_strength(
            self._vision_pull(shared_alignment),
            neighbours_acting,
            p.pull.social_influence,
            p.pull.social_threshold,
            self.progress_signal,
            p.pull.progress_feedback,
        )
        self._update_motivation()
        acting = decision.decide(
            decision.act_probability(self._utility(s.pressure), p.decision.noise), self.rng
        )
        self._enforce(acting)
        self._hold_to_account(acting)
        s.habit = motivation.update_habit(s.habit, acting, p.motivation.habit_rate)
        made = self._make_progress(acting, shared_alignment)
        s.acting = acting
        s.belief = cooperation.update_beliefs(
            s.belief, neighbour_mean(self.network, acting), p.decision.belief_rate
        )
        self._record(pairs, made)

    def _update_shared_vision(self) -> np.ndarray | None:
        p, s = self.params.vision, self.state
        heard, gain = None, 1.0
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
            gain = vision.ownership_gain(p.mode, s.voice, heard, p.voice_ownership)
            self.costs.convening += p.cost * np.count_nonzero(heard)
        s.ownership = vision.update_ownership(
            s.ownership, heard, p.ownership_rate, p.ownership_decay, gain
        )
        if self.shared_vision is None:
            s.alignment = vision.alignment(s.vision, s.vision.mean(axis=0), p.tolerance)
            return None
        s.alignment = vision.alignment(s.vision, self.shared_vision, p.tolerance)
        return s.alignment

    def _vision_pull(self, shared_alignment: np.ndarray | None) -> np.ndarray | None:
        if shared_alignment is None:
            return None
        v = self.params.vision
        return pull.vision_pull(
            shared_alignment,
            self.state.ownership,
            v.clarity,
            self.params.pull.ownership_weight,
            v.reactance,
        )

    # -- pressure and enforcement ---------------------------------------------------------------
    def _push_active(self) -> bool:
        budget = self.params.push.budget
        return self.params.push.incentive > 0 and (budget is None or self.spent < budget)

    def _quality(self) -> np.ndarray | float:
        """What a reward pays for: acting at all, or the quality (alignment) of the contribution."""
        q = self.params.push
        paid_for_quality = q.contingency == "performance" and q.kind in ("reward", "recognition")
        return self.state.alignment if paid_for_quality else 1.0

    def _pressure(self) -> np.ndarray:
        """Expected pressure from every source, and (in ``self.control``) how controlling."""
        q, s, lead = self.params.push, self.state, self.params.leaders
        self.pushing = self._push_active()  # decided once per step: pressure, enforcement, record
        self.led = self._led_members()
        pressure, self.control = s.sanction_felt.copy(), np.zeros(s.size)
        acc = self.params.accountability
        if accountability.active(acc.measurement, acc.peer_sanction):  # felt as others stand ready
            self.control += (
                accountability.regime_control(acc.measurement, acc.rules) * s.sanctioners
            )
        if self.pushing:
            pressure += push.expected_pressure(
                self.under_authority,
                s.sensitivity,
                q.incentive,
                push.kind_weight(q.kind, q.loss_aversion),
                q.monitoring,
                self._quality(),
            )
            self.control += self.under_authority * push.controllingness(
                q.kind, q.contingency, q.monitoring, q.legitimacy
            )
        if self.led.any():
            pressure += push.expected_pressure(
                self.led,
                s.sensitivity,
                lead.incentive,
                push.kind_weight(lead.kind, q.loss_aversion),
                lead.monitoring,
            )
            self.control += self.led * push.controllingness(
                lead.kind, "engagement", lead.monitoring, lead.legitimacy
            )
        return pressure

    def _led_members(self) -> np.ndarray:
        lead, s = self.params.leaders, self.state
        if lead.incentive <= 0:
            return np.zeros(s.size, dtype=bool)
        pushing = leaders.pushing_leaders(s.leader, s.acting, s.alignment, lead.alignment)
        return leaders.members_reached(s.org, s.leader, pushing)

    def _enforce(self, acting: np.ndarray) -> None:
        q, lead = self.params.push, self.params.leaders
        if self.pushing:
            done = push.enforce(
                self.under_authority,
                acting,
                q.incentive,
                q.kind,
                q.monitoring,
                (q.monitoring_cost, q.sanction_cost),
                self.rng,
                self._quality(),
            )
            self.spent += done.spend
            self.costs.incentives += done.spend
        if self.led.any():
            done = push.enforce(
                self.led,
                acting,
                lead.incentive,
                lead.kind,
                lead.monitoring,
                (q.monitoring_cost, q.sanction_cost),
                self.rng,
            )
            self.costs.incentives += done.spend

    def _hold_to_account(self, acting: np.ndarray) -> None:
        """Peer sanctions for this step's free riding, felt as expected sanctions next step."""
        acc, s = self.params.accountability, self.state
        self.costs.accountability += acc.measurement_cost * acc.measurement * s.size
        if not accountability.active(acc.measurement, acc.peer_sanction):
            s.sanction_felt, s.sanctioners = np.zeros(s.size), np.zeros(s.size)
            return
        willing = acting * accountability.sanction_propensity(s.social_type, acc.rules)
        s.sanctioners = sanctioners = neighbour_mean(self.network, willing)
        s.sanction_felt = accountability.expected_sanction(
            sanctioners, acc.measurement, acc.peer_sanction, self.params.push.loss_aversion
        )
        self.costs.accountability += accountability.sanction_spend(
            acting, sanctioners, acc.measurement, acc.peer_sanction, acc.sanction_cost
        )
        if (self.steps - 1) % acc.review_every == 0:
            meeting = accountability.rules_meeting_size(acc.rules, s.size, self.in_convener)
            self.costs.accountability += acc.rules_cost * meeting

    # -- motives and choice ---------------------------------------------------------------------
    def _update_motivation(self) -> None:
        s, m = self.state, self.params.motivation
        interest = motivation.effective_interest(s.disposition, s.undermining)
        s.intrinsic = motivation.update_intrinsic(
            s.intrinsic, interest, s.pull, m.adaptation, s.champion
        )
        s.undermining = motivation.update_undermining(
            s.undermining,
            self.control,
            self.params.push.crowding_out,
            m.adaptation,
            self.params.push.crowding_recovery,
            s.champion,
        )

    def _effort(self) -> np.ndarray:
        return np.maximum(self.params.decision.effort_cost + self.state.effort_offset, 0.0)

    def _utility(self, pressure: np.ndarray | float) -> np.ndarray:
        s, d = self.state, self.params.decision
        return decision.utility(
            s.intrinsic, pressure, s.habit, self.net_cost, d.habit_weight, self._reciprocity()
        )

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
        """Who acts before anything happens: the no-intervention choice at the starting beliefs."""
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
        return decision.cant_not(
            s.intrinsic, s.habit, self.net_cost, d.habit_weight, d.noise, self._reciprocity()
        )

    def _reciprocity(self) -> np.ndarray:
        s = self.state
        return cooperation.reciprocity(s.social_type, s.belief, self.params.decision.reciprocity)

    def _record(self, pairs: int, made: float) -> None:
        self.recorder.record(metrics.step_row(self, pairs, made))

    def metrics_frame(self) -> pd.DataFrame:
        """The metrics recorded so far, one row per step."""
        return self.recorder.frame()
