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

from sim.jit import compiled

TOP_OF_SCALE = 0.99


@compiled
def interest_left(disposition: float, undermining: float) -> float:
    """Interest left after undermining (or raised by crowding-in), in [0, 1]; one actor."""
    return min(max(disposition * (1.0 - undermining), 0.0), 1.0)


@compiled
def target(interest: float, pull: float) -> float:
    """Where one actor's intrinsic motivation heads: interest combined with pull, in [0, 1]."""
    pull = min(max(pull, -1.0), 1.0)
    return interest + pull * (1.0 - interest) if pull >= 0 else interest * (1.0 + pull)


@compiled
def moved_intrinsic(intrinsic: float, interest: float, pull: float, adaptation: float) -> float:
    """One actor's intrinsic motivation after a step toward :func:`target`."""
    return intrinsic + adaptation * (target(interest, pull) - intrinsic)


@compiled
def moved_undermining(
    undermining: float, control: float, crowding_out: float, adaptation: float, recovery: float
) -> float:
    """One actor's undermining after a step: builds toward ``c clip(chi)``, fades without."""
    goal = crowding_out * min(max(control, -1.0), 1.0)
    rate = adaptation if control != 0.0 else recovery
    return undermining + rate * (goal - undermining)


# Array forms of the equations above (one actor per element), for analysis and tests; the step
# itself calls the one-actor forms from the compiled pass in sim.kernel.
@compiled
def effective_interest(disposition: np.ndarray, undermining: np.ndarray) -> np.ndarray:
    """:func:`interest_left` of every actor."""
    out = np.empty(disposition.size)
    for i in range(out.size):
        out[i] = interest_left(disposition[i], undermining[i])
    return out


@compiled
def motivation_target(interest: np.ndarray, pull: np.ndarray) -> np.ndarray:
    """:func:`target` of every actor."""
    out = np.empty(interest.size)
    for i in range(out.size):
        out[i] = target(interest[i], pull[i])
    return out


@compiled
def update_intrinsic(
    intrinsic: np.ndarray,
    interest: np.ndarray,
    pull: np.ndarray,
    adaptation: float,
    champions: np.ndarray,
) -> np.ndarray:
    """:func:`moved_intrinsic` of every actor; champions stay at 1."""
    out = np.empty(intrinsic.size)
    for i in range(out.size):
        moved = moved_intrinsic(intrinsic[i], interest[i], pull[i], adaptation)
        out[i] = 1.0 if champions[i] else moved
    return out


@compiled
def update_undermining(
    undermining: np.ndarray,
    control: np.ndarray,
    crowding_out: float,
    adaptation: float,
    recovery: float,
    champions: np.ndarray,
) -> np.ndarray:
    """:func:`moved_undermining` of every actor; champions stay at 0."""
    out = np.empty(undermining.size)
    for i in range(out.size):
        moved = moved_undermining(undermining[i], control[i], crowding_out, adaptation, recovery)
        out[i] = 0.0 if champions[i] else moved
    return out


@compiled
def update_habit(habit: np.ndarray, acting: np.ndarray, habit_rate: float) -> np.ndarray:
    """Habit drifts toward 1 while acting and toward 0 while not."""
    return habit + habit_rate * (acting - habit)
