"""Leaders: pull the leaders in, and they push inside their own organisations.

Every organisation has a leader, its actor with the loudest voice. Inside her organisation a
leader has the authority an alliance lacks: she can tie the plan to pay and advancement. A leader
who has been pulled in, who acted last step and whose alignment with the shared vision (or with
the mean vision when there is none) is at least ``leaders.alignment``, pushes the other members of
her organisation with the push mechanics of :mod:`sim.mechanisms.push`: incentive
``leaders.incentive`` of kind ``leaders.kind``, monitoring ``leaders.monitoring``, legitimacy
``leaders.legitimacy`` (how controlling it feels, hence crowding-out) and the same costs, counted
in incentive spend but paid from the organisations' own means, not from ``push.budget``.
"Pull the leaders, the leaders push inside" is the cascade of Kotter (1996) and of collective
impact's backbone and steering committees (Kania & Kramer 2011); push inside an organisation is
what works in closed systems (Gibbons 1998 on incentives inside firms).
"""

from __future__ import annotations

import numpy as np

from sim.jit import compiled, unsigned


def pushing_leaders(
    leader: np.ndarray, acting: np.ndarray, alignment: np.ndarray, threshold: float
) -> np.ndarray:
    """Leaders who act and are aligned enough to push inside their organisations."""
    return leader & acting & (alignment >= threshold)


def members_reached(org: np.ndarray, leader: np.ndarray, pushing: np.ndarray) -> np.ndarray:
    """Members (not the leader herself) of organisations whose leader pushes."""
    reached = led_members(
        org, leader.view(np.uint8), pushing.view(np.uint8), np.ones(org.size), 0.0
    )
    return reached.view(bool)


@compiled
def led_members(org, leader, acting, alignment, threshold):
    """Members reached by a pushing leader (uint8; compiled form of the two functions above)."""
    active_orgs = np.zeros(org.max() + 1 if org.size else 0, dtype=np.uint8)
    for i in range(org.size):
        if leader[i] and acting[i] and alignment[i] >= threshold:
            active_orgs[unsigned(org[i])] = 1
    reached = np.empty(org.size, dtype=np.uint8)
    for i in range(org.size):
        reached[i] = active_orgs[unsigned(org[i])] and not leader[i]
    return reached
