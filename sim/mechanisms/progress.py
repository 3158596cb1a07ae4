"""Progress: what the collective achieves depends on how many act and how aligned they are.

Per step, ``p_t = (1/N) sum_i A_i * a_i`` where ``A_i`` is 1 if i acted and ``a_i`` i's alignment
with the shared vision (with no shared vision: with the mean vision of those acting) - effort
pulling in different directions adds up to less (Kania & Kramer 2011, "mutually reinforcing
activities"). Cumulative progress is ``sum_t p_t``. The *visible* progress that feeds pull is an
exponential moving average ``g' = g + lambda (p_t - g)`` with ``lambda = 0.1`` (a ten-step memory).
"""

from __future__ import annotations

import numpy as np

from sim.jit import compiled

VISIBILITY_RATE = 0.1


def step_progress(acting: np.ndarray, coherence: np.ndarray) -> float:
    """Progress made this step, in [0, 1]."""
    return per_actor(float(coherence.sum(where=acting)), acting.size)


@compiled
def per_actor(coherence_total: float, size: int) -> float:
    """Progress of a step whose actors' coherence, summed over those who acted, is given."""
    return coherence_total / size


@compiled
def visible_progress(signal: float, progress: float) -> float:
    """Exponential moving average of per-step progress."""
    return signal + VISIBILITY_RATE * (progress - signal)
