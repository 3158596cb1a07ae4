"""Pull: how compelling acting is, from the shared vision, one's peers and visible progress.

``P_i = c * [a_i (1 - w + w o_i) - rho (1 - o_i)(1 - a_i)] + s * r(n_i) + f * g``, kept in [-1, 1]

* ``c = vision.clarity`` and ``a_i`` the alignment of i's vision with the shared one (no vision
  term when ``vision.mode = none``): a vision pulls in proportion to how clear it is and how much
  it is one's own (Senge 1990; Kania & Kramer 2011 on the "common agenda" of collective impact);
* ``o_i`` ownership, with ``w = pull.ownership_weight`` the share of the vision's pull that needs
  ownership (a vision one helped shape pulls more: Ostrom 1990; Lind, Kanfer & Earley 1990);
* ``rho = vision.reactance``: a vision far from one's own that one had no part in pushes back
  (psychological reactance, Brehm 1966; Brehm & Brehm 1981), so pull can be negative;
* ``n_i`` the share of i's network neighbours who acted last step, weighted by
  ``s = pull.social_influence``, through ``r(n) = max(0, n - theta) / (1 - theta)`` with
  ``theta = pull.social_threshold``: a complex contagion that needs several acting neighbours
  (Granovetter 1978; Centola & Macy 2007; Centola 2010, where such behaviour spreads further on
  clustered networks);
* ``g`` the visible rate of collective progress (an exponential moving average of the per-step
  progress), weighted by ``f = pull.progress_feedback`` (the progress principle, Amabile &
  Kramer 2011; collective efficacy, Bandura 2000).
"""

from __future__ import annotations

import numpy as np

from sim.jit import compiled


@compiled
def vision_pull(
    alignment: np.ndarray,
    ownership: np.ndarray,
    clarity: float,
    ownership_weight: float,
    reactance: float,
) -> np.ndarray:
    """The shared vision's pull on every actor (negative where it repels)."""
    attraction = alignment * (1.0 - ownership_weight + ownership_weight * ownership)
    repulsion = reactance * (1.0 - ownership) * (1.0 - alignment)
    return clarity * (attraction - repulsion)


@compiled
def social_reinforcement(neighbours_acting, threshold: float):
    """Peer reinforcement ``r(n)`` (one actor or an array): 0 below the threshold, then linear."""
    return np.maximum(neighbours_acting - threshold, 0.0) / (1.0 - threshold)


@compiled
def felt_pull(
    vision: float,
    neighbours_acting: float,
    social_influence: float,
    social_threshold: float,
    progress_signal: float,
    progress_feedback: float,
) -> float:
    """Pull felt by one actor, in [-1, 1]; ``vision`` is its :func:`vision_pull` (0 if none)."""
    pull = social_influence * social_reinforcement(neighbours_acting, social_threshold)
    pull += progress_feedback * progress_signal
    pull += vision
    return min(max(pull, -1.0), 1.0)


@compiled
def pull_strength(
    vision: np.ndarray | None,
    neighbours_acting: np.ndarray,
    social_influence: float,
    social_threshold: float,
    progress_signal: float,
    progress_feedback: float,
) -> np.ndarray:
    """:func:`felt_pull` of every actor; ``vision`` is :func:`vision_pull` or None."""
    out = np.empty(neighbours_acting.size)
    for i in range(out.size):
        term = 0.0 if vision is None else vision[i]
        out[i] = felt_pull(
            term,
            neighbours_acting[i],
            social_influence,
            social_threshold,
            progress_signal,
            progress_feedback,
        )
    return out
