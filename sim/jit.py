"""How pushpull compiles its hot loops: numba, cached on disk, with IEEE float semantics.

``error_model="numpy"`` drops the checks numba otherwise adds to every division to raise
Python's ZeroDivisionError (the code guards its divisions itself); without them the per-actor
passes ran 4-22% faster (measured), with the same results.
"""

from __future__ import annotations

from numba import njit

compiled = njit(cache=True, error_model="numpy")
