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


#: Probabilities this close to a draw are left to :func:`act_probability` by :func:`choose`.
UNDECIDED = 1e-6
_BOUND = 32.0  # |U / T| clipped here by the estimate: sigma(-32) ~ 1e-14, far below UNDECIDED
_HALVINGS = 7  # exp(z) = exp(z / 2^7)^(2^7): a short series near 0, then seven squarings
_SERIES = tuple(1.0 / math.factorial(k) for k in range(8))  # exp's Taylor series to x^7


@compiled(inline=True)
def _estimated_probability(utility, minus_inverse_noise):
    """``Pr(act)`` to within 3e-8 without libm (see :func:`choose`)."""
    x = min(max(utility * minus_inverse_noise, -_BOUND), _BOUND) * (1.0 / 2**_HALVINGS)
    c = _SERIES
    grown = c[0] + x * (c[1] + x * (c[2] + x * (c[3] + x * (c[4] + x * (c[5] + x * (c[6]
            + x * c[7]))))))  # fmt: skip
    for _ in range(_HALVINGS):
        grown *= grown
    return 1.0 / (1.0 + grown)


@compiled
def choose(utility, noise, draws, acting):
    """Who acts: ``acting[i] = draws[i] < act_probability(utility[i], noise)``, to the bit.

    The logistic's ``exp`` is a call into libm, one actor at a time. Here a polynomial estimate
    of ``exp(-U / T)`` (a degree-7 Taylor series of ``exp(z / 128)``, squared seven times;
    ``|z|`` clipped at 32) decides every actor whose draw lies farther than :data:`UNDECIDED`
    from the estimated probability: the series' relative remainder, ``< 0.25^8 / 8! * e^0.5``
    (6.2e-10), grows 128-fold in the squarings to below 1e-7 in ``exp``, below 3e-8 in the
    probability (rounding adds ~1e-13), and libm's own result is within 1e-15. The others (a
    draw within 1e-6 of its probability: about 2 actors in 10^6) and any NaN utility take
    :func:`act_probability` itself. The estimate vectorizes: 0.58 -> 0.18 ms at 100,000 actors.

    Returns:
        How many actors :func:`act_probability` decided.
    """
    minus_inverse_noise = -1.0 / noise
    undecided = 0
    for i in range(utility.size):
        gap = draws[i] - _estimated_probability(utility[i], minus_inverse_noise)
        acting[i] = gap < 0.0
        undecided += (abs(gap) <= UNDECIDED) | (utility[i] != utility[i])
    if undecided:  # in about one step in five at 100,000 actors
        for i in range(utility.size):
            gap = draws[i] - _estimated_probability(utility[i], minus_inverse_noise)
            if (abs(gap) <= UNDECIDED) | (utility[i] != utility[i]):
                acting[i] = draws[i] < act_probability(utility[i], noise)
    return undecided


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
