"""How many runs go into each batch: the unit of work handed to a worker and of persistence.

A batch in flight when a sweep stops runs again on resume, so batches must stay short; each
batch also costs a hand-off and a part file, so for short runs they must not be tiny.
"""

from __future__ import annotations

#: Upper bound on runs per batch until run times are known: a batch is also the unit of
#: persistence (a batch in flight when a sweep stops runs again on resume).
MAX_BATCH = 16
#: Upper bound once run times are known: short runs come in batches of about
#: ``BATCH_SECONDS`` of work, so writing parts and hand-offs cost little per run.
MAX_FAST_BATCH = 256
BATCH_SECONDS = 1.0
MIN_BATCH_SECONDS = 0.1


class BatchSizer:
    """Batch sizes that shrink as the sweep nears its end (guided self-scheduling).

    Big batches early keep per-task overhead low; small batches late keep every worker busy
    until the last run, instead of one worker finishing a long batch alone. Until run times
    are known a batch holds at most ``MAX_BATCH`` runs. Then it holds at most
    ``BATCH_SECONDS`` of work (up to ``MAX_FAST_BATCH`` runs) and at least
    ``MIN_BATCH_SECONDS``: for short runs, writing a part and handing a batch over would
    otherwise cost more than the runs themselves.
    """

    def __init__(self, workers: int, fixed: int | None = None) -> None:
        self.workers = workers
        self.fixed = fixed
        self.runs = 0
        self.seconds = 0.0

    def observe(self, runs: int, seconds: float) -> None:
        """Record that ``runs`` finished runs took ``seconds`` in all."""
        self.runs += runs
        self.seconds += seconds

    def __call__(self, remaining: int) -> int:
        """Size of the next batch when ``remaining`` runs are left to hand out."""
        if self.fixed:
            return self.fixed
        most, least = MAX_BATCH, 1
        if self.runs:
            per_run = max(self.seconds / self.runs, 1e-6)
            most = min(MAX_FAST_BATCH, max(MAX_BATCH, int(BATCH_SECONDS / per_run)))
            least = min(most, max(1, int(MIN_BATCH_SECONDS / per_run)))
        # One worker has no other to wait for at the end: it need not shrink its batches.
        guided = remaining if self.workers == 1 else remaining // (self.workers * 4)
        return max(1, min(remaining, most, max(least, guided)))


def guided_batch_size(workers: int, fixed: int | None = None) -> BatchSizer:
    """A :class:`BatchSizer` (``fixed``: every batch has that many runs)."""
    return BatchSizer(workers, fixed)
