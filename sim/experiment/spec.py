"""Experiment files: parse and structurally validate the TOML that declares an experiment.

This module checks shape only (keys, types, ranges). Checking parameter names and values
against the model happens in :mod:`sim.experiment.plan`, which needs the core config.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from sim.config import NAME_PATTERN, SECTION_MODELS
from sim.experiment.contest import Contest, expand
from sim.experiment.errors import ExperimentError, suggest
from sim.loading import ConfigError, parse_toml, read_text, safe_name

NAME_RULE = "must be 1-100 letters, digits, '_', '.' or '-', starting with a letter or digit"
DESIGNS = ("grid", "lhs", "random", "sobol", "morris")
#: Levels given to a ``{low, high}`` range in a grid design when it names none.
DEFAULT_GRID_LEVELS = 5


class _Strict(BaseModel):
    # strict: "5" is not 5, as in scenarios; inf and NaN are no bound or seed.
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class Range(_Strict):
    """A continuous parameter range; ``levels`` is used only by the grid design."""

    low: float
    high: float
    levels: int | None = Field(None, ge=2)

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.low > self.high:
            raise ValueError(f"range with low > high ({self.low:g} > {self.high:g})")
        return self


class Sweep(_Strict):
    """The ``[sweep]`` table: a sampling design over parameters."""

    design: Literal["grid", "lhs", "random", "sobol", "morris"] = "grid"
    samples: int | None = Field(None, ge=1)
    second_order: bool = Field(False, description="Sobol: also sample second-order indices.")
    morris_levels: int = Field(4, ge=2, description="Morris: grid levels of the trajectories.")
    parameters: dict[str, list[Any] | Range] = Field(default_factory=dict)

    @field_validator("parameters", mode="before")
    @classmethod
    def _levels_or_range(cls, value: Any) -> dict[str, list[Any] | Range]:
        # Validated by hand: pydantic's union errors would name the wrong alternative.
        if not isinstance(value, dict):
            raise ValueError("must be a table of parameter = [levels] or { low, high }")
        return {name: _parameter_spec(name, spec) for name, spec in value.items()}

    @model_validator(mode="after")
    def _complete(self) -> Sweep:
        if not self.parameters:
            raise ValueError("empty design: declare at least one parameter in [sweep.parameters]")
        if self.design != "grid" and self.samples is None:
            raise ValueError(f"design {self.design!r} needs 'samples'")
        return self


def _parameter_spec(name: str, spec: Any) -> list[Any] | Range:
    if isinstance(spec, list):
        if not spec:
            raise ValueError(f"{name!r}: empty list of levels")
        return spec
    if not isinstance(spec, dict):
        raise ValueError(f"{name!r}: must be a list of levels or a range {{ low = .., high = .. }}")
    allowed = list(Range.model_fields)
    for key in spec:
        if key not in allowed:
            hint = suggest(key, allowed)
            raise ValueError(
                f"{name!r}: unknown key {key!r}{hint} in range; allowed: low, high, levels"
            )
    try:
        return Range.model_validate(spec)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        message = err["msg"].removeprefix("Value error, ")
        raise ValueError(f"{name!r}: {where + ': ' if where else ''}{message}") from None


class Output(_Strict):
    """The ``[output]`` table: which time-series columns to keep and how often."""

    timeseries: list[str] | Literal["all", "none"] = "all"
    every: int = Field(1, ge=1, le=1_000_000)  # steps between kept rows (steps <= 1e6)

    @field_validator("timeseries", mode="before")
    @classmethod
    def _columns(cls, value: Any) -> Any:
        ok_list = isinstance(value, list) and all(isinstance(v, str) for v in value)
        if value in ("all", "none") or ok_list:
            return value
        raise ValueError('must be "all", "none" or a list of column names')


class Experiment(_Strict):
    """A whole experiment file."""

    name: str = Field(..., pattern=NAME_PATTERN)
    base: str
    description: str = ""
    question: str = Field("", description="The question the experiment answers, in words.")
    control: str | None = Field(
        None, description="The variant every other variant is compared with (e.g. no lever)."
    )
    seed: int = Field(0, ge=0)
    replications: int = Field(1, ge=1)
    fixed: dict[str, Any] = Field(default_factory=dict)
    variants: dict[str, dict[str, Any]] = Field(default_factory=dict)
    sweep: Sweep | None = None
    contest: Contest | None = None
    output: Output = Field(default_factory=Output)

    @field_validator("variants")
    @classmethod
    def _variant_names(cls, value: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        for name in value:
            if not re.fullmatch(NAME_PATTERN, name):
                raise ValueError(f"{name[:40]!r}: a variant name {NAME_RULE}")
        return value

    @model_validator(mode="after")
    def _expand_contest(self) -> Experiment:
        # A contest is a compact way to write many variants: expand it once, here, so that
        # planning, resume and analysis only ever see plain variants.
        if self.contest is not None:
            for name, overrides in expand(self.contest).items():
                if name in self.variants and self.variants[name] != overrides:
                    raise ValueError(f"variant {name!r} is declared twice (variants and contest)")
                self.variants[name] = overrides
        if self.control is not None and self.control not in (self.variants or {"default": {}}):
            known = ", ".join(list(self.variants)[:8]) or "default"
            raise ValueError(
                f"control: no variant {self.control!r}{suggest(self.control, list(self.variants))}"
                f"; variants: {known}"
            )
        return self

    def canonical_json(self) -> str:
        """A stable serialisation, used to detect a changed experiment on resume."""
        return json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))


def parse_experiment(data: dict[str, Any], source: str) -> Experiment:
    """Validate a parsed experiment table.

    Args:
        data: The TOML document as a dict.
        source: Where it came from, used as the prefix of error messages.

    Raises:
        ExperimentError: one line, e.g. ``x.toml: sweep.design: must be one of ...``.
    """
    try:
        return Experiment.model_validate(data)
    except ValidationError as exc:
        raise ExperimentError(f"{source}: {_describe(exc)}") from None


def load_experiment(path: str | Path) -> tuple[Experiment, str]:
    """Read and validate an experiment file; returns the experiment and the file's text.

    A missing ``name`` defaults to the file's stem.

    Raises:
        ExperimentError: unreadable file, invalid TOML or invalid content.
    """
    path = Path(path)
    try:
        text = read_text(path)
        data = parse_toml(text, str(path))
    except ConfigError as exc:
        raise ExperimentError(str(exc)) from None
    _check_not_scenario(data, str(path))
    data.setdefault("name", safe_name(path.stem))
    return parse_experiment(data, str(path)), text


#: Top-level keys of a scenario file that an experiment file never has.
SCENARIO_KEYS = ("steps", *SECTION_MODELS, "schedule")


def _check_not_scenario(data: dict[str, Any], source: str) -> None:
    """A scenario file given to ``sweep`` is named as such, with the command it belongs to."""
    found = [key for key in SCENARIO_KEYS if key in data]
    if found and "base" not in data:
        raise ExperimentError(
            f"{source}: this is a scenario file (it has {', '.join(found)}), not an experiment; "
            f"run it with: pushpull run {source} (or name it as the 'base' of an experiment)"
        )


def _describe(exc: ValidationError) -> str:
    """Turn the first pydantic error into ``location: message``."""
    err = exc.errors()[0]
    loc = [str(part) for part in err["loc"]]
    # Union members add their type names to the location; they mean nothing to a user.
    loc = [part for part in loc if part not in ("list[str]", "Sweep", "Output", "Contest")]
    loc = [part for part in loc if not part.startswith(("literal[", "function-"))]
    kind = err["type"]
    if kind == "extra_forbidden":
        key = loc[-1]
        parent = loc[:-1]
        allowed = _allowed_keys(parent)
        where = ".".join(parent) + ": " if parent else ""
        return f"{where}unknown key {key!r}{suggest(key, allowed)}; allowed: {', '.join(allowed)}"
    if kind == "missing":
        return f"{'.'.join(loc)}: required key is missing"
    if kind in ("dict_type", "model_type"):
        return f"{'.'.join(loc)}: must be a table"
    message = err["msg"].removeprefix("Value error, ")
    if kind == "string_pattern_mismatch":
        message = f"must be {NAME_RULE.removeprefix('must be ')}"
    return f"{'.'.join(loc)}: {message}" if loc else message


def _allowed_keys(parent: list[str]) -> list[str]:
    """Keys of the table at ``parent`` (e.g. ["sweep"] -> the fields of Sweep)."""
    model: type[BaseModel] = Experiment
    for part in parent:
        if part not in model.model_fields:  # a key of a table of models, e.g. a lever's name
            continue
        annotation = model.model_fields[part].annotation
        candidates = [annotation, *getattr(annotation, "__args__", ())]
        model = next(c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel))
    return list(model.model_fields)
