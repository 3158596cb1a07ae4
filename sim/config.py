"""Typed, frozen scenario configuration: every parameter, its default, range and meaning.

A scenario is a nested TOML document whose keys are the dotted parameter names of the user
vocabulary (``push.incentive``, ``vision.mode`` ...). This module is the single place where
defaults and allowed values live; :data:`PARAMETERS` exposes them to the CLI (``pushpull
params``), the experiment engine and the docs. Loading, overrides and error messages live in
:mod:`sim.loading`; the names are re-exported here for convenience.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

DEFAULT_SECTORS = {
    "business": 0.2,
    "nonprofit": 0.2,
    "government": 0.2,
    "academia": 0.2,
    "community": 0.2,
}
SECTIONS_CHANGEABLE_MID_RUN = ("dialogue", "vision", "pull", "push", "motivation", "decision")


def changeable_mid_run(name: str) -> bool:
    """Whether a dotted parameter may change during a run (schedule, explorer)."""
    return name.split(".")[0] in SECTIONS_CHANGEABLE_MID_RUN


def _unit(default: float, doc: str) -> Any:
    return Field(default, ge=0.0, le=1.0, description=doc)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Population(_Section):
    size: int = Field(300, ge=2, le=10_000_000, description="Number of actors.")
    sectors: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_SECTORS),
        description="Sector names and population shares (a list of names means equal shares).",
    )
    orgs_per_sector: int = Field(3, ge=1, le=10_000, description="Organisations in each sector.")
    vision_dims: int = Field(5, ge=1, le=50, description="Dimensions K of a vision in [0,1]^K.")
    initial_visions: Literal["clustered", "uniform"] = Field(
        "clustered",
        description="Visions around sector/organisation centres, or uniform in [0,1]^K.",
    )
    sector_separation: float = _unit(0.6, "How far apart the sectors' vision centres lie.")
    vision_spread: float = Field(
        0.1,
        ge=0.0,
        le=0.5,
        description="Sd of organisation centres around sector centres and of visions around those.",
    )
    champions: float = _unit(0.0, "Share of actors with fixed high intrinsic motivation.")
    voice_inequality: float = Field(
        0.5, ge=0.0, le=3.0, description="Sigma of the lognormal voice weight (0 = equal voice)."
    )
    incentive_sensitivity: float = Field(
        1.0, ge=0.0, le=5.0, description="Mean sensitivity to external incentives."
    )

    @field_validator("sectors", mode="before")
    @classmethod
    def _sectors_from_list(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):
            if not value or not all(isinstance(v, str) for v in value):
                raise ValueError("give a non-empty list of sector names or a table of shares")
            return {name: 1.0 / len(value) for name in value}
        return value

    @field_validator("sectors")
    @classmethod
    def _positive_shares(cls, value: dict[str, float]) -> dict[str, float]:
        if not value:
            raise ValueError("at least one sector is needed")
        if any(share <= 0 for share in value.values()):
            raise ValueError("every sector share must be > 0")
        total = sum(value.values())
        return {name: share / total for name, share in value.items()}


class Network(_Section):
    kind: Literal["small_world", "random", "well_mixed"] = Field(
        "small_world", description="Clustered small-world, random with the same degree, or mixing."
    )
    mean_degree: int = Field(8, ge=2, le=200, description="Mean number of ties (even).")
    cross_sector_share: float = _unit(0.2, "Share of ties that cross sectors (0 = silos).")
    rewiring: float = _unit(0.05, "Small world: share of ties rewired at random within a sector.")

    @field_validator("mean_degree")
    @classmethod
    def _even(cls, value: int) -> int:
        if value % 2:
            raise ValueError("must be even")
        return value


class Dialogue(_Section):
    rate: float = _unit(0.2, "Share of actors who start a dialogue with a neighbour each step.")
    confidence: float = _unit(0.15, "Largest perceived distance at which a pair still converges.")
    convergence: float = Field(
        0.3, ge=0.0, le=0.5, description="Fraction of the gap each partner moves (mu)."
    )
    common_ground_focus: float = _unit(
        0.5, "0 = judge by the largest difference, 0.5 = the mean, 1 = the smallest."
    )


class Vision(_Section):
    mode: Literal["none", "imposed", "co_created"] = Field(
        "none", description="No shared vision, the convener's, or co-created by those heard."
    )
    inclusion: float = _unit(1.0, "Share of actors heard at each co-creation revision.")
    clarity: float = _unit(0.8, "How clear and concrete the shared vision is (scales its pull).")
    revision_every: int = Field(10, ge=1, le=100_000, description="Steps between revisions.")
    tolerance: float = Field(
        0.2, gt=0.0, le=1.0, description="Distance at which alignment falls to exp(-1/2)."
    )
    ownership_rate: float = _unit(0.3, "Ownership gained by being heard at a revision.")
    ownership_decay: float = _unit(0.01, "Ownership lost per step.")


class Pull(_Section):
    social_influence: float = _unit(0.15, "Weight of the share of neighbours acting.")
    social_threshold: float = Field(
        0.0,
        ge=0.0,
        lt=1.0,
        description="Share of neighbours acting below which peers exert no pull.",
    )
    progress_feedback: float = _unit(0.1, "Weight of visible collective progress.")
    ownership_weight: float = _unit(0.5, "How much of the vision's pull needs ownership.")


class Push(_Section):
    incentive: float = Field(0.0, ge=0.0, le=2.0, description="Size of reward and/or sanction.")
    kind: Literal["reward", "sanction", "both"] = Field(
        "reward", description="Reward acting, sanction not acting, or both."
    )
    reach: Literal["all", "convener"] | list[str] = Field(
        "all", description="Who is under an enforcing authority: all, convener, or sectors."
    )
    convener: str = Field("", description="Convening sector (empty = the first sector).")
    monitoring: float = _unit(0.8, "Probability an actor under authority is monitored a step.")
    legitimacy: float = _unit(0.8, "Perceived legitimacy of the authority (scales push).")
    crowding_out: float = _unit(0.3, "How strongly controlling incentives erode motivation.")
    budget: float | None = Field(
        None, ge=0.0, description="Total incentive budget (none = unlimited)."
    )
    monitoring_cost: float = Field(
        0.01, ge=0.0, le=1.0, description="Cost of monitoring one actor for one step."
    )


class Motivation(_Section):
    initial: float = _unit(0.3, "Mean starting intrinsic motivation.")
    spread: float = Field(0.1, ge=0.0, le=0.5, description="Sd of starting intrinsic motivation.")
    adaptation: float = _unit(0.05, "Rate at which intrinsic motivation moves toward its target.")
    habit_rate: float = _unit(0.02, "Rate at which habit follows one's own acting.")


class Decision(_Section):
    effort_cost: float = Field(0.6, ge=0.0, le=2.0, description="Mean cost of acting.")
    noise: float = Field(0.15, gt=0.0, le=2.0, description="Temperature of the logistic choice.")
    habit_weight: float = Field(0.2, ge=0.0, le=2.0, description="Weight of habit in the choice.")


class Metrics(_Section):
    cluster_distance: float = Field(
        0.05, gt=0.0, le=1.0, description="Visions closer than this (RMS) share a cluster."
    )
    cluster_sample: int = Field(
        1000, ge=10, le=100_000, description="Actors sampled for vision clusters and dispersion."
    )


class Phase(_Section):
    step: int = Field(..., ge=1, description="First step computed with the new values.")
    set: dict[str, Any] = Field(..., description="Dotted parameter names and their new values.")


class Scenario(_Section):
    """A complete, validated scenario. Build it with :func:`sim.loading.load_scenario`."""

    name: str = Field("custom", description="Scenario name.")
    steps: int = Field(300, ge=1, le=1_000_000, description="Number of steps to run.")
    seed: int = Field(0, ge=0, le=2**63 - 1, description="Seed of the run's random generator.")
    population: Population = Field(default_factory=Population)
    network: Network = Field(default_factory=Network)
    dialogue: Dialogue = Field(default_factory=Dialogue)
    vision: Vision = Field(default_factory=Vision)
    pull: Pull = Field(default_factory=Pull)
    push: Push = Field(default_factory=Push)
    motivation: Motivation = Field(default_factory=Motivation)
    decision: Decision = Field(default_factory=Decision)
    metrics: Metrics = Field(default_factory=Metrics)
    schedule: list[Phase] = Field(default_factory=list, description="Parameter changes by step.")

    @model_validator(mode="after")
    def _check_cross_references(self) -> Scenario:
        sectors = list(self.population.sectors)
        if self.push.convener and self.push.convener not in sectors:
            raise _keyed("push.convener", _unknown_sector(self.push.convener, sectors))
        if isinstance(self.push.reach, list):
            for sector in self.push.reach:
                if sector not in sectors:
                    raise _keyed("push.reach", _unknown_sector(sector, sectors))
        for phase in self.schedule:
            if phase.step > self.steps:
                raise _keyed("schedule", f"step {phase.step} is beyond steps ({self.steps})")
        return self

    @property
    def convener(self) -> str:
        """The convening sector (the first sector when none is named)."""
        return self.push.convener or next(iter(self.population.sectors))

    def flat(self) -> dict[str, Any]:
        """Every parameter as a ``{dotted name: value}`` mapping (schedule as a list)."""
        flat: dict[str, Any] = {}
        for key, value in self.model_dump(mode="python").items():
            if isinstance(value, dict) and key in SECTION_MODELS:
                flat.update({f"{key}.{sub}": v for sub, v in value.items()})
            else:
                flat[key] = value
        return flat

    def with_overrides(self, overrides: dict[str, Any]) -> Scenario:
        """A validated copy with dotted-name overrides applied (raises ConfigError)."""
        from sim.loading import apply_overrides

        return apply_overrides(self, overrides)


class KeyedError(ValueError):
    """A validation failure that knows which dotted key it concerns."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


def _keyed(key: str, message: str) -> KeyedError:
    return KeyedError(key, message)


def _unknown_sector(name: str, sectors: list[str]) -> str:
    return f"unknown sector {name!r}; allowed: {', '.join(sectors)}"


SECTION_MODELS: dict[str, type[_Section]] = {
    "population": Population,
    "network": Network,
    "dialogue": Dialogue,
    "vision": Vision,
    "pull": Pull,
    "push": Push,
    "motivation": Motivation,
    "decision": Decision,
    "metrics": Metrics,
}


@dataclass(frozen=True)
class ParamInfo:
    """What a parameter is: its type, default, allowed values and meaning."""

    name: str
    kind: str
    default: Any
    low: float | None
    high: float | None
    choices: tuple[str, ...] | None
    doc: str
    low_exclusive: bool = False
    high_exclusive: bool = False

    def allowed(self) -> str:
        """Human-readable description of the allowed values."""
        if self.choices:
            extra = " or a list of sectors" if self.name == "push.reach" else ""
            return "one of " + ", ".join(self.choices) + extra
        if self.low is not None or self.high is not None:
            low = "-inf" if self.low is None else f"{self.low:g}"
            high = "inf" if self.high is None else f"{self.high:g}"
            low += " (exclusive)" if self.low_exclusive else ""
            high += " (exclusive)" if self.high_exclusive else ""
            return f"{self.kind} from {low} to {high}"
        return self.kind


def _describe(name: str, field: Any) -> ParamInfo:
    bounds: dict[str, float] = {}
    for meta in field.metadata:
        for attr in ("ge", "gt", "le", "lt"):
            if getattr(meta, attr, None) is not None:
                bounds[attr] = getattr(meta, attr)
    annotation = field.annotation
    choices = _literal_choices(annotation)
    kind = "str" if choices else _kind_name(annotation)
    default = field.get_default(call_default_factory=True)
    return ParamInfo(
        name,
        kind,
        default,
        bounds.get("ge", bounds.get("gt")),
        bounds.get("le", bounds.get("lt")),
        choices,
        field.description or "",
        low_exclusive="gt" in bounds,
        high_exclusive="lt" in bounds,
    )


def _literal_choices(annotation: Any) -> tuple[str, ...] | None:
    if get_origin(annotation) is Literal:
        return tuple(get_args(annotation))
    for arg in get_args(annotation):
        if get_origin(arg) is Literal:
            return tuple(get_args(arg))
    return None


def _kind_name(annotation: Any) -> str:
    if get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    simple = {int: "int", float: "float", str: "str", bool: "bool"}
    if annotation in simple:
        return simple[annotation]
    if get_origin(annotation) is dict:
        return "table"
    if get_origin(annotation) is list:
        return "list"
    return "float" if float in get_args(annotation) else "value"


def _build_parameters() -> dict[str, ParamInfo]:
    params: dict[str, ParamInfo] = {}
    for name, field in Scenario.model_fields.items():
        if name in SECTION_MODELS:
            for sub, sub_field in SECTION_MODELS[name].model_fields.items():
                params[f"{name}.{sub}"] = _describe(f"{name}.{sub}", sub_field)
        else:
            params[name] = _describe(name, field)
    return params


PARAMETERS: dict[str, ParamInfo] = _build_parameters()

_REEXPORTED = ("ConfigError", "bundled_scenarios", "load_scenario")


def __getattr__(name: str) -> Any:
    # Loading lives in sim.loading (which imports this module); re-export lazily so that either
    # module can be imported first.
    if name in _REEXPORTED:
        from sim import loading

        return getattr(loading, name)
    raise AttributeError(f"module 'sim.config' has no attribute {name!r}")


__all__ = ["PARAMETERS", "ParamInfo", "Scenario", *_REEXPORTED]  # noqa: F822 (lazy)
