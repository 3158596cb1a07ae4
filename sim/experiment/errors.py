"""The one error type of the experiments engine."""

from __future__ import annotations

import difflib


class ExperimentError(ValueError):
    """Bad experiment input; ``str()`` is one line naming the source, the key and the problem."""


def suggest(name: str, known: list[str]) -> str:
    """A ``" (did you mean 'x'?)"`` hint for a misspelt name, or an empty string."""
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


class RunFault(ExperimentError):
    """A fault during a run (a lost Dask scheduler, a full disk): exit code 1, resumable."""
