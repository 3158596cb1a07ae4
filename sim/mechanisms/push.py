"""Push: rewards, sanctions and recognition from someone who can monitor and enforce.

An actor feels push only if an enforcing authority reaches it (``push.reach``: ``all`` = one
closed organisation where everybody answers to the leader; ``convener`` = only the convener's
sector, ``push.convener``; or a list of sectors). Across sectors nobody else has that authority
(Kania & Kramer 2011 on collective impact without a boss). Leaders inside their own
organisations use the same mechanics (:mod:`sim.mechanisms.leaders`).

Expected extrinsic pressure on actor i, for incentive size ``b = push.incentive``:

``X_i = R_i * kappa_i * m * b * f_k * q_i``

with ``R_i`` 1 under authority, ``kappa_i`` i's incentive sensitivity, ``m = push.monitoring``
(only monitored behaviour is rewarded or sanctioned: the expected value, Becker 1968), ``q_i`` 1 for
engagement-contingent rewards and i's alignment (the quality of its contribution) for
performance-contingent rewards and recognition (``push.contingency``; fines are never scaled),
and the kind's weight ``f_k``: 1 for a reward or recognition,
``lambda = push.loss_aversion`` for a sanction (losses loom about twice as large as gains: Tversky
& Kahneman 1991; punishment raises cooperation more than reward, Balliet, Mulder & Van Lange 2011,
d = 0.70 vs 0.51) and ``1 + lambda`` for both. Legitimacy does not scale the pressure: it changes
how controlling the push feels.

How controlling the push feels (cognitive evaluation theory: Deci & Ryan 1985; Deci, Koestner &
Ryan 1999; Frey & Jegen 2001) drives undermining in :mod:`sim.mechanisms.motivation`:

``chi = k_kind * k_cont * (1 + m) / 2 * (1.5 - L)`` for rewards and sanctions, with
``k_kind`` 1 for a tangible reward and 1.5 for sanctions (threats are more controlling),
``k_cont`` 1 for engagement- and 0.7 for performance-contingent rewards (the meta-analysis'
d = -0.40 vs -0.28; 1 for sanctions) and ``L = push.legitimacy``; and ``chi = -(1 + L) / 2`` for
recognition, informational feedback that supports competence and crowds in (verbal rewards:
d = +0.33).

Realised each step: each actor under authority is monitored with probability m; rewards are paid
to monitored actors who acted, fines fall on monitored actors who did not (fines are not income;
imposing one costs the enforcer ``push.sanction_cost`` per unit of fine), recognition costs no
money, and monitoring costs ``push.monitoring_cost`` per monitored actor. Spend is the sum; push
is active while ``b > 0`` and the budget ``push.budget`` is not spent.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.jit import compiled

CONTROL_BY_KIND = {"reward": 1.0, "sanction": 1.5, "both": 1.5}
CONTROL_BY_CONTINGENCY = {"engagement": 1.0, "performance": 0.7}


def authority_mask(
    reach: str | list[str], sector: np.ndarray, sector_names: list[str], convener: str
) -> np.ndarray:
    """Which actors are under an enforcing authority."""
    if reach == "all":
        return np.ones(sector.size, dtype=bool)
    names = [convener] if reach == "convener" else list(reach)
    codes = [sector_names.index(name) for name in names]
    return np.isin(sector, codes)


def kind_weight(kind: str, loss_aversion: float) -> float:
    """How much an incentive of this kind weighs per unit of its nominal size."""
    return {"sanction": loss_aversion, "both": 1.0 + loss_aversion}.get(kind, 1.0)


def controllingness(kind: str, contingency: str, monitoring: float, legitimacy: float) -> float:
    """How controlling an incentive regime feels (negative: informational, crowds in)."""
    if kind == "recognition":
        return -(1.0 + legitimacy) / 2.0
    climate = (1.0 + monitoring) / 2.0 * (1.5 - legitimacy)
    contingent = CONTROL_BY_CONTINGENCY[contingency] if kind == "reward" else 1.0
    return CONTROL_BY_KIND[kind] * contingent * climate


@compiled
def expected_pressure(
    reached: np.ndarray,
    sensitivity: np.ndarray,
    incentive: float,
    weight: float,
    monitoring: float,
    quality: np.ndarray | float = 1.0,
) -> np.ndarray:
    """Expected extrinsic pressure ``X_i`` on every actor."""
    return reached * sensitivity * quality * (monitoring * incentive * weight)


@dataclass(frozen=True)
class Enforcement:
    """What one step of enforcement did."""

    monitored: int
    rewarded: int
    sanctioned: int
    spend: float


def enforce(
    reached: np.ndarray,
    acting: np.ndarray,
    incentive: float,
    kind: str,
    monitoring: float,
    costs: tuple[float, float],
    rng: np.random.Generator,
    quality: np.ndarray | float = 1.0,
) -> Enforcement:
    """Monitor, reward and sanction for one step; ``costs`` = (monitoring, per unit of fine)."""
    pays, fines = pays_and_fines(kind)
    quality = np.broadcast_to(np.asarray(quality, dtype=float), acting.shape)
    n_monitored, n_paid, n_fined, rewards = enforcement_tally(
        reached, acting, rng.random(acting.size), monitoring, pays, fines, incentive, quality
    )
    spend = enforcement_spend(rewards, n_fined, n_monitored, incentive, costs)
    return Enforcement(n_monitored, n_paid, n_fined, spend)


@compiled
def enforcement_tally(reached, acting, draws, monitoring, pays, fines, incentive, quality):
    """Who was monitored (``draw < monitoring`` among the reached), paid and fined.

    Returns ``(monitored, paid, fined, rewards)``: three counts and the rewards paid, where a
    paid actor receives ``incentive * quality`` (``incentive`` if ``quality`` is empty).
    Counted without branches (who is reached, monitored and acting follows no pattern): a
    reward is added times 1 or 0, which leaves the sum of the paid rewards exact.
    """
    monitored = paid = fined = 0
    rewards = 0.0
    weighted, paying, fining = quality.size > 0, pays != 0, fines != 0
    for i in range(acting.size):
        seen = (reached[i] != 0) & (draws[i] < monitoring)
        acted = acting[i] != 0
        rewarded = seen & acted & paying
        monitored += seen
        paid += rewarded
        fined += seen & (not acted) & fining
        rewards += incentive * (quality[i] if weighted else 1.0) * rewarded
    return monitored, paid, fined, rewards


def pays_and_fines(kind: str) -> tuple[bool, bool]:
    """Whether an incentive of this kind pays those who act, and fines those who do not."""
    return kind in ("reward", "both"), kind in ("sanction", "both")


@compiled
def enforcement_spend(
    rewards: float, n_fined: int, n_monitored: int, incentive: float, costs: tuple[float, float]
) -> float:
    """What enforcing cost: rewards paid, fines imposed (``costs[1]`` per unit), monitoring."""
    monitoring_cost, sanction_cost = costs
    return rewards + sanction_cost * incentive * n_fined + monitoring_cost * n_monitored
