"""Imported by the fork server of local workers: load the sweep's main script there, once.

Python 3.12's fork server is meant to import the main script when ``"__main__"`` is in its
preload list, but it is never handed the script's path (``ensure_running`` keeps only keys
that ``get_preparation_data`` does not produce). Every worker process then ran the main script
again on start: for a script importing the experiment engine, a second or more per worker
and per sweep. The coordinating process puts the path in :data:`MAIN_ENV` (inherited by the
fork server), and this module does what the fork server should have done; workers forked
afterwards find their main module in place and skip it.

It also runs a tiny model once, so that workers are forked with the model's compiled numba
kernels already loaded from their cache, instead of each worker loading them during its
first run (about 0.4 s per worker and per sweep).
"""

from __future__ import annotations

import contextlib
import os
import sys
from multiprocessing import process, spawn

from sim.experiment.executors import MAIN_ENV  # set by the coordinating process


def load_main() -> None:
    """Import the main script named in :data:`MAIN_ENV` as ``__mp_main__``, if not done yet."""
    path = os.environ.get(MAIN_ENV)
    if not path or not os.path.isfile(path):
        return
    if getattr(sys.modules.get("__main__"), "__file__", None) == path:
        return
    process.current_process()._inheriting = True  # as the fork server does for "__main__"
    try:
        # A script that fails here fails in each worker as before: nothing is lost.
        with contextlib.suppress(Exception):
            spawn.import_main_path(path)
    finally:
        del process.current_process()._inheriting


def warm_model() -> None:
    """Run a tiny model once, loading the compiled kernels (a failure is left to the runs)."""
    with contextlib.suppress(Exception):
        from sim.loading import load_scenario
        from sim.run import run_scenario

        run_scenario(load_scenario(None, {"population.size": 20, "steps": 3}))


load_main()
warm_model()
