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

from sim import clusters, kernel, metrics
from sim.agents import Actor, initial_state
from sim.config import Scenario, changeable_mid_run
from sim.loading import ConfigError
from sim.mechanisms import (
    accountability,
    cooperation,
    decision,
    dialogue,
    leaders,
    progress,
    push,
    vision,
)
from sim.network import build_graph

_EMPTY = np.empty(0)  # no draws (a lever that draws nothing this step), nothing carried over


def _bytes(values: np.ndarray) -> np.ndarray:
    """Boolean arrays as uint8 views for the compiled passes (faster loads); others unchanged."""
    return values.view(np.uint8) if values.dtype == np.bool_ else values


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
        self.sector_sizes = np.bincount(self.state.sector, minlength=len(self.sector_names))
        self._phases: dict[int, dict[str, Any]] = {}
        for phase in scenario.schedule:  # phases at the same step apply in file order
            self._phases.setdefault(phase.step, {}).update(phase.set)
        self._cluster_sample = self._draw_cluster_sample()
        self.vision_metrics = clusters.VisionMetrics(scenario.metrics.cluster_distance)
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
        self.row_layout = metrics.RowLayout(self.recorder.columns, self.sector_names)
        self._refresh_derived()
        self._initial_choice()
        self._seen: tuple[np.ndarray | None, np.ndarray] = (None, _EMPTY)
        self._nobody = np.zeros(self.state.size, dtype=bool)  # led when no leader pushes
        self._aligned: tuple[tuple, np.ndarray, np.ndarray] | None = None  # key, visions, result

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
        acc = p.accountability
        self.propensity = accountability.sanction_propensity(self.state.social_type, acc.rules)
        self.levers = kernel.levers(p)

    def _apply_schedule(self) -> None:
        changes = self._phases.get(self.steps)
        if changes:
            self.params = self.params.with_overrides(changes)
            self._refresh_derived()

    # -- one step -----------------------------------------------------------------------------
    def step(self) -> None:
        """Advance every actor by one step (the per-actor passes are compiled: sim.kernel)."""
        self._apply_schedule()
        d, s = self.params.dialogue, self.state
        self.costs = metrics.StepCosts()
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
        has_vision = self._update_shared_vision() is not None
        self.pushing = self._push_active()  # decided once per step: pressure, enforcement, record
        self.led = self._led_members()
        acting, self.step_sums, self.acting_by_sector, tallies, seen = kernel.actor_passes(
            *self._state_arrays(), *self._step_inputs(has_vision)
        )
        s.acting = acting.view(bool)
        self._seen = (s.acting, seen)  # next step's view of its neighbours, while s.acting holds
        self._pay_enforcement(tallies)
        self._pay_accountability(self.step_sums[kernel.S.SANCTIONS_IMPOSED])
        made = progress.per_actor(self.step_sums[kernel.S.COHERENCE], s.size)
        self.progress_total += made
        self.progress_signal = progress.visible_progress(self.progress_signal, made)
        self._record(pairs, made)

    def _state_arrays(self) -> list[np.ndarray]:
        return [_bytes(getattr(self.state, name)) for name in kernel.STATE_FIELDS]

    def _step_inputs(self, has_vision: bool) -> kernel.StepInputs:
        """Graph, derived arrays and the step's draws, in the order the mechanisms use them."""
        n, graph = self.state.size, self.network
        decision_draws = self.rng.random(n)
        push_draws = self.rng.random(n) if self.pushing else _EMPTY
        lead_draws = self.rng.random(n) if self.led.any() else _EMPTY
        return kernel.StepInputs(
            indptr=graph.indptr,
            indices=graph.indices,
            well_mixed=graph.well_mixed,
            net_cost=self.net_cost,
            reached=_bytes(self.under_authority),
            led=_bytes(self.led),
            propensity=self.propensity,
            n_sectors=len(self.sector_names),
            pushing=self.pushing,
            has_vision=has_vision,
            progress_signal=self.progress_signal,
            tolerance=self.params.vision.tolerance,
            decision_draws=decision_draws,
            push_draws=push_draws,
            lead_draws=lead_draws,
            levers=self.levers,
            seen=self._seen[1] if self._seen[0] is self.state.acting else _EMPTY,
        )

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
        s.alignment = self._alignment(p.tolerance)
        return None if self.shared_vision is None else s.alignment

    def _alignment(self, tolerance: float) -> np.ndarray:
        """Alignment with the shared vision (or the mean vision), recomputed where visions moved.

        Dialogue replaces the vision array when a vision moves (never edits it in place), so an
        unchanged array object means unchanged visions.
        """
        s, shared = self.state, self.shared_vision
        key = (None if shared is None else shared.tobytes(), tolerance)
        same_target = self._aligned is not None and self._aligned[0] == key
        if same_target and self._aligned[1] is s.vision:
            return self._aligned[2]
        if same_target and shared is not None:  # only the visions that moved change
            before, aligned = self._aligned[1], self._aligned[2]
            aligned = vision.realigned(before, s.vision, aligned, shared, tolerance)
        else:  # a new target; the mean vision moves with any vision
            centre = s.vision.mean(axis=0) if shared is None else shared
            aligned = vision.alignment(s.vision, centre, tolerance)
        self._aligned = (key, s.vision, aligned)
        return aligned

    # -- pressure and enforcement ---------------------------------------------------------------
    def _push_active(self) -> bool:
        budget = self.params.push.budget
        return self.params.push.incentive > 0 and (budget is None or self.spent < budget)

    def _led_members(self) -> np.ndarray:
        lead, s = self.params.leaders, self.state
        if lead.incentive <= 0:
            return self._nobody
        pushing = leaders.pushing_leaders(s.leader, s.acting, s.alignment, lead.alignment)
        return leaders.members_reached(s.org, s.leader, pushing)

    def _pay_enforcement(self, tallies: np.ndarray) -> None:
        """Book what the authority's and the leaders' enforcement cost this step."""
        q, lead = self.params.push, self.params.leaders
        costs = (q.monitoring_cost, q.sanction_cost)
        for (monitored, _paid, fined, rewards), incentive, by_authority in (
            (tallies[0], q.incentive, True),
            (tallies[1], lead.incentive, False),
        ):
            if monitored:
                spend = push.enforcement_spend(
                    rewards, int(fined), int(monitored), incentive, costs
                )
                self.costs.incentives += spend
                self.spent += spend if by_authority else 0.0

    def _pay_accountability(self, sanctions_imposed: float) -> None:
        """Book measurement, the sanctions partners imposed, and rule-making meetings."""
        acc, n = self.params.accountability, self.state.size
        self.costs.accountability += acc.measurement_cost * acc.measurement * n
        if not accountability.active(acc.measurement, acc.peer_sanction):
            return
        self.costs.accountability += accountability.sanction_cost(
            sanctions_imposed, acc.measurement, acc.peer_sanction, acc.sanction_cost
        )
        if (self.steps - 1) % acc.review_every == 0:
            meeting = accountability.rules_meeting_size(acc.rules, n, self.in_convener)
            self.costs.accountability += acc.rules_cost * meeting

    def _effort(self) -> np.ndarray:
        return np.maximum(self.params.decision.effort_cost + self.state.effort_offset, 0.0)

    # -- start and metrics ------------------------------------------------------------------------
    def _initial_choice(self) -> None:
        """Who acts before anything happens: the no-intervention choice at the starting beliefs."""
        s, d = self.state, self.params.decision
        utility = decision.utility(
            s.intrinsic, 0.0, s.habit, self.net_cost, d.habit_weight, self._reciprocity()
        )
        probability = decision.act_probability(utility, d.noise)
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

    def _draw_cluster_sample(self) -> np.ndarray | None:
        """The actors whose visions the vision metrics use (None: every actor)."""
        size = min(self.config.metrics.cluster_sample, self.state.size)
        if size == self.state.size:
            return None
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
        self.recorder.record_row(metrics.step_values(self, pairs, made))

    def metrics_frame(self) -> pd.DataFrame:
        """The metrics recorded so far, one row per step."""
        return self.recorder.frame()
