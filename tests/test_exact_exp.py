"""``sim.exact_exp``: glibc's exp to the last bit, several values at a time."""

from __future__ import annotations

import math
import platform
from decimal import Decimal, localcontext
from pathlib import Path

import numpy as np
import pytest
from numba import njit

from sim import exact_exp


@njit
def each_exp(values, exact):
    """``exp`` of each value: the module's (``exact``), or numba's ``np.exp``, the platform's
    libm, which the model called before."""
    out = np.empty_like(values)
    for i in range(values.size):
        out[i] = exact_exp.exp(values[i]) if exact else np.exp(values[i])
    return out


def glibc_with_fma() -> bool:
    """Whether libm here is glibc's (>= 2.28, the algorithm reproduced) on an x86-64 processor
    with FMA, whose ``exp`` is the one the module reproduces bit for bit."""
    name, version = platform.libc_ver()
    if name != "glibc" or tuple(map(int, version.split(".")[:2])) < (2, 28):
        return False
    cpuinfo = Path("/proc/cpuinfo")
    flags = cpuinfo.read_text().split() if cpuinfo.exists() else []
    return platform.machine() == "x86_64" and "fma" in flags and "avx2" in flags


def arguments(rng: np.random.Generator) -> np.ndarray:
    """Alignments' range, the whole range, the table's rounding points, special values."""
    half_steps = (np.arange(-70_000, 70_000) + 0.5) * (math.log(2) / 128)  # k rounds here
    return np.concatenate([
        -rng.random(400_000) * 60,
        (rng.random(300_000) - 0.5) * 1500,
        half_steps * (1 + (rng.random(half_steps.size) - 0.5) * 1e-15),
        np.ldexp(rng.random(20_000) - 0.5, rng.integers(-1074, 0, 20_000)),  # tiny
        [0.0, -0.0, np.nan, np.inf, -np.inf, 511.99, -511.99, 512.0, -512.0, 709.78, -745.2],
    ])  # fmt: skip


@pytest.mark.skipif(not glibc_with_fma(), reason="libm here is not glibc on an FMA processor")
def test_equals_glibc_to_the_last_bit() -> None:
    values = arguments(np.random.default_rng(7))
    expected = each_exp(values, False).view(np.uint64)
    assert np.array_equal(each_exp(values, True).view(np.uint64), expected)
    in_place = values.copy()
    exact_exp.exp_in_place(in_place)
    assert np.array_equal(in_place.view(np.uint64), expected)


def test_within_half_an_ulp_and_a_bit_of_the_true_value() -> None:
    """Anywhere: glibc's bound (0.502 ulp; 0.51 allowed), checked against 40-digit values."""
    values = np.concatenate([-np.random.default_rng(3).random(2_000) * 60, [-1e-10, 1.0, 300.0]])
    results = each_exp(values, True)
    with localcontext() as context:
        context.prec = 40
        for x, y in zip(values, results, strict=True):
            exact = Decimal(float(x)).exp()
            assert abs(Decimal(float(y)) - exact) <= Decimal("0.51") * Decimal(math.ulp(y))


def test_special_values_and_both_loops_of_exp_in_place() -> None:
    specials = np.array([0.0, -0.0, np.nan, np.inf, -np.inf, -800.0, 800.0])
    out = each_exp(specials, True)
    assert out[0] == out[1] == 1.0 and np.isnan(out[2])
    assert out[3] == np.inf and out[4] == 0.0 and out[5] == 0.0 and out[6] == np.inf
    inside = -np.random.default_rng(1).random(1_000) * 60
    for values in (inside, np.concatenate([inside, specials])):  # no branch / libm for some
        in_place = values.copy()
        exact_exp.exp_in_place(in_place)
        assert np.array_equal(in_place.view(np.uint64), each_exp(values, True).view(np.uint64))


def test_the_table_holds_powers_of_two() -> None:
    """Entry k: 2^(k/128) as scale (1 + tail), scale correctly rounded, tail its remainder."""
    table = exact_exp.TABLE
    for k in (0, 1, 64, 127):
        scale = float((table[2 * k + 1] + np.uint64(k << 45)).view(np.float64))
        tail = float(table[2 * k].view(np.float64))
        assert scale == 2.0 ** (k / 128) or abs(scale - 2.0 ** (k / 128)) <= math.ulp(scale)
        assert abs(scale * (1 + tail) - 2.0 ** (k / 128)) <= math.ulp(scale)
    assert not table.flags.writeable
