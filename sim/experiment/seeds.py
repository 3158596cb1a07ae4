"""Seed derivation: every random number in an experiment descends from one master seed.

Seeds are derived with :class:`numpy.random.SeedSequence` spawn keys computed from a run's
position in the plan, never from a shared counter, so a run gets the same seed whichever
worker runs it and in whichever order.
"""

from __future__ import annotations

import numpy as np

# Spawn-key branches under the master seed. Fixed constants so adding a branch later
# never changes the seeds of existing experiments.
_DESIGN_BRANCH = 0
_RUN_BRANCH = 1


def _to_int(seq: np.random.SeedSequence) -> int:
    # 63 bits: fits the scenario's ``seed`` field (0 .. 2**63-1) and an int64 parquet column.
    return int(seq.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


def design_seed(master: int) -> int:
    """Seed for sampling the design (LHS, random, Sobol, Morris), derived from the master."""
    return _to_int(np.random.SeedSequence(master, spawn_key=(_DESIGN_BRANCH,)))


def run_seed(master: int, point: int, replication: int) -> int:
    """Seed of replication ``replication`` of design point ``point``.

    The variant is deliberately not part of the key: all variants of one point and
    replication share a seed (common random numbers), so differences between variants are
    not blurred by different random draws.

    Args:
        master: The experiment's master seed.
        point: Index of the design point (0 when there is no sweep).
        replication: Replication index.

    Returns:
        A non-negative 63-bit seed.
    """
    key = (_RUN_BRANCH, point, replication)
    return _to_int(np.random.SeedSequence(master, spawn_key=key))
