"""Dialogue: bounded-confidence convergence of visions between network neighbours.

Each step a share ``dialogue.rate`` of actors each open a dialogue with one random neighbour
(Deffuant, Neau, Amblard & Weisbuch 2000). The pair's *perceived distance* is an ordered
weighted average (OWA; Yager 1988) of their per-dimension differences sorted from largest to
smallest, ``d = sum_k w_k |v_i - v_j|_(k)``, whose weights are set by
``dialogue.common_ground_focus`` f:

* f = 0: all weight on the largest difference (focus on what separates);
* f = 0.5: equal weights (the mean difference);
* f = 1: all weight on the smallest difference (focus on common elements),

interpolating linearly in between. If ``d < dialogue.confidence`` both move toward each other
by ``mu = dialogue.convergence``: ``v_i' = v_i + mu (v_j - v_i)`` and symmetrically. Moves are
computed from the old visions and summed, so the order of pairs does not matter; visions are
clipped to [0, 1]. With one dimension all foci coincide and the model is Deffuant et al.'s.
Every dialogue held costs ``dialogue.cost`` (time), whether or not the pair converges.
"""

from __future__ import annotations

import functools

import numpy as np

from sim import pcg64
from sim.jit import compiled, prefetch_row, row_ahead, unsigned
from sim.network import Graph, draw_neighbours


def owa_weights(dims: int, focus: float) -> np.ndarray:
    """Weights over differences sorted largest first; they sum to 1."""
    uniform = np.full(dims, 1.0 / dims)
    largest = np.zeros(dims)
    largest[0] = 1.0
    smallest = np.zeros(dims)
    smallest[-1] = 1.0
    if focus <= 0.5:
        return (1 - 2 * focus) * largest + 2 * focus * uniform
    return (2 - 2 * focus) * uniform + (2 * focus - 1) * smallest


def perceived_distance(diff: np.ndarray, focus: float) -> np.ndarray:
    """OWA distance of each row of absolute differences ``diff`` (pairs x dims)."""
    ordered = -np.sort(-diff, axis=1)  # largest first
    return ordered @ owa_weights(diff.shape[1], focus)


def dialogue_step(
    vision: np.ndarray,
    graph: Graph,
    rate: float,
    confidence: float,
    convergence: float,
    focus: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, int, int]:
    """One round of dialogues: the new visions, the dialogues held and the converging pairs."""
    moved = vision.copy()
    n = vision.shape[0]
    held, pairs, _ = talk(
        moved, graph.indptr, graph.indices, graph.well_mixed, rate, confidence, convergence,
        owa_weights_cached(vision.shape[1], focus), rng, pcg64.state_of(rng),
        np.zeros(vision.shape), np.empty(2 * n, dtype=np.int64),
    )  # fmt: skip
    return (moved if pairs else vision), held, pairs


@compiled
def talk(vision, indptr, indices, well_mixed, rate, confidence, convergence, weights, rng,
         stream, delta, moved):  # fmt: skip
    """One round of dialogues in place (compiled): who talks, with whom, who converges.

    ``stream`` is :func:`sim.pcg64.state_of` ``rng``. ``delta`` (N x K zeros, left zeroed) and
    ``moved`` (length >= 2 N) are scratch: see :func:`move_agreeing`.

    Returns:
        ``(held, pairs, count)``: dialogues held, pairs that converged, and how many entries
        of ``moved`` name the actors moved.
    """
    n = vision.shape[0]
    if rate <= 0 or n < 2:
        return 0, 0, 0
    speakers = _below(pcg64.uniforms(rng, stream, n), rate)
    partners = draw_neighbours(indptr, indices, well_mixed, n, speakers, rng, stream)
    summed = delta if convergence > 0 else delta[:0]  # without moves, nothing to sum
    agree, held, pairs = _agreeing_pairs(vision, speakers, partners, confidence, weights, summed)
    if pairs == 0 or convergence <= 0:
        return held, 0, 0
    count = move_agreeing(vision, speakers, partners, agree, convergence, delta, moved)
    return held, pairs, count


@functools.lru_cache(maxsize=64)
def owa_weights_cached(dims: int, focus: float) -> np.ndarray:
    weights = owa_weights(dims, focus)
    weights.flags.writeable = False  # shared between calls
    return weights


@compiled
def _below(draws, rate):
    """Indices of the draws below ``rate`` (who opens a dialogue), as np.flatnonzero would."""
    out = np.empty(draws.size, dtype=np.int64)
    count = 0
    for i in range(draws.size):  # written always, kept if below: no branch to mispredict
        out[count] = i
        count += draws[i] < rate
    return out[:count]


#: How far from the confidence an unsorted estimate of the distance must fall to decide a pair.
_UNDECIDED = 1e-9


@compiled
def _agreeing_pairs(vision, speakers, partners, confidence, weights, delta):
    """Which dialogues converge (perceived distance below ``confidence``), and counts.

    The OWA weights put a common weight ``u`` on every difference plus extra weight on the
    largest and the smallest (:func:`owa_weights`), so the distance also equals
    ``u * sum + extra_largest * max + extra_smallest * min`` of the differences: computed
    without sorting, in registers. It decides every pair whose estimate is farther than
    :data:`_UNDECIDED` from ``confidence`` (rounding moves either form by ~1e-15); only the
    others, and any weights of another shape, take the sorted sum of the module docstring, so
    the outcome is the sorted sum's to the bit (0.80 -> 0.22 ms for 20,000 conversations).

    Unless ``delta`` is empty, each agreeing speaker's move is summed into it on the way (the
    first half of :func:`move_agreeing`, while the partner's vision is at hand).
    """
    dims = vision.shape[1]
    common, extra_largest, extra_smallest, shaped = _owa_shape(weights)
    agree = np.zeros(speakers.size, dtype=np.uint8)  # compiled bool loads are slow
    held = pairs = 0
    # out of the loop: an allocation inside it, even one never reached, made it 2x slower
    scratch = np.empty(dims)
    for p in range(speakers.size):
        prefetch_row(vision, row_ahead(partners, p))
        if delta.shape[0]:  # the speaker's move is summed here: its row too
            prefetch_row(delta, row_ahead(speakers, p))
        if partners[p] < 0:
            continue
        held += 1
        speaker = unsigned(speakers[p])
        mine, theirs = vision[speaker], vision[unsigned(partners[p])]
        smallest, largest, total = np.inf, 0.0, 0.0
        for k in range(dims):
            gap = abs(theirs[k] - mine[k])
            smallest = min(smallest, gap)
            largest = max(largest, gap)
            total += gap
        estimate = common * total + extra_largest * largest + extra_smallest * smallest
        if shaped and abs(estimate - confidence) > _UNDECIDED:
            close = estimate < confidence
        else:
            close = _sorted_distance(mine, theirs, weights, scratch) < confidence
        if close:
            agree[p] = 1
            pairs += 1
            if delta.shape[0]:
                for k in range(dims):
                    delta[speaker, k] += theirs[k] - mine[k]
    return agree, held, pairs


@compiled
def _owa_shape(weights):
    """``(common, extra_largest, extra_smallest, shaped)`` of OWA ``weights``.

    ``shaped`` is False unless every weight but the first and last is the same (as
    :func:`owa_weights` makes them); then only the sorted sum is used.
    """
    dims = weights.size
    if dims == 1:
        return 0.0, weights[0], 0.0, True
    common = weights[1] if dims > 2 else 0.0
    for k in range(1, dims - 1):
        if weights[k] != common:
            return 0.0, 0.0, 0.0, False
    return common, weights[0] - common, weights[dims - 1] - common, True


@compiled(inline=True)
def _sorted_distance(mine, theirs, weights, diff):
    """The perceived distance as defined: differences sorted largest first (into ``diff``),
    weighted, summed."""
    for k in range(diff.size):
        diff[k] = abs(theirs[k] - mine[k])
    _sort_largest_first(diff)  # as in perceived_distance
    distance = 0.0
    for k in range(diff.size):
        distance += diff[k] * weights[k]
    return distance


@compiled(inline=True)
def _sort_largest_first(values):
    """Sort a few values in place, largest first, by odd-even transposition.

    Every round compares fixed neighbours and keeps the larger first (a max and a min, no
    branch on the values: differences between visions follow no pattern a branch could
    predict, and an insertion sort's mispredictions made up about half of a conversation's
    cost). ``n`` rounds sort ``n`` values.
    """
    n = values.size
    for round_ in range(n):
        for k in range(round_ & 1, n - 1, 2):
            first, second = values[k], values[k + 1]
            values[k], values[k + 1] = max(first, second), min(first, second)


@compiled
def move_agreeing(vision, speakers, partners, agree, convergence, delta, moved):
    """Move every agreeing pair toward each other, editing ``vision`` in place.

    Moves are summed from the old visions (every speaker's move, summed into ``delta`` by
    :func:`_agreeing_pairs`, then every partner's here); then each moved actor's row becomes
    ``v + mu * delta`` clipped to [0, 1] and its ``delta`` row is zeroed, so an actor in
    several pairs is rewritten with a zero move (the same value). Its index goes to ``moved``
    at each write (length >= 2 N: repeats are harmless).

    Returns:
        How many entries of ``moved`` were written.
    """
    dims = vision.shape[1]
    for p in range(speakers.size):
        prefetch_row(delta, row_ahead(partners, p))
        if agree[p]:
            me, other = unsigned(partners[p]), unsigned(speakers[p])
            for k in range(dims):
                delta[me, k] += vision[other, k] - vision[me, k]
    count = 0
    for p in range(speakers.size):
        ahead = row_ahead(partners, p)
        prefetch_row(vision, ahead)
        prefetch_row(delta, ahead)
        if agree[p]:
            for side in range(2):
                me = unsigned(speakers[p] if side == 0 else partners[p])
                moved[count] = me
                count += 1
                for k in range(dims):
                    vision[me, k] = min(max(delta[me, k] * convergence + vision[me, k], 0.0), 1.0)
                    delta[me, k] = 0.0
    return count
