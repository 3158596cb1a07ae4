"""The published findings ``pushpull validate`` checks, each an experiment at the defaults.

Each finding states its source, the manipulation its study made (everything else stays at the
model's defaults), the metric, the target band and how the value and its 95% interval are
computed over replications that share seeds across arms (common random numbers).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.validation import stats
from sim.validation.simulate import RunSpec

Outcomes = dict[str, list[dict[str, Any]]]  # arm -> one outcome per replication
Estimate = tuple[float, float, float, bool]  # value, ci_low, ci_high, passed
DEFFUANT_EPS = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35)
FREE_CHOICE = 50  # steps of free choice after a reward is withdrawn (Deci et al. 1999)


@dataclass(frozen=True)
class Arm:
    """One condition of a finding's experiment."""

    overrides: dict[str, Any] = field(default_factory=dict)
    schedule: tuple = ()
    window: tuple[int, int] | None = None
    start: str = "default"


@dataclass(frozen=True)
class Finding:
    """A published finding and the experiment that checks it."""

    id: str
    finding: str
    source: str
    manipulation: str
    metric: str
    target: str
    arms: dict[str, Arm]
    estimate: Callable[[Outcomes], Estimate]
    replications: tuple[int, int] = (20, 6)  # full, quick

    def specs(self, replications: int, master_seed: int) -> list[RunSpec]:
        """Every run: each arm at each replication, arms sharing a replication's seed."""
        return [
            RunSpec(
                self.id,
                name,
                rep,
                master_seed + rep,
                arm.overrides,
                arm.window,
                arm.start,
                arm.schedule,
            )
            for rep in range(replications)
            for name, arm in self.arms.items()
        ]


def _tenth(series: np.ndarray, last: bool) -> float:
    n = max(1, len(series) // 10)
    return float(series[-n:].mean() if last else series[:n].mean())


def _per_rep(outcomes: Outcomes, arm: str, fn: Callable[[dict], float]) -> np.ndarray:
    return np.array([fn(o) for o in outcomes[arm]])


# -- estimates ---------------------------------------------------------------------------------
def deffuant_estimate(outcomes: Outcomes) -> Estimate:
    """Largest gap between the median number of major clusters and floor(1/(2 eps)).

    The count is an integer, so its typical value is the median over replications; the interval
    is the range of the worst confidence's per-run gaps.
    """
    worst = None
    for eps in DEFFUANT_EPS:
        expected = 1 if eps >= 0.3 else math.floor(1 / (2 * eps))
        gaps = _per_rep(outcomes, f"eps={eps}", lambda o: o["clusters"]) - expected
        gap = (float(np.median(gaps)), float(gaps.min()), float(gaps.max()))
        if worst is None or abs(gap[0]) > abs(worst[0]):
            worst = gap
    value, low, high = worst
    return abs(value), low, high, abs(value) <= 1.0


def free_choice_d(arm: str) -> Callable[[Outcomes], tuple[float, float, float]]:
    """Per-actor Cohen's d of free-choice participation, treated arm vs never-rewarded control."""

    def estimate(outcomes: Outcomes) -> tuple[float, float, float]:
        ds = [
            stats.cohens_d(t["actor_share"], c["actor_share"])
            for t, c in zip(outcomes[arm], outcomes["control"], strict=True)
        ]
        return stats.difference_ci(np.array(ds))

    return estimate


def undermining_estimate(outcomes: Outcomes) -> Estimate:
    value, low, high = free_choice_d("rewarded")(outcomes)
    return value, low, high, -0.55 <= value <= -0.20


def verbal_estimate(outcomes: Outcomes) -> Estimate:
    value, low, high = free_choice_d("recognised")(outcomes)
    return value, low, high, value >= 0.0


def punishment_estimate(outcomes: Outcomes) -> Estimate:
    """Ratio of the sanction's to the reward's effect on mean participation."""

    def mean(o):
        return float(o["participation"].mean())

    none = _per_rep(outcomes, "none", mean)
    reward = _per_rep(outcomes, "reward", mean) - none
    sanction = _per_rep(outcomes, "sanction", mean) - none
    value, low, high = stats.ratio_ci(sanction, reward)
    both_help = stats.difference_ci(reward)[1] > 0 and stats.difference_ci(sanction)[1] > 0
    return value, low, high, both_help and 1.1 <= value <= 2.0


def decay_estimate(outcomes: Outcomes) -> Estimate:
    """Participation in the last tenth over the first tenth, no lever at all."""
    first = _per_rep(outcomes, "no_lever", lambda o: _tenth(o["participation"], last=False))
    last = _per_rep(outcomes, "no_lever", lambda o: _tenth(o["participation"], last=True))
    value, low, high = stats.ratio_ci(last, first)
    return value, low, high, value <= 0.5


def contagion_estimate(outcomes: Outcomes) -> Estimate:
    """Spread (seeded minus unseeded, last tenth) on the clustered over the random network."""

    def spread(network: str) -> np.ndarray:
        seeded = _per_rep(outcomes, f"{network}_seeded", lambda o: _tenth(o["participation"], True))
        control = _per_rep(
            outcomes, f"{network}_control", lambda o: _tenth(o["participation"], True)
        )
        return seeded - control

    clustered, random = spread("clustered"), spread("random")
    value, low, high = stats.ratio_ci(clustered, random)
    return value, low, high, clustered.mean() > 0 and value >= 1.2


def crowding_estimate(outcomes: Outcomes) -> Estimate:
    """Sustained participation (last 20%) of vision + withdrawn reward minus vision alone."""

    def sustained(o):
        p = o["participation"]
        return float(p[-max(1, len(p) // 5) :].mean())

    diff = _per_rep(outcomes, "vision_reward_withdrawn", sustained) - _per_rep(
        outcomes, "vision_only", sustained
    )
    value, low, high = stats.difference_ci(diff)
    return value, low, high, high < 0.0


def _last_tenth(o: dict) -> float:
    return _tenth(o["participation"], last=True)


def peer_punishment_estimate(outcomes: Outcomes) -> Estimate:
    """Participation in the last tenth with peer sanctions over without."""
    value, low, high = stats.ratio_ci(
        _per_rep(outcomes, "peer_sanctions", _last_tenth), _per_rep(outcomes, "none", _last_tenth)
    )
    return value, low, high, value >= 2.0


def self_crafted_estimate(outcomes: Outcomes) -> Estimate:
    """Participation in the last tenth, co-created rules with communication over imposed rules."""
    value, low, high = stats.ratio_ci(
        _per_rep(outcomes, "co_created", _last_tenth), _per_rep(outcomes, "imposed", _last_tenth)
    )
    return value, low, high, value >= 1.5


def other_sectors_mean(convener: str) -> Callable[[dict], float]:
    """Mean participation over the run in every sector but the convener's."""

    def mean(o: dict) -> float:
        others = [s for name, s in o["sectors"].items() if name != convener]
        return float(np.mean([s.mean() for s in others]))

    return mean


def without_authority_estimate(outcomes: Outcomes) -> Estimate:
    """Effect of mutual accountability on the four other sectors; push's must not be positive."""
    mean = other_sectors_mean("government")
    none = _per_rep(outcomes, "none", mean)
    account = stats.difference_ci(_per_rep(outcomes, "accountability", mean) - none)
    pushed = stats.difference_ci(_per_rep(outcomes, "convener_push", mean) - none)
    return account[0], account[1], account[2], account[1] > 0 and pushed[1] <= 0
