"""How pushpull compiles its hot loops: numba, cached on disk, with IEEE float semantics.

``error_model="numpy"`` drops the checks numba otherwise adds to every division to raise
Python's ZeroDivisionError (the code guards its divisions itself); without them the per-actor
passes ran 4-22% faster (measured), with the same results.

numba's cache is invalidated only when the file of the cached function changes, yet the step
loop (``sim/loop.py``) compiles in the mechanisms it calls from other files: after an update
that touched only ``sim/mechanisms/decision.py``, the cached loop would still run the old
decision rule. So every compiled function's cache is stamped with one digest of all the
sources compiled code can reach (:data:`COMPILED_SOURCES`): any change to any of them
recompiles everything once.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import caching, cgutils
from numba.extending import intrinsic

#: The files (relative to the ``sim`` package) whose code or constants compiled code reads.
COMPILED_SOURCES = ("*.py", "mechanisms/*.py")


def sources_stamp(package: Path) -> str:
    """A digest of the :data:`COMPILED_SOURCES` of ``package`` (their names and contents)."""
    digest = hashlib.sha256()
    for path in sorted(p for pattern in COMPILED_SOURCES for p in package.glob(pattern)):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


STAMP = sources_stamp(Path(__file__).parent)


class _Stamped:
    def get_source_stamp(self) -> str:
        return STAMP


class _UserProvided(_Stamped, caching.UserProvidedCacheLocator):
    """``NUMBA_CACHE_DIR``, if set."""


class _InTree(_Stamped, caching.InTreeCacheLocator):
    """``__pycache__`` next to the source, if writable."""


class _UserWide(_Stamped, caching.UserWideCacheLocator):
    """The user's cache directory otherwise (e.g. a read-only installation)."""


class _StampedImpl(caching.CompileResultCacheImpl):
    _locator_classes = [_UserProvided, _InTree, _UserWide]


class _StampedCache(caching.FunctionCache):
    _impl_class = _StampedImpl


def compiled(function=None, *, inline: bool = False):
    """``numba.njit`` with the numpy error model and an on-disk cache stamped with :data:`STAMP`.

    Use as ``@compiled``, or ``@compiled(inline=True)`` for a small helper called once per actor,
    pair or grid cell with arrays among its arguments: numba then inlines it into its callers,
    so a call no longer takes and releases a reference to every array argument (atomic counter
    updates that cost more than such a helper's own work).
    """
    if function is None:
        return lambda fn: compiled(fn, inline=inline)
    dispatcher = njit(error_model="numpy", inline="always" if inline else "never")(function)
    dispatcher._cache = _StampedCache(function)  # what cache=True sets, with stamped locators
    return dispatcher


@compiled(inline=True)
def unsigned(index):
    """``index``, known not to be negative, as ``np.uint64``: to index an array with.

    numba reads a signed index as Python does, adding the array's length to a negative one;
    where the index was loaded from memory (``values[indices[k]]``) the compiler cannot rule a
    negative one out, so every such access paid three more instructions, more than the load
    itself: a walk over the ties of 100,000 actors took 1.96 ms, 1.29 with unsigned indices.
    Mixing ``np.uint64`` with signed integers in arithmetic gives floats in numba, so the
    result is only used to index.
    """
    return np.uint64(index)


#: How many iterations ahead a loop asks for a row it will read at random (:func:`prefetch_row`).
AHEAD = 48


@compiled(inline=True)
def row_ahead(rows, position):
    """The row a loop over ``rows`` reads :data:`AHEAD` iterations after ``position`` (the last
    row near the end): the one to prefetch now."""
    return rows[min(position + AHEAD, rows.size - 1)]


@intrinsic
def prefetch_row(typingctx, array, row):
    """Ask the CPU to start loading row ``row`` of a 2-D ``array``, and go on.

    For loops that read rows at random (a partner's vision): the load is under way while
    the iterations before it run, instead of stalling the one that needs it. Both cache lines
    a row may straddle are asked for. A prefetch changes no value and never faults, whatever
    the address (so a row index of -1 is harmless).
    """

    def codegen(context, builder, signature, args):
        array_type, row_type = signature.args
        view = context.make_array(array_type)(context, builder, args[0])
        row_bytes = cgutils.unpack_tuple(builder, view.strides)[0]
        offset = builder.mul(context.cast(builder, args[1], row_type, types.intp), row_bytes)
        byte_pointer = ir.IntType(8).as_pointer()
        start = builder.gep(builder.bitcast(view.data, byte_pointer), [offset])
        end = builder.gep(start, [builder.sub(row_bytes, context.get_constant(types.intp, 1))])
        i32 = ir.IntType(32)
        hint = ir.FunctionType(ir.VoidType(), [byte_pointer, i32, i32, i32])
        prefetch = cgutils.get_or_insert_function(builder.module, hint, "llvm.prefetch.p0")
        for address in (start, end):  # read (0), keep in every cache level (3), data (1)
            builder.call(prefetch, [address, i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    if not (isinstance(array, types.Array) and array.ndim == 2):
        return None
    return types.void(array, row), codegen
