"""Typed, frozen scenario configuration: every parameter, its default, range and meaning.

A scenario is a nested TOML document whose keys are the dotted parameter names of the user
vocabulary (``push.incentive``, ``vision.mode`` ...). This module is the single place where
defaults and allowed values live; :data:`PARAMETERS` exposes them to the CLI (``pushpull
params``), the experiment engine and the docs. Loading, overrides and error messages live in
:mod:`sim.loading`; the names are re-exported here for convenience.
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sim.params import ParamInfo, build_parameters

DEFAULT_SECTORS = {
    "business": 0.2,
    "nonprofit": 0.2,
    "government": 0.2,
    "academia": 0.2,
    "community": 0.2,
}
#: A name is also a folder name: letters, digits, ``_ . -``, at most 100 characters.
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"
SECTIONS_CHANGEABLE_MID_RUN = (
    "dialogue",
    "vision",
    "pull",
    "push",
    "motivation",
    "decision",
    "accountability",
    "leaders",
)
SOCIAL_TYPES = ("conditional", "free_rider", "hump_shaped", "other")
# Fischbacher, Gachter & Fehr (2001): 50% conditional cooperators, 30% free riders, 14%
# "triangle" (hump-shaped) contributors, 6% other patterns.
DEFAULT_SOCIAL_TYPES = {"conditional": 0.5, "free_rider": 0.3, "hump_shaped": 0.14, "other": 0.06}


def changeable_mid_run(name: str) -> bool:
    """Whether a dotted parameter may change during a run (schedule, explorer)."""
    return name.split(".")[0] in SECTIONS_CHANGEABLE_MID_RUN


def _unit(default: float, doc: str) -> Any:
    return Field(default, ge=0.0, le=1.0, description=doc)


def _shares(value: dict[str, float], allowed: tuple[str, ...] | None = None) -> dict[str, float]:
    """Validate a table of positive shares and normalise it to sum to one."""
    if not value:
        raise ValueError("at least one entry is needed")
    for name, share in value.items():
        if allowed is not None and name not in allowed:
            raise ValueError(f"unknown type {name!r}; allowed: {', '.join(allowed)}")
        if not math.isfinite(share) or share < 0 or share > 1e6:
            raise ValueError(f"share of {name!r} must be a finite number from 0 to 1e6")
    total = sum(value.values())
    if total <= 0:
        raise ValueError("the shares must not all be 0")
    return {name: share / total for name, share in value.items()}


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class SectorTraits(_Section):
    """How one sector's actors differ from the population's means (unset = no difference)."""

    motivation: float = Field(0.0, ge=-1.0, le=1.0, description="Added to motivation.initial.")
    incentive_sensitivity: float = Field(
        1.0, ge=0.0, le=5.0, description="Multiplies population.incentive_sensitivity."
    )
    effort_cost: float = Field(0.0, ge=-2.0, le=2.0, description="Added to decision.effort_cost.")
    voice: float = Field(1.0, gt=0.0, le=100.0, description="Multiplies the voice weight.")
    social_types: dict[str, float] | None = Field(
        None, description="Mix of social-preference types (default: population.social_types)."
    )

    @field_validator("social_types")
    @classmethod
    def _valid_types(cls, value: dict[str, float] | None) -> dict[str, float] | None:
        return None if value is None else _shares(value, SOCIAL_TYPES)


# Documented sector differences for the five standard sector names ("literature" profiles);
# sources and reasoning in docs/ODD.md, "Sector differences".
LITERATURE_SECTOR_TRAITS = {
    "business": {"motivation": -0.05, "incentive_sensitivity": 1.25, "voice": 1.5},
    "government": {"motivation": 0.05, "incentive_sensitivity": 0.9, "voice": 1.5},
    "nonprofit": {"motivation": 0.1, "incentive_sensitivity": 0.75},
    "academia": {"motivation": 0.05, "incentive_sensitivity": 0.9},
    "community": {
        "motivation": 0.05,
        "incentive_sensitivity": 0.75,
        "effort_cost": 0.1,
        "voice": 0.5,
    },
}


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
    social_types: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_SOCIAL_TYPES),
        description="Shares of the types conditional, free_rider, hump_shaped and other.",
    )
    sector_profiles: Literal["literature", "identical"] = Field(
        "literature",
        description="Standard sector names get documented trait differences, or none.",
    )
    sector_traits: dict[str, SectorTraits] = Field(
        default_factory=dict, description="Per-sector trait differences (override the profiles)."
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
        if any(not share > 0 for share in value.values()):
            raise ValueError("every sector share must be > 0")
        return _shares(value)

    @field_validator("social_types")
    @classmethod
    def _valid_types(cls, value: dict[str, float]) -> dict[str, float]:
        return _shares(value, SOCIAL_TYPES)

    def traits(self, sector: str) -> SectorTraits:
        """The trait differences of one sector (profile, then the scenario's own table)."""
        if sector in self.sector_traits:
            return self.sector_traits[sector]
        if self.sector_profiles == "literature" and sector in LITERATURE_SECTOR_TRAITS:
            return SectorTraits(**LITERATURE_SECTOR_TRAITS[sector])
        return SectorTraits()


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
    rate: float = _unit(0.0, "Share of actors who start a dialogue with a neighbour each step.")
    confidence: float = _unit(0.15, "Largest perceived distance at which a pair still converges.")
    convergence: float = Field(
        0.3, ge=0.0, le=0.5, description="Fraction of the gap each partner moves (mu)."
    )
    common_ground_focus: float = _unit(
        0.5, "0 = judge by the largest difference, 0.5 = the mean, 1 = the smallest."
    )
    cost: float = Field(0.05, ge=0.0, le=10.0, description="Cost of one dialogue (time, money).")


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
    ownership_rate: float = _unit(
        0.3, "Ownership gained at a revision by a heard, influential actor."
    )
    ownership_decay: float = _unit(0.01, "Ownership lost per step.")
    voice_ownership: float = _unit(
        0.5, "Share of the ownership gain that being heard brings without influence."
    )
    reactance: float = _unit(0.5, "Push-back against a distant vision one does not own.")
    cost: float = Field(
        0.2, ge=0.0, le=10.0, description="Cost of hearing one voice at a revision."
    )


class Pull(_Section):
    social_influence: float = _unit(0.15, "Weight of the share of neighbours acting.")
    social_threshold: float = Field(
        0.25,
        ge=0.0,
        lt=1.0,
        description="Share of neighbours acting below which peers exert no pull.",
    )
    progress_feedback: float = _unit(0.1, "Weight of visible collective progress.")
    ownership_weight: float = _unit(0.5, "How much of the vision's pull needs ownership.")


class Push(_Section):
    incentive: float = Field(0.0, ge=0.0, le=2.0, description="Size of reward and/or sanction.")
    kind: Literal["reward", "sanction", "both", "recognition"] = Field(
        "reward",
        description="Pay for acting, fine for not acting, both, or recognition (no money).",
    )
    contingency: Literal["engagement", "performance"] = Field(
        "engagement", description="Reward for acting at all, or in proportion to its quality."
    )
    reach: Literal["all", "convener"] | list[str] = Field(
        "all", description="Who is under an enforcing authority: all, convener, or sectors."
    )
    convener: str = Field("", description="Convening sector (empty = the first sector).")
    monitoring: float = _unit(0.8, "Probability an actor under authority is monitored a step.")
    legitimacy: float = _unit(0.8, "Perceived legitimacy of the authority (less controlling).")
    crowding_out: float = _unit(0.5, "How strongly controlling incentives undermine interest.")
    crowding_recovery: float = _unit(
        0.005, "Rate at which undermined interest recovers once incentives stop."
    )
    loss_aversion: float = Field(
        2.0, ge=1.0, le=5.0, description="How much more a fine weighs than an equal reward."
    )
    sanction_cost: float = Field(
        0.33, ge=0.0, le=10.0, description="Enforcer's cost per unit of fine imposed."
    )
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
    effort_cost: float = Field(1.45, ge=0.0, le=2.0, description="Mean cost of acting.")
    noise: float = Field(0.15, gt=0.0, le=2.0, description="Temperature of the logistic choice.")
    habit_weight: float = Field(0.05, ge=0.0, le=2.0, description="Weight of habit in the choice.")
    public_return: float = Field(
        0.4, ge=0.0, lt=1.0, description="Share of one's own effort returned to oneself (MPCR)."
    )
    reciprocity: float = Field(
        1.2, ge=0.0, le=2.0, description="Weight of others' expected cooperation (reciprocators)."
    )
    belief_rate: float = _unit(0.1, "Rate at which beliefs follow neighbours' observed acting.")
    initial_belief: float = _unit(0.5, "Starting belief about the share of others who act.")


class Accountability(_Section):
    measurement: float = _unit(0.0, "How visible each actor's contribution is to partners.")
    peer_sanction: float = Field(
        0.0, ge=0.0, le=2.0, description="Size of a peer sanction when every neighbour sanctions."
    )
    sanction_cost: float = Field(
        0.33, ge=0.0, le=10.0, description="Sanctioner's cost per unit of sanction imposed."
    )
    rules: Literal["none", "imposed", "co_created"] = Field(
        "none", description="Who wrote the rules: nobody (informal), an authority, the partners."
    )
    measurement_cost: float = Field(
        0.01, ge=0.0, le=1.0, description="Cost of making one actor's contribution visible a step."
    )
    rules_cost: float = Field(
        0.2, ge=0.0, le=10.0, description="Cost per partner of one rule-making meeting."
    )
    review_every: int = Field(50, ge=1, le=100_000, description="Steps between rule reviews.")


class Leaders(_Section):
    incentive: float = Field(
        0.0, ge=0.0, le=2.0, description="Size of the push a pulled-in leader applies inside."
    )
    kind: Literal["reward", "sanction", "both", "recognition"] = Field(
        "reward", description="What the leaders use inside their organisations."
    )
    monitoring: float = _unit(0.8, "Probability a leader monitors a member in a step.")
    legitimacy: float = _unit(0.9, "Legitimacy of a leader inside her own organisation.")
    alignment: float = _unit(0.5, "Alignment with the shared vision a leader needs to push.")


class Metrics(_Section):
    cluster_distance: float = Field(
        0.05, ge=1e-3, le=1.0, description="Visions closer than this (RMS) share a cluster."
    )
    cluster_sample: int = Field(
        1000, ge=10, le=100_000, description="Actors sampled for vision clusters and dispersion."
    )
    cluster_every: int = Field(
        1,
        ge=1,
        le=100_000,
        description="Count vision clusters every this many steps and at the last step "
        "(NaN in between); 1 counts them every step.",
    )


class Phase(_Section):
    step: int = Field(..., ge=1, description="First step computed with the new values.")
    set: dict[str, Any] = Field(..., description="Dotted parameter names and their new values.")


class Scenario(_Section):
    """A complete, validated scenario. Build it with :func:`sim.loading.load_scenario`."""

    name: str = Field("custom", pattern=NAME_PATTERN, description="Scenario name.")
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
    accountability: Accountability = Field(default_factory=Accountability)
    leaders: Leaders = Field(default_factory=Leaders)
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
        for sector in self.population.sector_traits:
            if sector not in sectors:
                raise _keyed("population.sector_traits", _unknown_sector(sector, sectors))
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
    "accountability": Accountability,
    "leaders": Leaders,
    "metrics": Metrics,
}


PARAMETERS: dict[str, ParamInfo] = build_parameters(Scenario, SECTION_MODELS)

_REEXPORTED = ("ConfigError", "bundled_scenarios", "load_scenario")


def __getattr__(name: str) -> Any:
    # Loading lives in sim.loading (which imports this module); re-export lazily so that either
    # module can be imported first.
    if name in _REEXPORTED:
        from sim import loading

        return getattr(loading, name)
    raise AttributeError(f"module 'sim.config' has no attribute {name!r}")


__all__ = ["PARAMETERS", "ParamInfo", "Scenario", *_REEXPORTED]  # noqa: F822 (lazy)
