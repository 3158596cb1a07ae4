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

The steps themselves run compiled (:mod:`sim.loop`, :mod:`sim.kernel`); this class builds the
model, applies the schedule and hands each stretch of steps between parameter changes to
:func:`sim.loop.run_steps`, whole (:meth:`PushPullModel.advance`) or one step at a time
(:meth:`PushPullModel.step`, as Mesa drives it), with the same results.
"""

from __future__ import annotations

import math
from typing import Any

import mesa
import numpy as np
import pandas as pd

from sim import kernel, loop, metrics, pcg64
from sim.agents import Actor, initial_state
from sim.config import Scenario, changeable_mid_run
from sim.loading import ConfigError
from sim.mechanisms import accountability, cooperation, decision, dialogue, push, vision
from sim.network import build_graph


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
        self.recorder = metrics.Recorder(
            metrics.timeseries_columns(self.sector_names), scenario.steps
        )
        self._fixed = self._fixed_arrays(self._draw_cluster_sample())
        self._carry = loop.new_carry(
            self.state.size, scenario.population.vision_dims, self._fixed.sample.size,
            scenario.metrics.cluster_distance,
        )  # fmt: skip
        self._refresh_derived()
        self._initial_choice()
        self._handed: tuple[np.ndarray, np.ndarray] | None = None  # acting, vision last stepped

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
        p, s = self.params, self.state
        self.under_authority = push.authority_mask(
            p.push.reach, s.sector, self.sector_names, p.convener
        )
        self.in_convener = s.sector == self.sector_names.index(p.convener)
        self.net_cost = cooperation.material_cost(self._effort(), p.decision.public_return)
        self._segment = self._segment_arrays()
        self._carry.scalars[loop.C.ALIGNED] = 0.0  # the tolerance may have changed

    def _segment_arrays(self) -> loop.Segment:
        """The parameters of the steps until the next change, as the compiled loop reads them."""
        p, n = self.params, self.state.size
        d, v, q, acc = p.dialogue, p.vision, p.push, p.accountability
        meeting = accountability.rules_meeting_size(acc.rules, n, self.in_convener)
        return loop.Segment(
            levers=kernel.levers(p),
            talk_rate=d.rate,
            talk_confidence=d.confidence,
            talk_convergence=d.convergence,
            talk_weights=dialogue.owa_weights_cached(
                p.population.vision_dims, d.common_ground_focus
            ),
            talk_cost=d.cost,
            vision_mode=vision.MODES.index(v.mode),
            revision_every=v.revision_every,
            heard_count=vision.heard_count(v.inclusion, n),
            voice_ownership=v.voice_ownership,
            ownership_rate=v.ownership_rate,
            ownership_decay=v.ownership_decay,
            tolerance=v.tolerance,
            vision_cost=v.cost,
            imposed_vision=self._sector_start_visions[self.sector_names.index(p.convener)],
            in_convener=_bytes(self.in_convener),
            reached=_bytes(self.under_authority),
            net_cost=self.net_cost,
            propensity_by_type=accountability.propensity_by_type(acc.rules),
            push_incentive=float(q.incentive),
            budget=math.inf if q.budget is None else float(q.budget),
            monitoring_cost=q.monitoring_cost,
            push_sanction_cost=q.sanction_cost,
            lead_incentive=float(p.leaders.incentive),
            lead_alignment=p.leaders.alignment,
            measurement_cost=acc.measurement_cost,
            sanction_cost=acc.sanction_cost,
            review_every=acc.review_every,
            meeting_cost=acc.rules_cost * meeting,
        )

    def _fixed_arrays(self, sample: np.ndarray | None) -> loop.Fixed:
        """What the compiled loop reads for the whole run: graph, metric set-up, scratch."""
        s, graph, metric = self.state, self.network, self.config.metrics
        layout = metrics.RowLayout(self.recorder.columns, self.sector_names)
        return loop.Fixed(
            indptr=graph.indptr,
            indices=graph.indices,
            walk=graph.walk,
            well_mixed=graph.well_mixed,
            n_sectors=len(self.sector_names),
            sector_sizes=np.maximum(self.sector_sizes, 1).astype(float),
            sample=np.arange(s.size) if sample is None else sample,
            cluster_every=metric.cluster_every,
            planned_steps=self.config.steps,
            mean_columns=layout.means,
            sector_columns=layout.sectors,
            scalar_columns=layout.scalars,
            delta=np.zeros(s.vision.shape),
            moved=np.empty(2 * s.size, dtype=np.int64),
        )

    # -- stepping -------------------------------------------------------------------------------
    def step(self) -> None:
        """Advance every actor by one step (Mesa has counted it in ``self.steps`` already)."""
        self._take(self.steps, 1)

    def advance(self, steps: int) -> None:
        """Take ``steps`` steps, as calling :meth:`step` that often would, in few compiled calls.

        Mesa's clock (``steps``, ``time``) moves as if each step had been scheduled; if anything
        else is scheduled on Mesa's event list, the steps are taken one event at a time.
        """
        clock = self._default_schedule
        if steps <= 0:
            return
        if len(self._event_list) != 1 or not clock.is_active:
            self.run_for(steps)
            return
        clock.pause()
        target = self.steps + steps
        try:
            while self.steps < target:
                first = self.steps + 1
                later = [at for at in self._phases if at > first]
                last = min([target, *(at - 1 for at in later)])
                self._take(first, last - first + 1)
                self.steps, self.time = last, self.time + (last - first + 1)
        finally:  # Mesa's clock runs on, even if a step failed
            clock.resume()

    def _take(self, first: int, count: int) -> None:
        """Steps ``first`` to ``first + count - 1`` (no parameter change after the first)."""
        changes = self._phases.get(first)
        if changes:
            self.params = self.params.with_overrides(changes)
            self._refresh_derived()
        s, scalars = self.state, self._carry.scalars
        if self._handed is None or self._handed[0] is not s.acting:
            # last step's neighbour shares and counts belong to other choices
            scalars[loop.C.SEEN] = scalars[loop.C.COUNTED] = 0.0
        if self._handed is None or self._handed[1] is not s.vision:
            scalars[loop.C.ALIGNED] = scalars[loop.C.MEASURED] = 0.0
        rows = self.recorder.reserve(count)
        actors = loop.Actors(*(_bytes(getattr(s, name)) for name in loop.Actors._fields))
        acting = loop.run_steps(actors, self._fixed, self._segment, self._carry,
                                self.recorder.data, rows, first, count, self.rng,
                                pcg64.state_of(self.rng))  # fmt: skip
        self.recorder.rows += count
        s.acting = acting.view(bool)
        self._handed = (s.acting, s.vision)

    @property
    def shared_vision(self) -> np.ndarray | None:
        """The shared vision now (None if there is none)."""
        return self._carry.shared.copy() if self._carry.scalars[loop.C.HAS_SHARED] else None

    @property
    def progress_total(self) -> float:
        """Progress made so far (the sum of every step's progress)."""
        return float(self._carry.scalars[loop.C.PROGRESS_TOTAL])

    @property
    def spent(self) -> float:
        """What the authority has spent on incentives so far (what ``push.budget`` limits)."""
        return float(self._carry.scalars[loop.C.SPENT])

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

    def metrics_frame(self) -> pd.DataFrame:
        """The metrics recorded so far, one row per step."""
        return self.recorder.frame()

    def metrics_recorded(self) -> metrics.Recorded:
        """The metrics recorded so far as one float array (no DataFrame built)."""
        return self.recorder.recorded()
