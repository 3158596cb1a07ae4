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
from numba import njit


def heard_actors(
    mode: str,
    voice: np.ndarray,
    in_convener: np.ndarray,
    inclusion: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Boolean mask of the actors heard at a revision."""
    if mode == "imposed":
        return in_convener.copy()
    heard = np.zeros(voice.size, dtype=bool)
    if mode != "co_created":
        return heard
    count = int(round(inclusion * voice.size))
    if count >= voice.size:
        heard[:] = True
    elif count > 0:
        keys = np.log(voice) + rng.gumbel(size=voice.size)
        heard[np.argpartition(-keys, count - 1)[:count]] = True
    return heard


def co_created_vision(vision: np.ndarray, voice: np.ndarray, heard: np.ndarray) -> np.ndarray:
    """Voice-weighted mean vision of the heard actors."""
    weights = voice * heard
    return weights @ vision / weights.sum()


def influence(voice: np.ndarray, heard: np.ndarray) -> np.ndarray:
    """Each heard actor's weight in the vision relative to an equal share (0 if not heard)."""
    weights = voice * heard
    total = weights.sum()
    return weights * np.count_nonzero(heard) / total if total > 0 else weights


@njit(cache=True)
def update_ownership(
    ownership: np.ndarray,
    heard: np.ndarray | None,
    rate: float,
    decay: float,
    gain: np.ndarray | float = 1.0,
) -> np.ndarray:
    """Decay ownership, then (at a revision) let the heard gain ownership by ``gain`` in [0, 1]."""
    owned = ownership * (1.0 - decay)
    if heard is not None:
        owned = np.where(heard, owned + rate * gain * (1.0 - owned), owned)
    return owned


def ownership_gain(
    mode: str, voice: np.ndarray, heard: np.ndarray, voice_ownership: float
) -> np.ndarray:
    """The voice effect plus the influence effect for every heard actor."""
    shaped = heard.astype(float) if mode == "imposed" else np.minimum(influence(voice, heard), 1.0)
    return voice_ownership + (1.0 - voice_ownership) * shaped


@njit(cache=True)
def alignment_of(point: np.ndarray, shared: np.ndarray, tolerance: float) -> float:
    """Gaussian alignment of one vision with the shared vision, in (0, 1]."""
    dims = point.size
    sq = 0.0
    for k in range(dims):
        diff = point[k] - shared[k]
        sq += diff * diff
    return np.exp(-(sq / dims) / (2.0 * tolerance**2))


@njit(cache=True)
def alignment(vision: np.ndarray, shared: np.ndarray, tolerance: float) -> np.ndarray:
    """:func:`alignment_of` every actor's vision (rows of ``vision``)."""
    out = np.empty(vision.shape[0])
    for i in range(out.size):
        out[i] = alignment_of(vision[i], shared, tolerance)
    return out


@njit(cache=True)
def realigned(
    before: np.ndarray,
    vision: np.ndarray,
    aligned: np.ndarray,
    shared: np.ndarray,
    tolerance: float,
) -> np.ndarray:
    """:func:`alignment` of ``vision``, given ``aligned`` = the alignment of ``before``.

    Only the rows that differ from ``before`` are recomputed (dialogue moves a few visions a
    step); the shared vision and the tolerance must be those ``aligned`` was computed with.
    """
    out = aligned.copy()
    for i in range(vision.shape[0]):
        for k in range(vision.shape[1]):
            if vision[i, k] != before[i, k]:
                out[i] = alignment_of(vision[i], shared, tolerance)
                break
    return out
