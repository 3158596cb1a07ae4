"""A section of the study report, and the helpers every analysis shares."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis import stats
from sim.analysis.labels import metric_label
from sim.analysis.summary_md import (
    cell,
    markdown,  # noqa: F401 (re-exported for the sections)
)

#: Size of the report's figures (inches) and resolution: small PNGs, fit to commit.
DPI = 90


@dataclass
class Context:
    """What an analysis gets: the results, the question and where to put figures."""

    question: object  # sim.study.spec.Question
    results_dir: Path
    manifest: dict
    runs: pd.DataFrame  # ok runs, with the derived metrics
    fig_dir: Path

    @property
    def experiment(self) -> dict:
        """The experiment as recorded in the manifest."""
        return self.manifest.get("experiment") or {}

    def figure(self, name: str) -> Path:
        """Path of a report figure of this question."""
        return self.fig_dir / f"{self.question.id}_{name}.png"


@dataclass
class Section:
    """One question's part of REPORT.md."""

    answer: list[str]
    headline: str = ""  # the answer in one or two sentences, for the top of the report
    table: str = ""
    figures: list[Path] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)


def ci_of(values: np.ndarray | pd.Series) -> tuple[float, float, float, int]:
    """Mean, 95% CI and n of the finite values."""
    return stats.mean_ci(np.asarray(values, dtype="float64"))


def pct_ci(values: np.ndarray | pd.Series, total: int | None = None) -> str:
    """A share as ``54.1% [52.0, 56.2] (n runs)``."""
    mean, low, high, n = ci_of(values)
    if not np.isfinite(mean):
        return "n/a (0 runs)"
    ci = f" [{100 * low:.1f}, {100 * high:.1f}]" if np.isfinite(low) else ""
    of = f"{n} of {total}" if total is not None and total != n else f"{n}"
    return f"{100 * mean:.1f}%{ci} ({of} runs)"


def points_ci(diff: np.ndarray | pd.Series) -> tuple[str, str]:
    """A paired difference of shares in percentage points, and a verdict word."""
    mean, low, high, n = ci_of(diff)
    if not np.isfinite(mean):
        return "n/a", "unknown"
    if not np.isfinite(low):
        return f"{100 * mean:+.1f} points ({n} pair)", "unclear"
    verdict = (
        "clearly higher" if low > 0 else "clearly lower" if high < 0 else "not reliably different"
    )
    return f"{100 * mean:+.1f} points [{100 * low:+.1f}, {100 * high:+.1f}] ({n} pairs)", verdict


def paired(runs: pd.DataFrame, a: str, b: str, metric: str) -> pd.Series:
    """Paired differences ``a - b`` of ``metric`` on common seeds."""
    return stats.paired_differences(runs, a, b, metric)["diff"]


def values(runs: pd.DataFrame, variant: str, metric: str) -> pd.Series:
    """The metric's values over a variant's runs."""
    return runs.loc[runs["variant"] == variant, metric]


def summary_cell(runs: pd.DataFrame, variant: str, metric: str) -> str:
    """``mean [low, high] (k of n runs)`` of one metric of one variant."""
    vals = values(runs, variant, metric)
    mean, low, high, n = ci_of(vals)
    return cell(mean, low, high, n, len(vals))


def pair_sentences(runs: pd.DataFrame, pairs: list[tuple[str, str]], metric: str) -> list[str]:
    """One sentence per requested paired difference."""
    lines = []
    for a, b in pairs:
        if not (runs["variant"] == a).any() or not (runs["variant"] == b).any():
            continue
        text, verdict = points_ci(paired(runs, a, b, metric))
        lines.append(
            f"- **{a}** against **{b}**: {metric_label(metric).lower()} {text}; {verdict}."
        )
    return lines
