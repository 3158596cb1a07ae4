"""``pushpull study``: run every experiment of the study resumably, then write REPORT.md.

Each question's experiment runs through the sweep engine into ``<out>/<id>/`` (rerunning the
same command resumes where it stopped), is analysed like any sweep (``summary.md``,
``figures/``), and then by the question's own analysis into a section of ``REPORT.md``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim import store
from sim.analysis.report import analyze_results
from sim.experiment.plan import make_plan
from sim.experiment.runner import run_plan
from sim.study.spec import DEFAULT_INDEX, Question, load_study, question_experiment

FULL_OUT = Path("results") / "study"
QUICK_OUT = Path("results") / "study-quick"


@dataclass
class QuestionResult:
    """What the study learnt about one question."""

    question: Question
    results_dir: Path
    source: str
    runs: int
    failed: int
    section: Any = None  # sim.study.section.Section


@dataclass
class StudyResult:
    """The whole study: one result per question, the report written, the time taken."""

    out_dir: Path
    quick: bool
    questions: list[QuestionResult] = field(default_factory=list)
    report: Path | None = None
    seconds: float = 0.0

    @property
    def failed(self) -> int:
        """Runs that failed, over all experiments."""
        return sum(q.failed for q in self.questions)


def default_out(quick: bool) -> Path:
    """Where a study writes unless told otherwise (quick results never mix with full ones)."""
    return QUICK_OUT if quick else FULL_OUT


def run_study(
    index: Path | str = DEFAULT_INDEX,
    out: Path | str | None = None,
    *,
    quick: bool = False,
    workers: int | None = None,
    scheduler: str | None = None,
    fresh: bool = False,
    only: list[str] | None = None,
    shrink: dict[str, Any] | None = None,
    progress: Callable[[str, str], None] | None = None,
) -> StudyResult:
    """Run (or resume) every experiment of the study and write ``REPORT.md``.

    Args:
        index: The study index file.
        out: Results root (default ``results/study``, or ``results/study-quick``).
        quick: Fewer replications and samples, as each question's ``quick`` table says.
        workers / scheduler: Local worker processes, or a Dask scheduler address.
        fresh: Discard earlier results instead of resuming.
        only: Question ids to run (default: all).
        shrink: A partial experiment table merged into every experiment (tests use it).
        progress: Called with (question id, message) as the study goes.

    Raises:
        ExperimentError / ConfigError: bad index or experiment (nothing has run yet).
    """
    from sim.study.report import write_report

    started = time.perf_counter()
    index = Path(index)
    study = load_study(index)
    out_dir = Path(out) if out else default_out(quick)
    questions = [q for q in study.question if not only or q.id in only]
    plans = []
    for q in questions:  # every experiment is checked before anything runs
        experiment, source, text = question_experiment(q, index, quick, shrink)
        plans.append((q, make_plan(experiment, source, text)))
    result = StudyResult(out_dir, quick)
    for q, plan in plans:
        say = progress or (lambda *_: None)
        say(q.id, f"{len(plan.tasks)} runs of {plan.source}")
        results_dir = out_dir / q.id
        report = run_plan(plan, results_dir, workers=workers, scheduler=scheduler, fresh=fresh)
        analyze_results(results_dir)
        runs = pd.read_parquet(results_dir / store.RUNS_FILE)
        failed = int((runs["status"] != "ok").sum()) + report.lost
        result.questions.append(QuestionResult(q, results_dir, plan.source, len(runs), failed))
    result.seconds = time.perf_counter() - started
    result.report = write_report(study, result)
    result.seconds = time.perf_counter() - started
    return result
