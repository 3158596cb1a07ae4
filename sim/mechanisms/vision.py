"""Shared vision: none, imposed by a convener, or co-created by the voices that are heard.

At step 1 and every ``vision.revision_every`` steps after it, the shared vision S is (re)formed:

* ``none``: there is no shared vision; its pull is zero.
* ``imposed``: S is the convener's vision, the mean starting vision of the convening sector
  (``push.convener``), fixed for the run. Only the convener's members are heard.
* ``co_created``: a share ``vision.inclusion`` of actors is heard, drawn without replacement with
  probability proportional to voice weight (the powerful are heard first: Gumbel top-k
  sampling), and ``S = sum_h w_h v_h / sum_h w_h`` over the heard h with voice weights w.

Being heard builds ownership, and having actually shaped the vision builds more: the voice effect
(Lind, Kanfer & Earley 1990: voice raised perceived fairness even when it could not change the
decision, and more when it could). At a revision ``o_h' = o_h + r g_h (1 - o_h)`` with
``r = vision.ownership_rate`` and ``g_h = v + (1 - v) min(1, I_h)``, where
``v = vision.voice_ownership`` is what being heard alone brings and ``I_h`` h's influence on the
vision relative to an equal share (``w_h H / sum w`` for the H heard; 1 for the convener's members
of an imposed vision); every step ``o' = o (1 - vision.ownership_decay)``. Each voice heard at a
revision costs ``vision.cost`` (time and money of convening), counted in spend.

Alignment of actor i with S is a Gaussian kernel of the RMS distance,
``a_i = exp(-d_i^2 / (2 tau^2))``, ``d_i = ||v_i - S|| / sqrt(K)``, ``tau = vision.tolerance``.
"""

from __future__ import annotations

import numpy as np

from sim import exact_exp
from sim.jit import compiled, prefetch_row, row_ahead, unsigned

MODES = ("none", "imposed", "co_created")  # vision.mode, coded by position for compiled code
NONE, IMPOSED, CO_CREATED = range(3)
UNWEIGHTED = np.empty(0)  # weighted_sum: a weight of 1 for every actor
EVERYONE = np.empty(0, dtype=np.uint8)  # weighted_sum: every actor chosen


def heard_actors(
    mode: str,
    voice: np.ndarray,
    in_convener: np.ndarray,
    inclusion: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Boolean mask of the actors heard at a revision."""
    count = heard_count(inclusion, voice.size)
    convener = in_convener.view(np.uint8)
    return heard_mask(MODES.index(mode), voice, convener, count, rng).view(bool)


def heard_count(inclusion: float, size: int) -> int:
    """How many actors a co-created vision hears."""
    return int(round(inclusion * size))


@compiled
def heard_mask(mode, voice, in_convener, count, rng):
    """:func:`heard_actors` as uint8, for a mode code and the number heard (compiled).

    The ``count`` loudest of Gumbel-perturbed log voices are heard (``log w + G``, G drawn as
    numpy's ``Generator.gumbel`` draws it): sampling without replacement, weights ``w``.
    """
    n = voice.size
    if mode == IMPOSED:
        return in_convener.copy()
    heard = np.zeros(n, dtype=np.uint8)
    if mode != CO_CREATED or count <= 0:
        return heard
    if count >= n:
        heard[:] = 1
        return heard
    keys = np.empty(n)
    for i in range(n):
        keys[i] = np.log(voice[i]) + _gumbel(rng)
    threshold = _ranked(keys, n - count)
    for i in range(n):
        heard[i] = keys[i] >= threshold
    return heard


@compiled
def _ranked(values, rank):
    """The value of rank ``rank`` (0 = smallest) in ``values``, as ``np.partition`` finds it.

    Hoare's selection on a copy (numba compiles ``np.partition`` for seconds; this is instant).
    """
    work = values.copy()
    low, high = 0, work.size - 1
    while low < high:
        pivot = work[(low + high) // 2]
        i, j = low, high
        while i <= j:
            while work[i] < pivot:
                i += 1
            while work[j] > pivot:
                j -= 1
            if i <= j:
                work[i], work[j] = work[j], work[i]
                i, j = i + 1, j - 1
        if rank <= j:
            high = j
        elif rank >= i:
            low = i
        else:
            break
    return work[rank]


@compiled
def _gumbel(rng):
    """One standard Gumbel draw, exactly as numpy's ``Generator.gumbel`` makes it."""
    while True:
        uniform = 1.0 - rng.random()
        if uniform < 1.0:
            return -np.log(-np.log(uniform))


@compiled
def co_created_vision(vision: np.ndarray, voice: np.ndarray, heard: np.ndarray) -> np.ndarray:
    """Voice-weighted mean vision of the heard actors."""
    shared, total = weighted_sum(vision, voice, heard)
    return shared / total


@compiled
def weighted_sum(vision, weights, chosen):
    """``(sum_i w_i v_i, sum_i w_i)`` over the chosen actors, each column summed in actor order.

    ``weights`` empty means 1 for everybody, ``chosen`` (0/1) empty means everybody. The sums
    equal adding ``w_i * v_i`` row after row for the chosen actors only, bit for bit: an actor
    not chosen adds ``0 * v_i``, an exact zero (visions are finite), so no branch depends on who
    is chosen (a pattern no branch predictor learns). Columns are summed eight at a time in
    registers: a column sum kept in memory waits at every row for its store to be read back.
    """
    dims = vision.shape[1]
    sums = np.zeros(dims)
    total = 0.0
    for first in range(0, dims, 8):
        total = _sum_columns(vision, weights, chosen, first, min(dims - first, 8), sums)
    return sums, total


@compiled(inline=True)
def _sum_columns(vision, weights, chosen, first, width, sums):
    """Columns ``first`` to ``first + width - 1`` (width <= 8) of :func:`weighted_sum`."""
    s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = total = 0.0
    block = vision[:, first : first + width]
    weighted, everyone = weights.size > 0, chosen.size == 0
    for i in range(block.shape[0]):
        weight = weights[i] if weighted else 1.0
        if not everyone:
            weight *= chosen[i]  # 0 or 1: exact
        total += weight
        s0 += weight * block[i, 0]
        if width > 1:
            s1 += weight * block[i, 1]
        if width > 2:
            s2 += weight * block[i, 2]
        if width > 3:
            s3 += weight * block[i, 3]
        if width > 4:
            s4 += weight * block[i, 4]
        if width > 5:
            s5 += weight * block[i, 5]
        if width > 6:
            s6 += weight * block[i, 6]
        if width > 7:
            s7 += weight * block[i, 7]
    column_sums = (s0, s1, s2, s3, s4, s5, s6, s7)
    for k in range(width):
        sums[first + k] = column_sums[k]
    return total


@compiled
def influence(voice: np.ndarray, heard: np.ndarray) -> np.ndarray:
    """Each heard actor's weight in the vision relative to an equal share (0 if not heard)."""
    weights = voice * heard
    total = weights.sum()
    return weights * np.count_nonzero(heard) / total if total > 0 else weights


def update_ownership(
    ownership: np.ndarray,
    heard: np.ndarray | None,
    rate: float,
    decay: float,
    gain: np.ndarray | float = 1.0,
) -> np.ndarray:
    """Decay ownership, then (at a revision) let the heard gain ownership by ``gain`` in [0, 1]."""
    owned = ownership.astype(float)  # a copy
    heard = np.zeros(0, dtype=np.uint8) if heard is None else heard.astype(np.uint8)
    gains = np.broadcast_to(np.asarray(gain, dtype=float), owned.shape)
    grow_ownership(owned, heard, rate, decay, np.ascontiguousarray(gains))
    return owned


@compiled
def grow_ownership(ownership, heard, rate, decay, gain) -> None:
    """:func:`update_ownership` in place (compiled); ``heard`` is empty between revisions."""
    for i in range(ownership.size):
        owned = ownership[i] * (1.0 - decay)
        if heard.size and heard[i]:
            owned = owned + rate * gain[i] * (1.0 - owned)
        ownership[i] = owned


def ownership_gain(
    mode: str, voice: np.ndarray, heard: np.ndarray, voice_ownership: float
) -> np.ndarray:
    """The voice effect plus the influence effect for every heard actor."""
    return gain_of(MODES.index(mode), voice, heard.view(np.uint8), voice_ownership)


@compiled
def gain_of(mode, voice, heard, voice_ownership):
    """:func:`ownership_gain` for a mode code and a uint8 ``heard`` mask (compiled)."""
    if mode == IMPOSED:
        shaped = heard.astype(np.float64)
    else:
        shaped = np.minimum(influence(voice, heard), 1.0)
    return voice_ownership + (1.0 - voice_ownership) * shaped


@compiled(inline=True)
def alignment_of(point: np.ndarray, shared: np.ndarray, tolerance: float) -> float:
    """Gaussian alignment of one vision with the shared vision, in (0, 1]."""
    squared = _squared_distance(point, shared)
    return exact_exp.exp(_exponent(squared, point.size, tolerance))


@compiled(inline=True)
def _squared_distance(point, shared):
    """``||v - S||^2``, summed over the dimensions in order."""
    sq = 0.0
    for k in range(point.size):
        diff = point[k] - shared[k]
        sq += diff * diff
    return sq


@compiled(inline=True)
def _exponent(squared, dims, tolerance):
    """``-d^2 / (2 tau^2)`` from ``||v - S||^2``: a vision's alignment is ``exp`` of this."""
    return -(squared / dims) / (2.0 * tolerance**2)


# alignment, realign and summed_alignment compute many alignments in three passes, each a
# compiled function of its own: squared distances (a row at a time), exponents (two
# divisions, several actors at a time), then sim.exact_exp.exp_in_place (glibc's exp to the
# bit, several at a time). In one loop the divisions waited on each row's sum (100,000
# visions of 5 dimensions: 0.49-0.51 -> 0.45-0.46 ms).


@compiled
def alignment(vision: np.ndarray, shared: np.ndarray, tolerance: float) -> np.ndarray:
    """:func:`alignment_of` every actor's vision (rows of ``vision``)."""
    out = np.empty(vision.shape[0])
    for i in range(out.size):
        out[i] = _squared_distance(vision[i], shared)
    _alignments_from_squared(out, vision.shape[1], tolerance)
    return out


@compiled
def _alignments_from_squared(squared, dims, tolerance):
    """Replace squared distances by their alignments (:func:`_exponent`, then exp)."""
    for i in range(squared.size):
        squared[i] = _exponent(squared[i], dims, tolerance)
    exact_exp.exp_in_place(squared)


@compiled
def summed_alignment(vision, chosen, centre, tolerance):
    """The sum, in actor order, of the :func:`alignment_of` the chosen (0/1) actors with ``centre``.

    Every actor's squared distance is written (a chosen one's is kept: no branch on who is
    chosen), then the chosen ones' alignments are computed, then summed.
    """
    squared = np.empty(chosen.size)
    count = 0
    for i in range(chosen.size):
        squared[count] = _squared_distance(vision[i], centre)
        count += chosen[i]
    kept = squared[:count]
    _alignments_from_squared(kept, vision.shape[1], tolerance)
    total = 0.0
    for r in range(count):
        total += kept[r]
    return total


@compiled
def realign(vision, rows, aligned, shared, tolerance) -> None:
    """Recompute in place the :func:`alignment` of the actors in ``rows`` (whose visions moved)."""
    squared = np.empty(rows.size)
    for r in range(rows.size):
        prefetch_row(vision, row_ahead(rows, r))
        squared[r] = _squared_distance(vision[unsigned(rows[r])], shared)
    _alignments_from_squared(squared, vision.shape[1], tolerance)
    for r in range(rows.size):
        aligned[unsigned(rows[r])] = squared[r]
