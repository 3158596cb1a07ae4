"""The study index (``experiments/study.toml``): which experiments answer which question.

Each ``[[question]]`` names an experiment file, the analysis that turns its results into a
section of the report, and what ``--quick`` changes (a partial experiment table merged into
the file's, e.g. fewer replications or samples). The question itself is stated in the
experiment file (its ``question`` key), so each file can be read, run and analysed alone.
"""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sim.experiment.errors import ExperimentError
from sim.experiment.spec import Experiment, _describe, parse_experiment

DEFAULT_INDEX = Path(__file__).resolve().parents[2] / "experiments" / "study.toml"
ANALYSES = ("contest", "flips", "grid", "variants")


class Question(BaseModel):
    """One question of the study and the experiment that answers it."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(..., pattern=r"^[a-z0-9_-]+$")
    experiment: str = Field(..., description="Experiment file, relative to the index file.")
    analysis: Literal["contest", "flips", "grid", "variants"]
    title: str = Field(..., description="Short heading of the report section.")
    metric: str = Field("sustained_participation", description="The headline metric.")
    metrics: list[str] = Field(default_factory=list, description="Further metrics shown.")
    pairs: list[tuple[str, str]] = Field(
        default_factory=list, description="Paired differences a - b to report (common seeds)."
    )
    timeseries: str | None = Field(None, description="A time-series column to draw, if any.")
    caveats: str = ""
    quick: dict[str, Any] = Field(default_factory=dict)


class Study(BaseModel):
    """The whole study index."""

    model_config = ConfigDict(extra="forbid")

    title: str
    caveats: str = ""
    question: list[Question]


def load_study(path: Path | str = DEFAULT_INDEX) -> Study:
    """Read and validate the study index (ExperimentError, one line, if it is bad)."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ExperimentError(f"{path}: cannot read: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ExperimentError(f"{path}: invalid TOML: {exc}") from None
    try:
        study = Study.model_validate(data)
    except ValidationError as exc:
        raise ExperimentError(f"{path}: {_describe(exc)}") from None
    ids = [q.id for q in study.question]
    if len(set(ids)) != len(ids):
        raise ExperimentError(f"{path}: question: ids must be unique, got {', '.join(ids)}")
    return study


def merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``extra`` merged in, tables recursively (neither is modified)."""
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def question_experiment(
    question: Question, index: Path, quick: bool, shrink: dict[str, Any] | None = None
) -> tuple[Experiment, str, str]:
    """The experiment of a question, with the quick changes (and ``shrink``) merged in.

    Returns:
        The experiment, its source label for messages, and the experiment file's text.
    """
    path = (Path(index).parent / question.experiment).resolve()
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except OSError as exc:
        raise ExperimentError(f"{path}: cannot read: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ExperimentError(f"{path}: invalid TOML: {exc}") from None
    data.setdefault("name", path.stem)
    source = str(path)
    if quick:
        data = merge(data, question.quick)
        source += " (quick)"
    if shrink:
        data = merge(data, shrink)
    return parse_experiment(data, source), source, text
