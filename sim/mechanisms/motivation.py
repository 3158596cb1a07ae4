"""Motivation: intrinsic motivation follows pull; controlling incentives crowd it out; habit.

Each actor has a *disposition* ``b_i`` (its own, slowly eroded interest in the cause; starts at
its drawn intrinsic motivation) and an intrinsic motivation ``q_i``:

``q_i' = q_i + alpha * (clip(b_i + P_i, 0, 1) - q_i)``

so intrinsic motivation moves, at rate ``alpha = motivation.adaptation``, toward what the actor
brings plus what pull P offers. Controlling external incentives crowd out the disposition while
they act (Frey & Jegen 2001; Deci, Koestner & Ryan 1999 meta-analysis of the undermining effect):

``b_i' = b_i - alpha * c * X_i * b_i``

with ``c = push.crowding_out`` and ``X_i`` the expected extrinsic pressure; nothing is crowded
out when ``X_i = 0``, and what was lost stays lost after incentives stop (the undermining
effect outlasts the reward). Champions keep ``q_i = b_i = 1``.

Habit follows one's own behaviour (Lally et al. 2010; Wood & Neal 2007):
``h_i' = h_i + eta * (A_i - h_i)`` with ``eta = motivation.habit_rate`` and ``A_i`` 1 if i acted.
"""

from __future__ import annotations

import numpy as np


def update_intrinsic(
    intrinsic: np.ndarray,
    disposition: np.ndarray,
    pull: np.ndarray,
    adaptation: float,
    champions: np.ndarray,
) -> np.ndarray:
    """Move intrinsic motivation toward ``clip(disposition + pull, 0, 1)``."""
    target = np.clip(disposition + pull, 0.0, 1.0)
    moved = intrinsic + adaptation * (target - intrinsic)
    moved[champions] = 1.0
    return moved


def crowd_out(
    disposition: np.ndarray,
    pressure: np.ndarray,
    crowding_out: float,
    adaptation: float,
    champions: np.ndarray,
) -> np.ndarray:
    """Erode the disposition of actors under extrinsic pressure."""
    eroded = disposition * (1.0 - np.clip(adaptation * crowding_out * pressure, 0.0, 1.0))
    eroded[champions] = 1.0
    return eroded


def update_habit(habit: np.ndarray, acting: np.ndarray, habit_rate: float) -> np.ndarray:
    """Habit drifts toward 1 while acting and toward 0 while not."""
    return habit + habit_rate * (acting - habit)
