"""What a parameter is (type, default, range, meaning), read off the pydantic schema.

The values themselves live in :mod:`sim.config` alone; this module only describes them for the
CLI (``pushpull params``), the experiment engine and the docs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import BaseModel


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
        # A bound no one reaches (a seed's 2**63 - 1) reads better as no bound at all.
        high = None if self.high is not None and self.high >= 2**53 else self.high
        if self.low is not None and high is None:
            return f"{self.kind} {'>' if self.low_exclusive else '>='} {_number(self.low)}"
        if self.low is not None or high is not None:
            low = "-inf" if self.low is None else _number(self.low)
            top = "inf" if high is None else _number(high)
            low += " (exclusive)" if self.low_exclusive else ""
            top += " (exclusive)" if self.high_exclusive else ""
            return f"{self.kind} from {low} to {top}"
        return self.kind


def _number(value: float) -> str:
    """A bound as written: whole numbers in full (1000000, not 1e+06)."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


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


def build_parameters(
    scenario: type[BaseModel], sections: dict[str, type[BaseModel]]
) -> dict[str, ParamInfo]:
    """Describe every field of the scenario schema by its dotted name."""
    params: dict[str, ParamInfo] = {}
    for name, field in scenario.model_fields.items():
        if name in sections:
            for sub, sub_field in sections[name].model_fields.items():
                params[f"{name}.{sub}"] = _describe(f"{name}.{sub}", sub_field)
        else:
            params[name] = _describe(name, field)
    return params
