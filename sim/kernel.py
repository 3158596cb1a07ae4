"""The compiled core of a step: every actor's motives, choice and aftermath in fused passes.

:meth:`sim.model.PushPullModel.step` prepares what changes rarely (shared vision, leaders,
parameters) and draws this step's random numbers, then calls :func:`actor_passes` once. The
passes call each mechanism's one-actor equation (``sim.mechanisms.*``), so every equation stays
in its module; this module only decides what is read and written, pass by pass:

1. motives and choice: pressure and how controlling it feels, pull (from last step's
   neighbours), intrinsic motivation, undermining, and the choice ``draw < Pr(act)``;
2. enforcement tallies (:func:`sim.mechanisms.push.enforcement_tally`) and habit;
3. what this step's choices cause: the share of neighbours who acted (each actor's count of
   acting neighbours is carried from step to step and moved along the ties of those whose
   choice changed; under accountability one walk over all ties also finds who stands ready to
   sanction), then peer sanctions felt next step, beliefs, progress, and the sums behind the
   step's metrics.

Updates read the old state and write the new one (last step's ``acting`` stays intact until the
model swaps it in), so the order of actors within a pass does not matter. Random draws are made
by the model with the run's ``numpy.random.Generator``, in the same order as before the passes
were fused, so a seed gives the same numbers.
"""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from sim import network
from sim.jit import compiled, unsigned
from sim.mechanisms import accountability, cooperation, decision, motivation, pull, push, vision
from sim.metrics import MEAN_COLUMNS
from sim.network import csr_mean

_NONE = np.empty(0)

if TYPE_CHECKING:
    from sim.config import Scenario

SUM_NAMES = (  # the per-step sums returned by actor_passes, in this order
    *MEAN_COLUMNS,  # population means times N
    "top_of_scale",
    "coherence",  # sum over the actors who acted of their alignment (progress before / N)
    "sanctions_imposed",  # sum over free riders of the share of neighbours ready to sanction
)
S = IntEnum("S", {name.upper(): k for k, name in enumerate(SUM_NAMES)})


class Levers(NamedTuple):
    """The scalar parameters the passes read (one immutable record per parameter change).

    Every field is a float (flags 1.0 or 0.0), so compiled code receives the record by value:
    read once per call and kept in registers, where an array's entries would be read again
    after every store to an actor's array (the compiler cannot rule out that they overlap).
    """

    push_incentive: float
    push_weight: float
    push_monitoring: float
    push_control: float
    push_quality: float  # rewards pay for the quality (alignment) of the contribution
    push_pays: float
    push_fines: float
    lead_incentive: float
    lead_weight: float
    lead_monitoring: float
    lead_control: float
    lead_pays: float
    lead_fines: float
    accountable: float
    regime_control: float
    measurement: float
    peer_sanction: float
    loss_aversion: float
    clarity: float
    ownership_weight: float
    reactance: float
    social_influence: float
    social_threshold: float
    progress_feedback: float
    adaptation: float
    crowding_out: float
    crowding_recovery: float
    habit_weight: float
    habit_rate: float
    reciprocity: float
    belief_rate: float
    noise: float


@compiled
def actor_passes(
    sector, vision_, intrinsic, disposition, undermining, sensitivity, habit, ownership,
    champion, social_type, belief, acting_before, pressure, pull_, alignment, sanction_felt,
    sanctioners, indptr, walk, well_mixed, net_cost, reached, led, propensity_by_type, n_sectors,
    pushing, has_vision, progress_signal, tolerance, decision_draws, push_draws, lead_draws, lv,
    seen, counts, counted,
):  # fmt: skip
    """One step for every actor (see the module docstring); updates the state in place.

    Arguments: the actors' arrays (:class:`sim.agents.ActorState`, ``acting_before`` being last
    step's choices), the graph's row pointers and :class:`sim.network.Walk`, then what the step
    prepared (:func:`sim.loop._step`): each actor's net cost of acting, whether the authority's
    push (``reached``) or a pushing leader (``led``) reaches it, the propensity to sanction of
    each social type, the number of sectors, whether the authority pushes and a shared vision
    exists, visible progress, the alignment tolerance, this step's draws (push and leader draws
    empty when unused), the :class:`Levers`, last step's share of neighbours acting (empty if not
    known), and how many neighbours of each actor acted last step (``counts``, int32, edited in
    place; valid if ``counted``). Boolean arrays arrive as ``uint8`` views (compiled loads of
    numpy bools are slower).

    Returns:
        ``(acting, sums, by_sector, tallies, seen, counted)``: this step's choices (uint8);
        the :data:`SUM_NAMES` sums; how many acted in each sector; the authority's and the
        leaders' enforcement tallies (rows of :func:`sim.mechanisms.push.enforcement_tally`);
        the share of each actor's neighbours who acted, which is next step's ``seen``; whether
        ``counts`` now hold this step's counts.
    """
    n = intrinsic.size
    if seen.size != n:  # not carried over from the last step
        seen = neighbour_means(walk, well_mixed, acting_before)
    acting = np.empty(n, dtype=np.uint8)
    control = np.empty(n)
    _motives(lv, pushing, reached, led, sensitivity, alignment, sanction_felt, sanctioners,
             pressure, control)  # fmt: skip
    _choose(lv, has_vision, progress_signal, alignment, ownership, seen, disposition, undermining,
            intrinsic, champion, social_type, belief, habit, net_cost, pressure, control,
            decision_draws, pull_, acting)  # fmt: skip
    tallies = _tally_enforcement(lv, pushing, reached, led, alignment, acting, push_draws,
                                 lead_draws)  # fmt: skip
    for i in range(n):
        habit[i] = motivation.update_habit(habit[i], acting[i], lv.habit_rate)
    centre = np.zeros(vision_.shape[1]) if has_vision else _acting_centre(vision_, acting)
    if lv.accountable:  # who acted and who stands ready to sanction: one walk over every tie
        seen_now, ready = _acting_and_ready(walk, well_mixed, acting, social_type,
                                            propensity_by_type)  # fmt: skip
        counted = False
    else:
        seen_now, counted = _shares_acting(indptr, walk, well_mixed, acting_before, acting,
                                           counts, counted)  # fmt: skip
        ready = seen  # unused
    _hold_to_account(lv, ready, acting, sanctioners, sanction_felt)
    for i in range(n):
        belief[i] = cooperation.update_beliefs(belief[i], seen_now[i], lv.belief_rate)
    sums = _sums(lv, has_vision, tolerance, centre, vision_, acting, intrinsic, pressure, pull_,
                 habit, alignment, ownership, undermining, belief, sanction_felt, sanctioners,
                 social_type, net_cost)  # fmt: skip
    return acting, sums, _acted_by_sector(sector, acting, n_sectors), tallies, seen_now, counted


@compiled
def _shares_acting(indptr, walk, well_mixed, before, after, counts, counted):
    """Share of each actor's neighbours acting after this step's choices.

    ``counts`` (how many neighbours acted, per actor) is carried from step to step: when it
    holds the counts of ``before`` (``counted``), only the ties of actors whose choice changed
    are walked. Returns the shares and whether ``counts`` now hold ``after``'s counts.
    """
    if well_mixed:
        return neighbour_means(walk, True, after), False
    if counted:
        network.recount_acting(walk, before, after, counts)
    else:
        network.count_acting(walk, after, counts)
    return network.shares_of(indptr, counts), True


@compiled
def neighbour_means(walk, well_mixed, values):
    """Mean of ``values`` over each actor's neighbours (the population mean if well mixed)."""
    if not well_mixed:
        return csr_mean(walk, values)
    total = 0.0
    for i in range(values.size):
        total += values[i]
    return np.full(values.size, total / max(values.size, 1))


@compiled
def _acting_and_ready(walk, well_mixed, acting, social_type, propensity_by_type):
    """Share of each actor's neighbours who acted, and who stand ready to sanction.

    The second is the mean over neighbours of ``acting * propensity`` (a float sum in tie
    order: :mod:`sim.mechanisms.accountability`). Both are read in one walk over the ties
    (:class:`sim.network.Walk`) from one byte per neighbour, 0 if it did not act and else 1 +
    its social type, which indexes a table of ``acting * propensity``: the same terms in the
    same order as from the float array, read from 100 kB instead of 900 kB at 100,000 actors
    (1.11 -> 0.70 ms).
    """
    if well_mixed:
        willing = np.empty(acting.size)
        for i in range(acting.size):
            willing[i] = acting[i] * propensity_by_type[social_type[i]]
        return neighbour_means(walk, True, acting), neighbour_means(walk, True, willing)
    codes = np.empty(acting.size, dtype=np.uint8)
    for i in range(acting.size):
        codes[i] = acting[i] * (social_type[i] + 1)
    willing_of = np.zeros(propensity_by_type.size + 1)  # by code: 0 for those who did not act
    willing_of[1:] = propensity_by_type  # 1 * propensity, exactly
    order, indptr, indices = walk
    shares, ready = np.empty(order.size), np.empty(order.size)
    for p in range(order.size):
        count, total = 0, 0.0
        for k in range(unsigned(indptr[p]), unsigned(indptr[p + 1])):
            code = codes[unsigned(indices[k])]
            count += code != 0
            total += willing_of[unsigned(code)]
        degree = max(indptr[p + 1] - indptr[p], 1)
        i = unsigned(order[p])
        shares[i], ready[i] = count / degree, total / degree  # count: what a float sum gives
    return shares, ready


@compiled
def _acted_by_sector(sector, acting, n_sectors):
    """How many acted in each sector (as floats).

    Counted in integers: sectors are contiguous runs of actors, and a float count would wait at
    every actor for the previous addition to the same entry (0.38 ms a step at 100,000 actors,
    0.06 ms in integers; the same numbers, as counts are exact either way).
    """
    counts = np.zeros(n_sectors, dtype=np.int64)
    for i in range(acting.size):
        counts[unsigned(sector[i])] += acting[i]
    return counts.astype(np.float64)


@compiled
def _motives(lv, pushing, reached, led, sensitivity, alignment, sanction_felt, sanctioners,
             pressure, control):  # fmt: skip
    """Expected pressure on every actor from every source, and how controlling it feels."""
    for i in range(pressure.size):
        felt = sanction_felt[i]
        if pushing:
            quality = alignment[i] if lv.push_quality else 1.0
            felt += push.expected_pressure(
                reached[i], sensitivity[i], lv.push_incentive, lv.push_weight,
                lv.push_monitoring, quality,
            )  # fmt: skip
        if led[i]:
            felt += push.expected_pressure(
                1.0, sensitivity[i], lv.lead_incentive, lv.lead_weight,
                lv.lead_monitoring, 1.0,
            )  # fmt: skip
        pressure[i] = felt
        control[i] = _control(lv, pushing, reached[i], led[i], sanctioners[i])


@compiled
def _control(lv, pushing, reached_i, led_i, sanctioners_i):
    """How controlling the incentives reaching one actor feel (peer regime, push, leaders)."""
    control = 0.0
    if lv.accountable:  # felt as others stand ready to sanction
        control += lv.regime_control * sanctioners_i
    if pushing:
        control += reached_i * lv.push_control
    if led_i:
        control += lv.lead_control
    return control


@compiled
def _choose(lv, has_vision, progress_signal, alignment, ownership, seen, disposition, undermining,
            intrinsic, champion, social_type, belief, habit, net_cost, pressure, control, draws,
            pull_, acting):  # fmt: skip
    """Pull, intrinsic motivation and undermining of every actor, then its choice.

    Without a branch on who is a champion (champions' motives are computed, then set to the top
    of the scale), and with the choice in a loop of its own (:func:`decision.choose`, which
    calls libm's ``exp`` only for the rare draws its estimate cannot decide: any such call kept
    the rest of the loop from vectorizing; 1.36 -> 0.93 ms at 100,000 actors, measured).
    """
    utility = np.empty(acting.size)
    for i in range(acting.size):
        vision_term = 0.0
        if has_vision:
            vision_term = pull.vision_pull(
                alignment[i], ownership[i], lv.clarity, lv.ownership_weight, lv.reactance
            )
        pull_[i] = pull.felt_pull(
            vision_term, seen[i], lv.social_influence, lv.social_threshold,
            progress_signal, lv.progress_feedback,
        )  # fmt: skip
        interest = motivation.interest_left(disposition[i], undermining[i])
        moved = motivation.moved_intrinsic(intrinsic[i], interest, pull_[i], lv.adaptation)
        eroded = motivation.moved_undermining(
            undermining[i], control[i], lv.crowding_out, lv.adaptation, lv.crowding_recovery
        )
        intrinsic[i] = 1.0 if champion[i] else moved
        undermining[i] = 0.0 if champion[i] else eroded
        recip = cooperation.reciprocity_of(social_type[i], belief[i], lv.reciprocity)
        utility[i] = decision.utility(
            intrinsic[i], pressure[i], habit[i], net_cost[i], lv.habit_weight, recip
        )
    decision.choose(utility, lv.noise, draws, acting)


@compiled
def _tally_enforcement(lv, pushing, reached, led, alignment, acting, push_draws, lead_draws):
    """What the authority's and the leaders' enforcement did (counts and rewards)."""
    tallies = np.zeros((2, 4))
    if pushing:
        quality = alignment if lv.push_quality else _NONE  # empty: everyone's quality is 1
        tallies[0] = _as_row(push.enforcement_tally(
            reached, acting, push_draws, lv.push_monitoring, lv.push_pays,
            lv.push_fines, lv.push_incentive, quality,
        ))  # fmt: skip
    if lead_draws.size:
        tallies[1] = _as_row(push.enforcement_tally(
            led, acting, lead_draws, lv.lead_monitoring, lv.lead_pays, lv.lead_fines,
            lv.lead_incentive, _NONE,
        ))  # fmt: skip
    return tallies


@compiled
def _as_row(tally):
    monitored, paid, fined, rewards = tally
    return np.array([float(monitored), float(paid), float(fined), rewards])


@compiled
def _acting_centre(vision_, acting):
    """Mean vision of those who acted (of everybody if nobody did)."""
    centre, count = vision.weighted_sum(vision_, vision.UNWEIGHTED, acting)
    if count:
        return centre / count
    return vision.weighted_sum(vision_, vision.UNWEIGHTED, vision.EVERYONE)[0] / max(acting.size, 1)


@compiled
def _hold_to_account(lv, ready, acting, sanctioners, sanction_felt):
    """Peer sanctions for this step's free riding, felt as expected sanctions next step."""
    for i in range(acting.size):
        if lv.accountable:
            sanctioners[i] = ready[i]
            sanction_felt[i] = accountability.expected_sanction(
                ready[i], lv.measurement, lv.peer_sanction, lv.loss_aversion
            )
        else:
            sanctioners[i], sanction_felt[i] = 0.0, 0.0


@compiled
def _sums(lv, has_vision, tolerance, centre, vision_, acting, intrinsic, pressure, pull_, habit,
          alignment, ownership, undermining, belief, sanction_felt, sanctioners, social_type,
          net_cost):  # fmt: skip
    """The :data:`SUM_NAMES` sums of the step (population means times N, progress, sanctions).

    Summed in local variables, in actor order: kept in registers, not stored at every actor.
    What only those who acted (or did not) add is added times 1 or 0 (exact), not behind a
    branch on the choice, which follows no pattern (0.93 -> 0.52 ms at 100,000 actors).
    Without a shared vision, progress sums each acting actor's alignment with ``centre``
    (:func:`sim.mechanisms.vision.summed_alignment`).
    """
    acted = motivated = pressed = pulled = habits = aligned = owned = cant_nots = 0.0
    undermined = believed = felt = topped = coherence = imposed = 0.0
    for i in range(acting.size):
        recip = cooperation.reciprocity_of(social_type[i], belief[i], lv.reciprocity)
        cant = decision.cant_not(
            intrinsic[i], habit[i], net_cost[i], lv.habit_weight, lv.noise, recip
        )
        acted_i = float(acting[i])  # 0 or 1: the products below are exact, and branch-free
        acted += acted_i
        motivated += intrinsic[i]
        pressed += pressure[i]
        pulled += pull_[i]
        habits += habit[i]
        aligned += alignment[i]
        owned += ownership[i]
        cant_nots += 1.0 if cant else 0.0
        undermined += undermining[i]
        believed += belief[i]
        felt += sanction_felt[i]
        topped += 1.0 if intrinsic[i] >= motivation.TOP_OF_SCALE else 0.0
        coherence += alignment[i] * acted_i  # used with a shared vision only
        imposed += sanctioners[i] * ((1.0 - acted_i) * lv.accountable)
    if not has_vision:  # alignment with the mean vision of those who acted
        coherence = vision.summed_alignment(vision_, acting, centre, tolerance)
    return np.array((  # in the order of SUM_NAMES
        acted, motivated, pressed, pulled, habits, aligned, owned, cant_nots, undermined,
        believed, felt, topped, coherence, imposed,
    ))  # fmt: skip


def levers(p: Scenario) -> Levers:
    """The scalar parameters of scenario ``p`` that the passes read (all floats)."""
    q, lead, acc = p.push, p.leaders, p.accountability
    push_pays, push_fines = push.pays_and_fines(q.kind)
    lead_pays, lead_fines = push.pays_and_fines(lead.kind)
    values = Levers(
        push_incentive=q.incentive,
        push_weight=push.kind_weight(q.kind, q.loss_aversion),
        push_monitoring=q.monitoring,
        push_control=push.controllingness(q.kind, q.contingency, q.monitoring, q.legitimacy),
        push_quality=q.contingency == "performance" and q.kind in ("reward", "recognition"),
        push_pays=push_pays,
        push_fines=push_fines,
        lead_incentive=lead.incentive,
        lead_weight=push.kind_weight(lead.kind, q.loss_aversion),
        lead_monitoring=lead.monitoring,
        lead_control=push.controllingness(
            lead.kind, "engagement", lead.monitoring, lead.legitimacy
        ),
        lead_pays=lead_pays,
        lead_fines=lead_fines,
        accountable=accountability.active(acc.measurement, acc.peer_sanction),
        regime_control=accountability.regime_control(acc.measurement, acc.rules),
        measurement=acc.measurement,
        peer_sanction=acc.peer_sanction,
        loss_aversion=q.loss_aversion,
        clarity=p.vision.clarity,
        ownership_weight=p.pull.ownership_weight,
        reactance=p.vision.reactance,
        social_influence=p.pull.social_influence,
        social_threshold=p.pull.social_threshold,
        progress_feedback=p.pull.progress_feedback,
        adaptation=p.motivation.adaptation,
        crowding_out=q.crowding_out,
        crowding_recovery=q.crowding_recovery,
        habit_weight=p.decision.habit_weight,
        habit_rate=p.motivation.habit_rate,
        reciprocity=p.decision.reciprocity,
        belief_rate=p.decision.belief_rate,
        noise=p.decision.noise,
    )
    return Levers(*(float(value) for value in values))
