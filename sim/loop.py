"""The compiled step loop: any number of steps of the model in one call.

:class:`sim.model.PushPullModel` splits a run at its scheduled parameter changes and hands
each stretch to :func:`run_steps`, which takes the steps in the order of the model's docstring:

1. dialogue (:func:`sim.mechanisms.dialogue.talk`): visions converge in place;
2. shared vision (:mod:`sim.mechanisms.vision`): revision, ownership, alignment (recomputed only
   for the visions that moved while the target holds);
3. whether the authority still pushes (budget left) and which leaders push
   (:mod:`sim.mechanisms.leaders`); this step's random draws;
4. every actor's motives, choice and aftermath (:func:`sim.kernel.actor_passes`);
5. what enforcement, accountability and convening cost, progress, and the step's row of the
   time series (:mod:`sim.metrics` columns, vision metrics from :mod:`sim.clusters`).

Every random number comes from the run's ``numpy.random.Generator``, passed in, in the order
the step has always drawn them (compiled draws give numpy's numbers). What a step carries to the
next (progress, spend, the shared vision, last step's neighbour shares, the cluster grid) lives
in a :class:`Carry` of arrays, so one call of ``k`` steps equals ``k`` calls of one step.
"""

from __future__ import annotations

from enum import IntEnum
from typing import NamedTuple

import numpy as np

from sim import clusters, kernel, network, pcg64
from sim.jit import compiled
from sim.kernel import S
from sim.mechanisms import accountability, dialogue, leaders, progress, push, vision
from sim.metrics import MEAN_COLUMNS

_NONE = np.empty(0)

# what the scalar carry holds (floats, flags as 0/1)
C = IntEnum(
    "C",
    [
        "PROGRESS_TOTAL",
        "PROGRESS_SIGNAL",
        "SPENT",
        "HAS_SHARED",
        "ALIGNED",
        "SEEN",
        "MEASURED",
        "DISPERSION",
        "CLUSTERS",
        "CLUSTERS_CURRENT",
        "COUNTED",  # Carry.counts hold last step's counts of acting neighbours
    ],
    start=0,
)
COSTS = IntEnum("COSTS", ["INCENTIVES", "CONVENING", "ACCOUNTABILITY"], start=0)
N_COSTS = len(COSTS)
N_CARRY = len(C)


class Actors(NamedTuple):
    """The actor arrays a step reads and writes (:class:`sim.agents.ActorState`, bools as uint8)."""

    sector: np.ndarray
    vision: np.ndarray
    intrinsic: np.ndarray
    disposition: np.ndarray
    undermining: np.ndarray
    sensitivity: np.ndarray
    habit: np.ndarray
    ownership: np.ndarray
    champion: np.ndarray
    social_type: np.ndarray
    belief: np.ndarray
    acting: np.ndarray
    pressure: np.ndarray
    pull: np.ndarray
    alignment: np.ndarray
    sanction_felt: np.ndarray
    sanctioners: np.ndarray
    voice: np.ndarray
    org: np.ndarray
    leader: np.ndarray


class Fixed(NamedTuple):
    """What stays fixed for the whole run: the graph, the metrics' set-up, scratch space."""

    indptr: np.ndarray
    indices: np.ndarray
    walk: network.Walk  # the rows again, ordered for walks over every tie
    well_mixed: bool
    n_sectors: int
    sector_sizes: np.ndarray  # float, at least 1
    sample: np.ndarray  # actors whose visions the vision metrics use
    cluster_every: int
    planned_steps: int
    mean_columns: np.ndarray  # where each column goes in a row (sim.metrics.RowLayout)
    sector_columns: np.ndarray
    scalar_columns: np.ndarray
    delta: np.ndarray  # dialogue scratch (N x K zeros; 2 N): see sim.mechanisms.dialogue.talk
    moved: np.ndarray


class Segment(NamedTuple):
    """The parameters (and arrays derived from them) of a stretch without parameter changes."""

    levers: kernel.Levers
    talk_rate: float
    talk_confidence: float
    talk_convergence: float
    talk_weights: np.ndarray
    talk_cost: float
    vision_mode: int  # sim.mechanisms.vision.MODES
    revision_every: int
    heard_count: int
    voice_ownership: float
    ownership_rate: float
    ownership_decay: float
    tolerance: float
    vision_cost: float
    imposed_vision: np.ndarray
    in_convener: np.ndarray  # uint8
    reached: np.ndarray  # uint8: under the authority's push
    net_cost: np.ndarray
    propensity_by_type: np.ndarray  # propensity to sanction, by social type code
    push_incentive: float
    budget: float  # inf without a budget
    monitoring_cost: float
    push_sanction_cost: float
    lead_incentive: float
    lead_alignment: float
    measurement_cost: float
    sanction_cost: float
    review_every: int
    meeting_cost: float  # what one rule-making meeting costs (rules_cost x its size)


class Carry(NamedTuple):
    """What one step leaves to the next (edited in place)."""

    scalars: np.ndarray  # indexed by C
    shared: np.ndarray  # the shared vision, if scalars[C.HAS_SHARED]
    seen: np.ndarray  # last step's share of neighbours acting, if scalars[C.SEEN]
    counts: np.ndarray  # last step's number of neighbours acting (int32), if scalars[C.COUNTED]
    grid: clusters.Grid  # where the sampled visions sat at the last cluster count


def new_carry(size: int, dims: int, sample_size: int, cluster_distance: float) -> Carry:
    """The carry of a model that has not stepped yet."""
    grid = clusters.new_grid(sample_size, dims, cluster_distance)
    return Carry(np.zeros(len(C)), np.zeros(dims), np.zeros(size), np.zeros(size, np.int32), grid)


@compiled
def run_steps(actors, fixed, seg, carry, table, first_row, first_step, count, rng, stream):
    """Take ``count`` steps, numbered from ``first_step``, writing rows from ``first_row``.

    Returns:
        The last step's choices (uint8; the new ``acting``).
    """
    acting = actors.acting
    for t in range(count):
        acting = _step(actors, acting, fixed, seg, carry, table[first_row + t], first_step + t,
                       rng, stream)  # fmt: skip
    return acting


@compiled
def _step(actors, acting, fixed, seg, carry, row, step, rng, stream):
    """One step, in the order of the module docstring; returns its choices."""
    costs = np.zeros(N_COSTS)
    held, pairs, moved = dialogue.talk(
        actors.vision, fixed.indptr, fixed.indices, fixed.well_mixed, seg.talk_rate,
        seg.talk_confidence, seg.talk_convergence, seg.talk_weights, rng, stream, fixed.delta,
        fixed.moved,
    )  # fmt: skip
    costs[COSTS.CONVENING] += seg.talk_cost * held
    _revise_vision(actors, seg, carry, step, costs, rng)
    _align(actors, fixed.moved[:moved], seg.tolerance, carry)
    scalars = carry.scalars
    pushing = seg.push_incentive > 0 and scalars[C.SPENT] < seg.budget
    led = _led(actors, acting, seg)
    n = acting.size
    decision_draws = pcg64.uniforms(rng, stream, n)
    push_draws = pcg64.uniforms(rng, stream, n) if pushing else _NONE
    lead_draws = pcg64.uniforms(rng, stream, n) if led.any() else _NONE
    seen = carry.seen if scalars[C.SEEN] else _NONE
    new_acting, sums, by_sector, tallies, seen_now, counted = kernel.actor_passes(
        actors.sector, actors.vision, actors.intrinsic, actors.disposition, actors.undermining,
        actors.sensitivity, actors.habit, actors.ownership, actors.champion, actors.social_type,
        actors.belief, acting, actors.pressure, actors.pull, actors.alignment,
        actors.sanction_felt, actors.sanctioners, fixed.indptr, fixed.walk, fixed.well_mixed,
        seg.net_cost, seg.reached, led, seg.propensity_by_type, fixed.n_sectors, pushing,
        scalars[C.HAS_SHARED] > 0, scalars[C.PROGRESS_SIGNAL], seg.tolerance, decision_draws,
        push_draws, lead_draws, seg.levers, seen, carry.counts, scalars[C.COUNTED] > 0,
    )  # fmt: skip
    carry.seen[:] = seen_now
    scalars[C.SEEN] = 1.0
    scalars[C.COUNTED] = 1.0 if counted else 0.0
    _pay(seg, tallies, sums[S.SANCTIONS_IMPOSED], n, step, costs, scalars)
    made = progress.per_actor(sums[S.COHERENCE], n)
    scalars[C.PROGRESS_TOTAL] += made
    scalars[C.PROGRESS_SIGNAL] = progress.visible_progress(scalars[C.PROGRESS_SIGNAL], made)
    dispersion, cluster_count = _vision_metrics(actors.vision, moved, fixed, carry, step)
    _record(row, fixed, sums, by_sector, n, (
        float(step), scalars[C.PROGRESS_TOTAL], made, costs[0], costs[1], costs[2],
        costs[0] + costs[1] + costs[2], max(seg.budget - scalars[C.SPENT], 0.0),
        1.0 if pushing else 0.0, float(pairs), dispersion, cluster_count,
        sums[len(MEAN_COLUMNS)] / max(n, 1),  # the top_of_scale sum
    ))  # fmt: skip
    return new_acting


@compiled
def _revise_vision(actors, seg, carry, step, costs, rng):
    """Re-form the shared vision at a revision; ownership grows for the heard, decays for all."""
    scalars = carry.scalars
    heard, gain = _NONE.astype(np.uint8), _NONE
    if seg.vision_mode == vision.NONE:
        scalars[C.HAS_SHARED] = 0.0
    elif (step - 1) % seg.revision_every == 0 or not scalars[C.HAS_SHARED]:
        heard = vision.heard_mask(seg.vision_mode, actors.voice, seg.in_convener,
                                  seg.heard_count, rng)  # fmt: skip
        if seg.vision_mode == vision.IMPOSED:
            carry.shared[:] = seg.imposed_vision
            scalars[C.HAS_SHARED] = 1.0
        elif heard.any():
            carry.shared[:] = vision.co_created_vision(actors.vision, actors.voice, heard)
            scalars[C.HAS_SHARED] = 1.0
        gain = vision.gain_of(seg.vision_mode, actors.voice, heard, seg.voice_ownership)
        costs[COSTS.CONVENING] += seg.vision_cost * np.count_nonzero(heard)
        scalars[C.ALIGNED] = 0.0  # a new target (the same one costs a recomputation only)
    vision.grow_ownership(actors.ownership, heard, seg.ownership_rate, seg.ownership_decay, gain)


@compiled
def _align(actors, moved, tolerance, carry):
    """Alignment with the shared vision (or the mean vision), recomputed where visions moved."""
    scalars, points = carry.scalars, actors.vision
    if scalars[C.HAS_SHARED]:
        if scalars[C.ALIGNED]:
            vision.realign(points, moved, actors.alignment, carry.shared, tolerance)
        else:
            actors.alignment[:] = vision.alignment(points, carry.shared, tolerance)
    elif moved.size or not scalars[C.ALIGNED]:  # the mean vision moves with any vision
        centre = vision.weighted_sum(points, vision.UNWEIGHTED, vision.EVERYONE)[0]
        actors.alignment[:] = vision.alignment(points, centre / points.shape[0], tolerance)
    scalars[C.ALIGNED] = 1.0


@compiled
def _led(actors, acting, seg):
    """Members reached by a leader who pushes (none unless leaders have an incentive)."""
    if seg.lead_incentive <= 0:
        return np.zeros(acting.size, dtype=np.uint8)
    return leaders.led_members(actors.org, actors.leader, acting, actors.alignment,
                               seg.lead_alignment)  # fmt: skip


@compiled
def _pay(seg, tallies, sanctions_imposed, n, step, costs, scalars):
    """Book enforcement (authority, leaders) and accountability (measurement, sanctions, rules)."""
    enforcement = (seg.monitoring_cost, seg.push_sanction_cost)
    incentives = (seg.push_incentive, seg.lead_incentive)
    for source in range(2):
        monitored, fined, rewards = tallies[source, 0], tallies[source, 2], tallies[source, 3]
        if monitored:
            spend = push.enforcement_spend(rewards, int(fined), int(monitored),
                                           incentives[source], enforcement)  # fmt: skip
            costs[COSTS.INCENTIVES] += spend
            scalars[C.SPENT] += spend if source == 0 else 0.0  # leaders pay from their own means
    lv = seg.levers
    measurement = lv.measurement
    costs[COSTS.ACCOUNTABILITY] += seg.measurement_cost * measurement * n
    if lv.accountable:
        costs[COSTS.ACCOUNTABILITY] += accountability.sanction_cost(
            sanctions_imposed, measurement, lv.peer_sanction, seg.sanction_cost
        )
        if (step - 1) % seg.review_every == 0:
            costs[COSTS.ACCOUNTABILITY] += seg.meeting_cost


@compiled
def _vision_metrics(points, moved, fixed, carry, step):
    """``(dispersion, clusters)`` of the sampled visions; clusters NaN between counts."""
    scalars = carry.scalars
    changed = moved or not scalars[C.MEASURED]
    counting = step % fixed.cluster_every == 0 or step >= fixed.planned_steps
    if not (changed or (counting and not scalars[C.CLUSTERS_CURRENT])):
        return scalars[C.DISPERSION], scalars[C.CLUSTERS] if counting else np.nan
    sampled = _sampled(points, fixed.sample)  # gathered once, for both measures
    if changed:
        scalars[C.DISPERSION] = clusters.vision_dispersion(sampled)
        scalars[C.MEASURED], scalars[C.CLUSTERS_CURRENT] = 1.0, 0.0
    if not counting:
        return scalars[C.DISPERSION], np.nan
    if not scalars[C.CLUSTERS_CURRENT]:
        if clusters.place(carry.grid, sampled):  # else no vision changed cell: the count stands
            scalars[C.CLUSTERS] = clusters.count_placed(carry.grid, 0.01)
        scalars[C.CLUSTERS_CURRENT] = 1.0
    return scalars[C.DISPERSION], scalars[C.CLUSTERS]


@compiled
def _sampled(points, sample):
    """The sampled visions (all of them, uncopied, when every actor is sampled)."""
    if sample.size == points.shape[0]:
        return points
    out = np.empty((sample.size, points.shape[1]))
    for r in range(sample.size):
        out[r] = points[sample[r]]
    return out


@compiled
def _record(row, fixed, sums, by_sector, n, scalar_values):
    """Write one time-series row: population means, participation by sector, the scalars."""
    for k in range(fixed.mean_columns.size):
        row[fixed.mean_columns[k]] = sums[k] / max(n, 1)
    for k in range(fixed.sector_columns.size):
        row[fixed.sector_columns[k]] = by_sector[k] / fixed.sector_sizes[k]
    for k in range(len(scalar_values)):
        row[fixed.scalar_columns[k]] = scalar_values[k]
