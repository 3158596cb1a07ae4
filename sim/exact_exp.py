"""``exp`` to the last bit of glibc's, in a form compiled loops can vectorize.

Alignments are Gaussian, ``exp(-d^2 / 2 tau^2)``, and numba's ``exp`` is a call into the
platform's libm: a pulled step at 100,000 actors makes 30,000-180,000 of them (5 ns each),
and a loop with a call in it runs one element at a time. This module computes what glibc
computes (its ``exp`` since 2.28, from Arm's optimized-routines, Szabolcs Nagy) as its x86-64
build for processors with fused multiply-add runs it (``__exp_fma``)::

    x = k ln2 / N + r,  |r| <= ln2 / 2N,  N = 128
    exp(x) = 2^(k/N) exp(r) = scale + scale * (tail + r + r^2 (C2 + r C3) + r^4 (C4 + r C5))

with k found by adding a shift constant, ln2/N split in two parts, ``2^(k/N) = scale (1 + tail)``
from a table of 128 pairs, and a fused multiply-add wherever GCC contracts one. The table is
computed here from 40-digit values, correctly rounded, and equals glibc's ``__exp_data.tab``
entry for entry (compared with the table inside glibc 2.36's ``libm.so.6`` when written).

For ``|x| < 512`` (every alignment's exponent lies in ``[-1 / (2 tau^2), 0]``) :func:`exp`
returns glibc's result to the last bit (tests: 860,000 arguments over the whole range and
around the table's rounding points, against the platform's libm where it is glibc on an FMA
processor); beyond that, and for NaN, libm's ``exp`` is called as before. The alignments are
therefore those the model computed with glibc on such a machine, now on any platform.
"""

from __future__ import annotations

from decimal import Decimal, localcontext

import numpy as np
from numba import types
from numba.extending import intrinsic

from sim.jit import compiled

#: Beyond this magnitude (and for NaN) libm's ``exp`` is called: glibc's own special cases.
LARGEST = 512.0

_N = 128  # table entries: 2^(k/N) for k = 0..N-1
_INV_LN2_N = float.fromhex("0x1.71547652b82fep7")  # N / ln 2
_SHIFT = float.fromhex("0x1.8p52")  # adding it rounds k to an integer held in the low bits
_NEG_LN2_HI_N = float.fromhex("-0x1.62e42fefa0000p-8")  # -ln2/N, high part (exact products)
_NEG_LN2_LO_N = float.fromhex("-0x1.cf79abc9e3b3ap-47")  # -ln2/N, the rest
_C2 = float.fromhex("0x1.ffffffffffdbdp-2")
_C3 = float.fromhex("0x1.555555555543cp-3")
_C4 = float.fromhex("0x1.55555cf172b91p-5")
_C5 = float.fromhex("0x1.1111167a4d017p-7")


def _table() -> np.ndarray:
    """glibc's ``__exp_data.tab``: for each k, the bits of ``tail`` and of ``scale``, the
    latter less ``k << 45`` (k's place in a double's exponent, added back at run time)."""
    table = np.empty(2 * _N, dtype=np.uint64)
    with localcontext() as context:
        context.prec = 40
        ln2 = Decimal(2).ln()
        for k in range(_N):
            exact = (ln2 * k / _N).exp()  # 2^(k/N)
            scale = float(exact)  # correctly rounded
            tail = float((exact - Decimal(scale)) / Decimal(scale))
            table[2 * k] = np.float64(tail).view(np.uint64)
            table[2 * k + 1] = np.float64(scale).view(np.uint64) - np.uint64(k << 45)
    table.flags.writeable = False  # compiled code holds it as a constant
    return table


TABLE = _table()


@intrinsic
def _fma(typingctx, a, b, c):
    """``a * b + c`` rounded once (``llvm.fma``: the processor's instruction where it has one)."""

    def codegen(context, builder, signature, args):
        return builder.fma(*args)

    return types.float64(types.float64, types.float64, types.float64), codegen


@intrinsic
def _bits(typingctx, value):
    """The 64 bits of a double, as an unsigned integer."""

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.uint64))

    return types.uint64(types.float64), codegen


@intrinsic
def _double(typingctx, bits):
    """The double whose 64 bits are ``bits``."""

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.float64))

    return types.float64(types.uint64), codegen


@compiled(inline=True)
def _exp_near(x):
    """glibc's ``exp`` of ``x`` for ``|x| < 512``, no branch (see the module docstring)."""
    shifted = _fma(_INV_LN2_N, x, _SHIFT)
    k_bits = _bits(shifted)
    k = shifted - _SHIFT
    r = _fma(k, _NEG_LN2_LO_N, _fma(k, _NEG_LN2_HI_N, x))
    entry = 2 * (k_bits & np.uint64(_N - 1))
    tail = _double(TABLE[entry])
    scale = _double(TABLE[entry + 1] + (k_bits << np.uint64(45)))
    r2 = r * r
    poly = _fma(r2 * r2, _fma(r, _C5, _C4), _fma(r2, _fma(r, _C3, _C2), tail + r))
    return _fma(scale, poly, scale)


@compiled(inline=True)
def exp(x):
    """``exp(x)`` exactly as glibc computes it (libm's own for ``|x| >= 512`` or NaN)."""
    if abs(x) < LARGEST:
        return _exp_near(x)
    return np.exp(x)


@compiled
def exp_in_place(values):
    """Replace each of ``values`` (1-D) by its :func:`exp`, several at a time where the
    processor allows: when no value lies outside ``|x| < 512``, the loop has no branch."""
    outside = 0
    for i in range(values.size):
        outside += not abs(values[i]) < LARGEST
    if outside:
        for i in range(values.size):
            values[i] = exp(values[i])
    else:
        for i in range(values.size):
            values[i] = _exp_near(values[i])
