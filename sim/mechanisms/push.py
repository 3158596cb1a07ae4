"""Push: rewards and sanctions from an authority that can monitor and enforce.

An actor feels push only if an enforcing authority reaches it (``push.reach``: ``all`` = one
closed organisation where everybody answers to the leader; ``convener`` = only the convener's
sector, ``push.convener``; or a list of sectors). Across sectors nobody else has that authority,
which is why push fails there (Fehr & Gachter 2002 on punishment needing an enforcer; Kania &
Kramer 2011 on collective impact without a boss).

Expected extrinsic pressure on actor i, for incentive size ``b = push.incentive``:

``X_i = R_i * kappa_i * L * m * b * k``

with ``R_i`` 1 under authority else 0, ``kappa_i`` i's incentive sensitivity,
``L = push.legitimacy``,
``m = push.monitoring`` (only monitored behaviour is rewarded or sanctioned; Becker 1968), and
``k`` = 1 for ``reward`` or ``sanction``, 2 for ``both`` (acting both earns the reward and avoids
the fine). Push is active while ``b > 0`` and the budget ``push.budget`` is not spent.

Realised each step: each actor under authority is monitored with probability m; rewards ``b``
are paid to monitored actors who acted, sanctions ``b`` fall on monitored actors who did not
(fines are not counted as income), and monitoring costs ``push.monitoring_cost`` per monitored
actor. Spend = rewards paid + monitoring cost, subtracted from the budget.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def authority_mask(
    reach: str | list[str], sector: np.ndarray, sector_names: list[str], convener: str
) -> np.ndarray:
    """Which actors are under an enforcing authority."""
    if reach == "all":
        return np.ones(sector.size, dtype=bool)
    names = [convener] if reach == "convener" else list(reach)
    codes = [sector_names.index(name) for name in names]
    return np.isin(sector, codes)


def expected_pressure(
    under_authority: np.ndarray,
    sensitivity: np.ndarray,
    incentive: float,
    kind: str,
    legitimacy: float,
    monitoring: float,
) -> np.ndarray:
    """Expected extrinsic pressure ``X_i`` on every actor."""
    factor = 2.0 if kind == "both" else 1.0
    return under_authority * sensitivity * (legitimacy * monitoring * incentive * factor)


@dataclass(frozen=True)
class Enforcement:
    """What one step of enforcement did."""

    monitored: int
    rewarded: int
    sanctioned: int
    spend: float


def enforce(
    under_authority: np.ndarray,
    acting: np.ndarray,
    incentive: float,
    kind: str,
    monitoring: float,
    monitoring_cost: float,
    rng: np.random.Generator,
) -> Enforcement:
    """Monitor, reward and sanction for one step; return counts and spend."""
    monitored = under_authority & (rng.random(acting.size) < monitoring)
    rewarded = int(np.count_nonzero(monitored & acting)) if kind != "sanction" else 0
    sanctioned = int(np.count_nonzero(monitored & ~acting)) if kind != "reward" else 0
    n_monitored = int(np.count_nonzero(monitored))
    spend = incentive * rewarded + monitoring_cost * n_monitored
    return Enforcement(n_monitored, rewarded, sanctioned, spend)
