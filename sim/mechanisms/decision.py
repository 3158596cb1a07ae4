"""Decision: act or not, by a noisy (logistic) comparison of motives with effort cost.

``U_i = q_i + X_i + R_i + w_h h_i - (1 - m) e_i`` and ``Pr(act) = 1 / (1 + exp(-U_i / T))``

with intrinsic motivation q, expected extrinsic pressure X (incentives and expected peer
sanctions), reciprocity R and the net private cost of contributing ``(1 - m) e_i`` (both from
:mod:`sim.mechanisms.cooperation`), habit h weighted by ``w_h = decision.habit_weight``, effort
cost e (mean ``decision.effort_cost``) and temperature
``T = decision.noise`` (logit / quantal choice: McFadden 1974; McKelvey & Palfrey 1995). Intrinsic
and extrinsic motives enter additively, as in Benabou & Tirole (2003) and Frey & Jegen (2001);
their interaction acts through crowding-out in :mod:`sim.mechanisms.motivation`.

An actor "can't NOT" act when it would act with probability >= 0.9 with every incentive and
sanction removed (``X_i = 0``), its own motives (intrinsic motivation, reciprocity at its current
belief, habit) left as they are.
"""

from __future__ import annotations

import math

import numpy as np

from sim.jit import compiled

CANT_NOT_THRESHOLD = 0.9
CANT_NOT_LOGIT = math.log(CANT_NOT_THRESHOLD / (1.0 - CANT_NOT_THRESHOLD))  # U / T at Pr = 0.9


@compiled
def act_probability(utility: np.ndarray, noise: float) -> np.ndarray:
    """Logistic choice probability ``1 / (1 + exp(-U / T))``.

    Safe for large ``|U / T|``: exp overflows to inf and the probability to 0, never NaN.
    """
    return 1.0 / (1.0 + np.exp(-utility / noise))


@compiled
def utility(
    intrinsic: np.ndarray,
    pressure: np.ndarray | float,
    habit: np.ndarray,
    net_cost: np.ndarray,
    habit_weight: float,
    reciprocity: np.ndarray | float = 0.0,
) -> np.ndarray:
    """Net utility of acting for every actor (``net_cost`` = effort less its private return)."""
    return intrinsic + pressure + reciprocity + habit_weight * habit - net_cost


def decide(probability: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draw who acts this step."""
    return rng.random(probability.size) < probability


@compiled
def cant_not(
    intrinsic: np.ndarray,
    habit: np.ndarray,
    net_cost: np.ndarray,
    habit_weight: float,
    noise: float,
    reciprocity: np.ndarray | float = 0.0,
) -> np.ndarray:
    """Actors who would act with probability >= 0.9 without any incentive or sanction.

    ``Pr(act) >= p`` is ``U / T >= log(p / (1 - p))``; comparing utilities spares a tanh.
    """
    bare = utility(intrinsic, 0.0, habit, net_cost, habit_weight, reciprocity)
    return bare >= noise * CANT_NOT_LOGIT
