"""Motivation: interest, pull and undermining make intrinsic motivation; habit follows acting.

Each actor has a *disposition* ``b_i`` (its own interest in the activity, drawn at the start), an
*undermining* level ``u_i`` (the share of that interest that controlling incentives have
undermined; negative when informational feedback has raised it) and an intrinsic motivation
``q_i``. The effective interest is ``b~_i = clip(b_i (1 - u_i), 0, 1)`` and

``q_i' = q_i + alpha (T_i - q_i)``, with target
``T_i = b~_i + P_i (1 - b~_i)`` when the pull ``P_i >= 0`` and ``T_i = b~_i (1 + P_i)`` when
``P_i < 0`` (a repelling vision, ``P_i >= -1``).

Pull fills the gap to the top of the scale (a probabilistic OR) rather than being added and
capped, so ``dT/db~ = 1 - P > 0`` for every ``P < 1``: lowering one's interest lowers intrinsic
motivation whatever the pull, unless pull alone is total. ``alpha = motivation.adaptation``.

Undermining follows cognitive evaluation theory (Deci & Ryan 1985; Deci, Koestner & Ryan 1999;
Frey & Jegen 2001): ``u_i`` moves toward ``u*_i = c clip(chi_i, -1, 1)`` with
``c = push.crowding_out`` the most that incentives can undermine, and ``chi_i`` how controlling
the incentives that reach i feel (:func:`sim.mechanisms.push.controllingness`, summed over the
authority's push, leaders' push and a peer-sanction regime: tangible, expected,
engagement-contingent rewards 1, performance-contingent 0.7, sanctions 1.5, more with monitoring
and less with legitimacy; informational recognition is negative, which crowds in). It builds at
rate ``alpha`` while incentives act and fades at ``r = push.crowding_recovery`` once they stop:
the effect outlasts the reward (Lepper, Greene & Nisbett 1973: one to two weeks) but is not
permanent, and it saturates instead of growing with run length. Because undermining scales the
interest ``b``, an activity of little interest has little to undermine (Deci et al. 1999 found
no undermining for uninteresting tasks). Champions keep ``q = b = 1``, ``u = 0``.

Habit follows one's own behaviour (Lally et al. 2010; Wood & Neal 2007):
``h_i' = h_i + eta (A_i - h_i)`` with ``eta = motivation.habit_rate`` and ``A_i`` 1 if i acted.
"""

from __future__ import annotations

import numpy as np
from numba import njit

TOP_OF_SCALE = 0.99


@njit(cache=True)
def effective_interest(disposition: np.ndarray, undermining: np.ndarray) -> np.ndarray:
    """Interest left after undermining (or raised by crowding-in), in [0, 1]."""
    return np.clip(disposition * (1.0 - undermining), 0.0, 1.0)


@njit(cache=True)
def motivation_target(interest: np.ndarray, pull: np.ndarray) -> np.ndarray:
    """Where intrinsic motivation heads: interest combined with pull, in [0, 1]."""
    pull = np.clip(pull, -1.0, 1.0)
    return np.where(pull >= 0, interest + pull * (1.0 - interest), interest * (1.0 + pull))


@njit(cache=True)
def update_intrinsic(
    intrinsic: np.ndarray,
    interest: np.ndarray,
    pull: np.ndarray,
    adaptation: float,
    champions: np.ndarray,
) -> np.ndarray:
    """Move intrinsic motivation toward :func:`motivation_target`."""
    moved = intrinsic + adaptation * (motivation_target(interest, pull) - intrinsic)
    moved[champions] = 1.0
    return moved


@njit(cache=True)
def update_undermining(
    undermining: np.ndarray,
    control: np.ndarray,
    crowding_out: float,
    adaptation: float,
    recovery: float,
    champions: np.ndarray,
) -> np.ndarray:
    """Undermining builds toward ``crowding_out * clip(control)`` under incentives, then fades."""
    target = crowding_out * np.clip(control, -1.0, 1.0)
    rate = np.where(control != 0.0, adaptation, recovery)
    moved = undermining + rate * (target - undermining)
    moved[champions] = 0.0
    return moved


def top_of_scale_share(intrinsic: np.ndarray) -> float:
    """Share of actors whose intrinsic motivation is at the top of the scale."""
    return float(np.count_nonzero(intrinsic >= TOP_OF_SCALE)) / max(intrinsic.size, 1)


@njit(cache=True)
def update_habit(habit: np.ndarray, acting: np.ndarray, habit_rate: float) -> np.ndarray:
    """Habit drifts toward 1 while acting and toward 0 while not."""
    return habit + habit_rate * (acting - habit)
