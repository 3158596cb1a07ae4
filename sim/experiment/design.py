"""Sampling designs: turn ``[sweep.parameters]`` into a list of design points.

Every design also records its points in *problem space* (``matrix``): the numbers SALib
samples and later analyses. A range is used as is; a list of levels becomes an index
interval ``[0, n)`` whose floor picks the level, so level lists work in every design.
"""

from __future__ import annotations

import itertools
import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.experiment.errors import ExperimentError
from sim.experiment.spec import DEFAULT_GRID_LEVELS, Range, Sweep


@dataclass
class Design:
    """The points of a sweep, in parameter space and in SALib problem space."""

    kind: str
    names: list[str]
    points: list[dict[str, Any]]
    matrix: list[list[float]] = field(default_factory=list)
    problem: dict[str, Any] | None = None
    options: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready description for the manifest (analysis reads it back)."""
        return {
            "kind": self.kind,
            "names": self.names,
            "points": self.points,
            "matrix": self.matrix,
            "problem": self.problem,
            "options": self.options,
        }


#: Below these sizes sensitivity indices are mostly noise (SALib's and Saltelli's guidance
#: is hundreds to thousands of base samples for Sobol, about 10 trajectories for Morris).
SOBOL_MIN_SAMPLES = 128
MORRIS_MIN_TRAJECTORIES = 10


def design_warnings(sweep: Sweep | None) -> list[str]:
    """Problems of a design that runs, but gives estimates not worth the runs.

    Returns:
        One line per problem (empty when none): too few samples for Sobol or Morris
        indices, or a Sobol base sample that is not a power of two.
    """
    if sweep is None or sweep.samples is None:
        return []
    n, found = sweep.samples, []
    if sweep.design == "sobol":
        if n & (n - 1):
            below, above = 1 << (n.bit_length() - 1), 1 << n.bit_length()
            found.append(
                f"sweep.samples = {n} is not a power of two, which Sobol sequences need to "
                f"keep their balance: use {below} or {above}"
            )
        if n < SOBOL_MIN_SAMPLES:
            found.append(
                f"sweep.samples = {n} is small for Sobol indices: expect wide confidence "
                f"intervals (see sensitivity.csv); {SOBOL_MIN_SAMPLES} or more is usual"
            )
    if sweep.design == "morris" and n < MORRIS_MIN_TRAJECTORIES:
        found.append(
            f"sweep.samples = {n} trajectories is small for Morris screening: "
            f"{MORRIS_MIN_TRAJECTORIES} or more is usual"
        )
    return found


def empty_design() -> Design:
    """The design of an experiment without a sweep: a single point with no parameters."""
    return Design(kind="none", names=[], points=[{}])


def planned_points(sweep: Sweep | None) -> int:
    """How many points :func:`build_design` will make (an upper bound for grids), cheaply.

    Used to refuse a design too large for memory before sampling it.
    """
    if sweep is None:
        return 1
    d = len(sweep.parameters)
    if sweep.design == "grid":
        return math.prod(
            len(spec) if isinstance(spec, list) else (spec.levels or DEFAULT_GRID_LEVELS)
            for spec in sweep.parameters.values()
        )
    n = sweep.samples or 1
    per_sample = {"sobol": 2 * d + 2 if sweep.second_order else d + 2, "morris": d + 1}
    return n * per_sample.get(sweep.design, 1)


def build_design(sweep: Sweep, seed: int, kinds: dict[str, str] | None = None) -> Design:
    """Sample the design declared by ``sweep``.

    Args:
        sweep: The validated ``[sweep]`` table.
        seed: Seed for the sampler (derived from the master seed).
        kinds: Parameter name -> kind ("int", "float", ...); ints are rounded.

    Returns:
        The design, points in a deterministic order.

    Raises:
        ExperimentError: a design that cannot be sampled (e.g. a zero-width range in a
            sampled design).
    """
    kinds = kinds or {}
    names = list(sweep.parameters)
    specs = [sweep.parameters[n] for n in names]
    if sweep.design == "grid":
        return _grid(names, specs, kinds)
    for name, spec in zip(names, specs, strict=True):
        if isinstance(spec, Range) and spec.low == spec.high:
            raise ExperimentError(
                f"sweep.parameters: {name!r}: range with low = high; a {sweep.design} design "
                "needs low < high (use a one-item list to fix a value)"
            )
    problem = {"num_vars": len(names), "names": names, "bounds": [_bounds(s) for s in specs]}
    matrix = _sample(sweep, problem, seed)
    points = [_decode(row, names, specs, kinds) for row in matrix]
    options = {"second_order": sweep.second_order, "morris_levels": sweep.morris_levels}
    return Design(sweep.design, names, points, matrix.tolist(), problem, options)


def _grid(names: list[str], specs: list[Any], kinds: dict[str, str]) -> Design:
    axes = []
    for name, spec in zip(names, specs, strict=True):
        if isinstance(spec, Range):
            values = np.linspace(spec.low, spec.high, spec.levels or DEFAULT_GRID_LEVELS)
            values = [_cast(v, kinds.get(name)) for v in values]
            axes.append(list(dict.fromkeys(values)))  # int rounding can repeat levels
        else:
            axes.append(list(spec))
    points = [dict(zip(names, combo, strict=True)) for combo in itertools.product(*axes)]
    return Design("grid", names, points)


def _bounds(spec: Any) -> list[float]:
    if isinstance(spec, Range):
        return [float(spec.low), float(spec.high)]
    return [0.0, float(len(spec))]


def _sample(sweep: Sweep, problem: dict[str, Any], seed: int) -> np.ndarray:
    n, d = sweep.samples or 1, problem["num_vars"]
    rng = np.random.default_rng(seed)
    if sweep.design in ("lhs", "random"):
        unit = _latin_hypercube(d, n, rng) if sweep.design == "lhs" else rng.random((n, d))
        low = np.array([b[0] for b in problem["bounds"]])
        high = np.array([b[1] for b in problem["bounds"]])
        return low + unit * (high - low)
    # SALib warns about sample sizes that are not powers of two; the design is still valid
    # and the warning would interrupt the progress display.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if sweep.design == "sobol":
            from SALib.sample import sobol

            return sobol.sample(problem, n, calc_second_order=sweep.second_order, seed=seed)
        from SALib.sample import morris

        return morris.sample(problem, n, num_levels=sweep.morris_levels, seed=seed)


def _latin_hypercube(d: int, n: int, rng: np.random.Generator) -> np.ndarray:
    from scipy.stats import qmc  # imported here: scipy.stats takes ~0.8 s, before workers start

    return qmc.LatinHypercube(d, rng=rng).random(n)


def _decode(row: np.ndarray, names: list[str], specs: list[Any], kinds: dict[str, str]) -> dict:
    point: dict[str, Any] = {}
    for x, name, spec in zip(row, names, specs, strict=True):
        if isinstance(spec, Range):
            point[name] = _cast(min(max(x, spec.low), spec.high), kinds.get(name))
        else:
            point[name] = spec[min(int(np.floor(x)), len(spec) - 1)]
    return point


def _cast(value: float, kind: str | None) -> int | float:
    if kind == "int":
        return int(round(float(value)))
    return float(value)
