"""Pull: how compelling acting is, from the shared vision, one's peers and visible progress.

``P_i = c * a_i * (1 - w + w * o_i) + s * r(n_i) + f * g``

* ``c = vision.clarity`` and ``a_i`` the alignment of i's vision with the shared one (zero when
  ``vision.mode = none``): a vision pulls in proportion to how clear it is and how much it is
  one's own (Senge 1990; Kouzes & Posner on shared vision; Kania & Kramer 2011 on the "common
  agenda" of collective impact);
* ``o_i`` ownership, with ``w = pull.ownership_weight`` the share of the vision's pull that needs
  ownership (a vision one helped shape pulls more: Ostrom 1990);
* ``n_i`` the share of i's network neighbours who acted last step, weighted by
  ``s = pull.social_influence``, through ``r(n) = max(0, n - theta) / (1 - theta)`` with
  ``theta = pull.social_threshold``: linear influence at ``theta = 0``, a complex contagion that
  needs several acting neighbours at ``theta > 0`` (Granovetter 1978; Centola & Macy 2007;
  Centola 2010, where such contagions spread further on clustered networks);
* ``g`` the visible rate of collective progress (an exponential moving average of the per-step
  progress), weighted by ``f = pull.progress_feedback`` (the progress principle, Amabile &
  Kramer 2011; collective efficacy, Bandura 2000).
"""

from __future__ import annotations

import numpy as np


def pull_strength(
    alignment: np.ndarray | None,
    ownership: np.ndarray,
    clarity: float,
    ownership_weight: float,
    neighbours_acting: np.ndarray,
    social_influence: float,
    social_threshold: float,
    progress_signal: float,
    progress_feedback: float,
) -> np.ndarray:
    """Pull felt by every actor (non-negative)."""
    reinforcement = np.maximum(neighbours_acting - social_threshold, 0.0) / (1.0 - social_threshold)
    pull = social_influence * reinforcement + progress_feedback * progress_signal
    if alignment is not None:
        pull = pull + clarity * alignment * (1.0 - ownership_weight + ownership_weight * ownership)
    return pull
