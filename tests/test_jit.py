"""The compiled-code cache: stamped with every source compiled code can reach."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from numba import njit
from numba.core.errors import TypingError

from sim import jit, loop
from sim.mechanisms import decision

PACKAGE = Path(jit.__file__).parent


def copy_of_sources(tmp_path: Path) -> Path:
    copy = tmp_path / "sim"
    for pattern in jit.COMPILED_SOURCES:
        for path in PACKAGE.glob(pattern):
            target = copy / path.relative_to(PACKAGE)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
    return copy


def test_a_change_to_any_compiled_source_changes_the_stamp(tmp_path: Path) -> None:
    copy = copy_of_sources(tmp_path)
    before = jit.sources_stamp(copy)
    assert before == jit.STAMP  # the copy is the package
    mechanism = copy / "mechanisms" / "decision.py"
    os.utime(mechanism, (0, 0))  # a new time alone (a checkout) leaves the cache valid
    assert jit.sources_stamp(copy) == before
    mechanism.write_text(mechanism.read_text() + "\n# changed\n")
    assert jit.sources_stamp(copy) != before


def test_the_step_loop_and_the_mechanisms_it_calls_share_the_stamp() -> None:
    """The loop's cache is invalidated by a change to a mechanism in another file."""
    for function in (loop.run_steps, decision.act_probability):
        locator = function._cache._impl.locator
        assert locator.get_source_stamp() == jit.STAMP


def test_inlined_helpers_are_inlined_cached_and_stamped() -> None:
    """``compiled(inline=True)`` helpers are inlined by numba into their callers (their own
    code is then part of the caller's, which the shared stamp invalidates), and still work and
    cache when called on their own."""
    from sim import clusters
    from sim.mechanisms import vision

    for helper in (clusters._rows_and, clusters._linked, vision.alignment_of):
        assert helper.targetoptions["inline"] == "always"
        assert helper._cache._impl.locator.get_source_stamp() == jit.STAMP
    assert loop.run_steps.targetoptions["inline"] == "never"
    assert vision.alignment_of(np.array([0.5, 0.5]), np.array([0.5, 0.5]), 0.2) == 1.0


def test_prefetch_is_a_hint_that_reads_nothing() -> None:
    """``prefetch_row`` compiles to the CPU's prefetch hint, not a load: rows far outside the
    array (as a loop's clamped look-ahead may name) neither fault nor change a value."""

    @njit
    def sum_first_column(rows, ahead):
        total = 0.0
        for r in range(rows.shape[0]):
            jit.prefetch_row(rows, ahead[r])
            total += rows[r, 0]
        return total

    rows = np.arange(6.0).reshape(3, 2)
    assert sum_first_column(rows, np.array([-1, 10**12, 2])) == 6.0
    assert "@llvm.prefetch" in next(iter(sum_first_column.inspect_llvm().values()))
    with pytest.raises(TypingError):  # rows of a 2-D array only
        njit(lambda values: jit.prefetch_row(values, 0))(np.zeros(3))
