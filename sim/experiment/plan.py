"""Resolve an experiment against the model: configs per variant, the design, the runs.

Everything that can be wrong with an experiment is found here, before anything runs or
anything is written: unknown parameters, values the model rejects, unusable designs.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from sim import resources
from sim.config import PARAMETERS, ConfigError, Scenario, load_scenario
from sim.experiment.design import Design, build_design, empty_design, planned_points
from sim.experiment.errors import ExperimentError, suggest
from sim.experiment.seeds import design_seed, run_seed
from sim.experiment.spec import Experiment, Range
from sim.experiment.worker import Task

#: The variant name of an experiment that declares none.
DEFAULT_VARIANT = "default"
#: Key inside a variant table naming another scenario to build the variant on.
VARIANT_BASE_KEY = "base"
_NUMERIC = ("int", "float")


@dataclass
class Plan:
    """A fully validated experiment, ready to run."""

    experiment: Experiment
    source: str
    text: str
    configs: dict[str, Scenario]
    design: Design
    tasks: list[Task] = field(repr=False)

    @property
    def fingerprint(self) -> str:
        """Hash of everything that determines the runs' results (resume refuses a mismatch)."""
        experiment = json.loads(self.experiment.canonical_json())
        experiment.pop("description", None)  # prose; editing it must not block a resume
        payload = {
            "experiment": experiment,
            "configs": {v: c.flat() for v, c in self.configs.items()},
        }
        blob = json.dumps(payload, sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


def make_plan(experiment: Experiment, source: str, text: str = "") -> Plan:
    """Validate ``experiment`` against the model and enumerate its runs.

    Runs are numbered variant-major, then design point, then replication, so run ids are
    stable for a given experiment.

    Raises:
        ExperimentError: one line naming the file, the key and the problem.
    """
    _check_plan_size(experiment, source)
    fixed = _flatten(experiment.fixed)
    _check_names(fixed, f"{source}: fixed")
    configs = _variant_configs(experiment, fixed, source)
    for name, cfg in configs.items():
        problem = resources.run_problem(cfg)
        if problem:
            raise ExperimentError(f"{source}: variants.{name}: {problem}")
    _check_horizon(experiment, configs, source)
    design = _design(experiment, configs, source)
    tasks = []
    for variant in configs:
        for point in range(len(design.points)):
            for rep in range(experiment.replications):
                seed = run_seed(experiment.seed, point, rep)
                tasks.append(Task(len(tasks), variant, point, rep, seed))
    return Plan(experiment, source, text, configs, design, tasks)


def with_cli_overrides(
    experiment: Experiment,
    overrides: dict[str, Any],
    labels: dict[str, str],
    seed: int | None = None,
) -> Experiment:
    """The experiment with the command line's ``--set``/``--steps`` and master ``--seed``.

    Overrides win over ``[fixed]`` and every variant; they become part of the experiment
    (its manifest and fingerprint), so results always say how they were made.

    Raises:
        ExperimentError: an override of a swept parameter, or of the per-run seed.
        ConfigError: a value the base scenario rejects, naming the option.
    """
    swept = experiment.sweep.parameters if experiment.sweep else {}
    for name in overrides:
        label = labels.get(name, labels.get("*", "--set"))
        if name == "seed":
            raise ExperimentError(
                f"{label} seed: runs' seeds come from the master seed: use --seed"
            )
        if name in swept:
            raise ExperimentError(
                f"{label} {name}: swept in [sweep.parameters]; cannot also be set"
            )
    if overrides:
        _check_cli_overrides(experiment, overrides, labels)
    update: dict[str, Any] = {}
    if overrides:
        update["fixed"] = {**experiment.fixed, **overrides}
        update["variants"] = {v: {**t, **overrides} for v, t in experiment.variants.items()}
    if seed is not None:
        if seed < 0:
            raise ExperimentError(f"--seed {seed}: must be >= 0")
        update["seed"] = seed
    return experiment.model_copy(update=update) if update else experiment


def _check_cli_overrides(
    experiment: Experiment, overrides: dict[str, Any], labels: dict[str, str]
) -> None:
    """Validate the overrides on every scenario the variants build on, naming the option."""
    bases = [experiment.base]
    bases += [t[VARIANT_BASE_KEY] for t in experiment.variants.values() if VARIANT_BASE_KEY in t]
    options = sorted({labels.get(name, labels.get("*", "--set")) for name in overrides})
    for base in dict.fromkeys(bases):
        try:
            load_scenario(base, overrides, override_label=labels)
        except ConfigError as exc:
            message = str(exc)
            if not message.startswith("--"):  # the scenario, not the option, names the problem
                verb = "does" if len(options) == 1 else "do"
                message = f"{' and '.join(options)} {verb} not fit scenario {base}: {message}"
            raise ConfigError(message) from None


def _check_plan_size(experiment: Experiment, source: str) -> None:
    """Refuse a plan whose runs and design points cannot even be listed in memory."""
    points = planned_points(experiment.sweep)
    variants = max(len(experiment.variants), 1)
    runs = variants * points * experiment.replications
    dims = len(experiment.sweep.parameters) if experiment.sweep else 0
    need = resources.plan_bytes(runs, points, dims)
    room = resources.available_memory() - resources.BASE_BYTES
    if need > room:
        raise ExperimentError(
            f"{source}: {runs:,} runs ({variants} variant(s) x {points:,} design point(s) x "
            f"{experiment.replications:,} replication(s)) need about "
            f"{resources.size_text(need)} of memory to plan; "
            f"{resources.size_text(max(room, 0))} is available"
        )


def _variant_configs(experiment: Experiment, fixed: dict[str, Any], source: str) -> dict:
    variants = experiment.variants or {DEFAULT_VARIANT: {}}
    configs: dict[str, Scenario] = {}
    for name, table in variants.items():
        overrides = _flatten(table)
        own_base = VARIANT_BASE_KEY in overrides
        base = overrides.pop(VARIANT_BASE_KEY, experiment.base)
        where = f"{source}: variants.{name}"
        if not isinstance(base, str):
            raise ExperimentError(f"{where}.base: must be a scenario name or file (a string)")
        _check_names(overrides, where)
        # Load in three stages so an error names its real cause: the base scenario, the
        # [fixed] overrides, or the variant's own overrides.
        stages = [
            (f"{where}.base" if own_base else f"{source}: base", {}),
            (f"{source}: fixed", fixed),
            (where, {**fixed, **overrides}),
        ]
        for place, values in stages:
            try:
                configs[name] = load_scenario(base, overrides=values)
            except ConfigError as exc:
                raise ExperimentError(f"{place}: {_core_message(exc)}") from None
    return configs


def _check_horizon(experiment: Experiment, configs: dict[str, Scenario], source: str) -> None:
    """A contest must run long enough after the withdrawal to show what lasts."""
    contest = experiment.contest
    if contest is None or "withdrawn" not in contest.arms:
        return
    for name, cfg in configs.items():
        if cfg.steps < 3 * contest.withdraw_at:
            raise ExperimentError(
                f"{source}: contest.withdraw_at: {contest.withdraw_at} needs a horizon of at "
                f"least 3 x {contest.withdraw_at} = {3 * contest.withdraw_at} steps, "
                f"but variant {name!r} runs {cfg.steps}"
            )


def _design(experiment: Experiment, configs: dict[str, Scenario], source: str) -> Design:
    sweep = experiment.sweep
    if sweep is None:
        return empty_design()
    where = f"{source}: sweep.parameters"
    _check_names(sweep.parameters, where)
    for name, spec in sweep.parameters.items():
        info = PARAMETERS[name]
        if isinstance(spec, Range) and info.kind not in _NUMERIC:
            raise ExperimentError(
                f"{where}: {name!r} is a {info.kind} parameter; give a list of levels, not a range"
            )
        values = [spec.low, spec.high] if isinstance(spec, Range) else spec
        if isinstance(spec, Range) and info.kind == "int":
            values = [round(v) for v in values]
        for cfg in configs.values():
            for value in values:
                try:
                    cfg.with_overrides({name: value})
                except ConfigError as exc:
                    message = _core_message(exc)
                    raise ExperimentError(f"{where}: {name!r} = {value!r}: {message}") from None
    kinds = {name: PARAMETERS[name].kind for name in sweep.parameters}
    try:
        return build_design(sweep, design_seed(experiment.seed), kinds)
    except ExperimentError as exc:
        raise ExperimentError(f"{source}: {exc}") from None


def _check_names(overrides: dict[str, Any], where: str) -> None:
    for name in overrides:
        if name == "seed":
            raise ExperimentError(
                f"{where}: 'seed' is set per run from the experiment's master seed; "
                "set the top-level 'seed' instead"
            )
        if name not in PARAMETERS:
            raise ExperimentError(
                f"{where}: unknown parameter {name!r}{suggest(name, list(PARAMETERS))}"
            )


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Accept both ``"push.incentive" = 0.6`` and ``[x.push] incentive = 0.6`` forms."""
    flat: dict[str, Any] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        is_section = isinstance(value, dict) and name not in PARAMETERS and not prefix
        if is_section and name != VARIANT_BASE_KEY:
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def _core_message(exc: ConfigError) -> str:
    # The core labels override errors with its CLI's option name; here the location is
    # already given by the experiment file and key.
    return str(exc).removeprefix("overrides: ").removeprefix("override: ")
