"""A fair contest of levers: the ``[contest]`` table of an experiment file.

A contest crosses every lever with the reach of the authority and the lever's strengths, and
runs each combination twice: with the lever kept to the end of the run, and with the lever
withdrawn at the same step for every lever (a symmetric withdrawal). It expands into plain
variants named ``lever.reach.strength.arm`` (e.g. ``push.all.mid.withdrawn``), so the sweep
engine, resume and analysis treat them like any other variant; :func:`factors` gives the
lever, reach, strength and arm of each variant back to the analysis.

Adding a lever is one ``[contest.levers.NAME]`` block::

    [contest.levers.push]
    base = "baseline"                              # scenario the lever is built on
    set = { "push.kind" = "reward" }               # overrides at every strength
    reach_keys = ["push.reach"]                    # parameters that take the reach value
    withdraw = { "push.incentive" = 0.0 }          # what removing the lever means
    strengths.low = { "push.incentive" = 0.15 }    # named strengths (matched on spend)
    strengths.high = { "push.incentive" = 0.6 }

A lever without ``reach_keys`` needs no authority and runs once, at reach ``any``; a lever
without ``withdraw`` (the no-lever control) runs only in the ``kept`` arm.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

ARMS = ("kept", "withdrawn")
#: Reach label of a lever that needs no authority.
ANY_REACH = "any"
#: Strength label of a lever that declares no strengths.
DEFAULT_STRENGTH = "default"
LABEL_PATTERN = r"^[A-Za-z0-9_-]+$"


class Lever(BaseModel):
    """One lever of the contest."""

    model_config = ConfigDict(extra="forbid")

    base: str | None = Field(None, description="Scenario the lever is built on.")
    set: dict[str, Any] = Field(default_factory=dict, description="Overrides at every strength.")
    reach_keys: list[str] = Field(default_factory=list)
    strengths: dict[str, dict[str, Any]] = Field(default_factory=dict)
    withdraw: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _labels(self) -> Lever:
        for name in self.strengths:
            _check_label(name, "strength")
        return self


class Contest(BaseModel):
    """The ``[contest]`` table: levers x reach x strength x arm."""

    model_config = ConfigDict(extra="forbid")

    reach: dict[str, str | list[str]] = Field(
        default_factory=lambda: {"all": "all"},
        description="Reach name -> value of the reach keys (all, convener or sectors).",
    )
    withdraw_at: int = Field(..., ge=2, description="Step from which every lever is removed.")
    arms: list[Literal["kept", "withdrawn"]] = Field(default_factory=lambda: list(ARMS))
    levers: dict[str, Lever]

    @model_validator(mode="after")
    def _check(self) -> Contest:
        if not self.levers:
            raise ValueError("declare at least one lever in [contest.levers]")
        for name in [*self.levers, *self.reach]:
            _check_label(name, "lever or reach")
        if not self.arms:
            raise ValueError("arms: give kept, withdrawn or both")
        return self


def _check_label(name: str, what: str) -> None:
    import re

    if not re.match(LABEL_PATTERN, name):
        raise ValueError(f"{what} name {name!r}: use letters, digits, _ and - only")


def factors(contest: Contest) -> list[dict[str, str]]:
    """One row per contest variant: variant, lever, reach, strength, arm (in run order)."""
    rows = []
    for lever_name, lever in contest.levers.items():
        reaches = list(contest.reach) if lever.reach_keys else [ANY_REACH]
        strengths = list(lever.strengths) or [DEFAULT_STRENGTH]
        arms = [a for a in contest.arms if a == "kept" or lever.withdraw]
        for reach in reaches:
            for strength in strengths:
                for arm in arms:
                    rows.append(
                        {
                            "variant": f"{lever_name}.{reach}.{strength}.{arm}",
                            "lever": lever_name,
                            "reach": reach,
                            "strength": strength,
                            "arm": arm,
                        }
                    )
    return rows


def expand(contest: Contest) -> dict[str, dict[str, Any]]:
    """The variants of the contest: ``{name: overrides}`` (``base`` and ``schedule`` included)."""
    variants: dict[str, dict[str, Any]] = {}
    for row in factors(contest):
        lever = contest.levers[row["lever"]]
        overrides: dict[str, Any] = {} if lever.base is None else {"base": lever.base}
        overrides.update(lever.set)
        if row["reach"] != ANY_REACH:
            value = contest.reach[row["reach"]]
            overrides.update({key: value for key in lever.reach_keys})
        overrides.update(lever.strengths.get(row["strength"], {}))
        if row["arm"] == "withdrawn":
            overrides["schedule"] = [{"step": contest.withdraw_at, "set": dict(lever.withdraw)}]
        variants[row["variant"]] = overrides
    return variants
