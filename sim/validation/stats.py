"""Effect statistics for validation: paired over replications with common seeds."""

from __future__ import annotations

import math

import numpy as np

from sim.analysis.stats import mean_ci

BOOTSTRAP_DRAWS = 2000
BOOTSTRAP_SEED = 20261202  # fixed: the same outcomes give the same interval


def cohens_d(treated: np.ndarray, control: np.ndarray) -> float:
    """Standardised mean difference with the pooled standard deviation."""
    pooled = math.sqrt((treated.var(ddof=1) + control.var(ddof=1)) / 2.0)
    return float((treated.mean() - control.mean()) / pooled) if pooled > 0 else 0.0


def ratio_ci(numerator: np.ndarray, denominator: np.ndarray) -> tuple[float, float, float]:
    """Ratio of means with a paired percentile-bootstrap 95% interval over replications."""
    value = _ratio(numerator.mean(), denominator.mean())
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    picks = rng.integers(0, numerator.size, size=(BOOTSTRAP_DRAWS, numerator.size))
    draws = [_ratio(numerator[p].mean(), denominator[p].mean()) for p in picks]
    low, high = np.percentile(draws, [2.5, 97.5])
    return value, float(low), float(high)


def _ratio(num: float, den: float) -> float:
    if den > 0:
        return float(num / den)
    return math.inf if num > 0 else math.nan


def difference_ci(values: np.ndarray) -> tuple[float, float, float]:
    """Mean and Student-t 95% interval of per-replication values (e.g. paired differences)."""
    mean, low, high, _ = mean_ci(values)
    return mean, low, high
