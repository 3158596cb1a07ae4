"""REPORT.md of the study: the answers first, then one section per question, then robustness."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from sim import store
from sim.analysis import figures
from sim.analysis.summary_md import CI_TEXT
from sim.study.contest_section import contest_section
from sim.study.derived import add_derived
from sim.study.flips import flips_section
from sim.study.section import DPI, Context, Section
from sim.study.variant_sections import grid_section, variants_section

ANALYSES = {
    "contest": contest_section,
    "variants": variants_section,
    "grid": grid_section,
    "flips": flips_section,
}
#: Analyses reported in the closing robustness section rather than as a question.
ROBUSTNESS = ("flips",)


def write_report(study, result) -> Path:
    """Analyse every question's results and write ``REPORT.md`` into the study's folder."""
    out_dir = Path(result.out_dir)
    fig_dir = out_dir / "figures"
    previous = figures.DPI
    figures.DPI = DPI  # small PNGs, fit to commit
    try:
        for item in result.questions:
            for stale in fig_dir.glob(f"{item.question.id}_*.png"):
                stale.unlink()  # a figure an earlier version drew must not linger
            item.section = _section(item, fig_dir)
    finally:
        figures.DPI = previous
    path = out_dir / "REPORT.md"
    path.write_text(_render(study, result, out_dir), encoding="utf-8")
    return path


def _section(item, fig_dir: Path) -> Section:
    manifest = store.read_manifest(item.results_dir) or {}
    runs = pd.read_parquet(item.results_dir / store.RUNS_FILE)
    runs = runs[runs["status"] == "ok"].reset_index(drop=True)
    contest = (manifest.get("experiment") or {}).get("contest") or {}
    runs = add_derived(item.results_dir, runs, manifest, contest.get("withdraw_at"))
    ctx = Context(item.question, item.results_dir, manifest, runs, fig_dir)
    if runs.empty:
        return Section(answer=["No run succeeded: no answer."])
    return ANALYSES[item.question.analysis](ctx)


def _render(study, result, out_dir: Path) -> str:
    main = [q for q in result.questions if q.question.analysis not in ROBUSTNESS]
    robust = [q for q in result.questions if q.question.analysis in ROBUSTNESS]
    total = sum(q.runs for q in result.questions)
    mode = "quick (reduced replications and samples: indicative only)" if result.quick else "full"
    lines = [
        f"# {study.title}",
        "",
        f"_Written by `pushpull study{' --quick' if result.quick else ''}` on "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {mode}; {total} runs in "
        f"{len(result.questions)} experiments, {result.failed} failed; {result.seconds:.0f} s._",
        "",
        "## The answers in short",
        "",
    ]
    for item in result.questions:
        first = item.section.headline or next(
            (a for a in item.section.answer if a and not a.endswith(":")), ""
        )
        lines.append(f"- **{item.question.title}.** {first.lstrip('- ')}")
    lines += ["", "## How to read this report", "", CI_TEXT, "", study.caveats, ""]
    for number, item in enumerate(main, start=1):
        lines += _question_lines(number, item, out_dir)
    if robust:
        lines += ["## Robustness: where the answer flips", ""]
        for item in robust:
            lines += _question_lines(None, item, out_dir)
    return "\n".join(lines).rstrip() + "\n"


def _question_lines(number: int | None, item, out_dir: Path) -> list[str]:
    q, section = item.question, item.section
    manifest = store.read_manifest(item.results_dir) or {}
    experiment = manifest.get("experiment") or {}
    heading = f"## {number}. {q.title}" if number else f"### {q.title}"
    rel = Path(item.results_dir).relative_to(out_dir).as_posix()
    lines = [heading, ""]
    if experiment.get("question"):
        lines += [f"**Question.** {experiment['question']}", ""]
    lines += [
        f"**Experiment.** `{_short(item.source)}`: {_design_text(manifest, item.runs)}. "
        f"Every variant's numbers: [`{rel}/summary.md`]({rel}/summary.md).",
        "",
    ]
    lines += [f"![{p.stem}]({p.relative_to(out_dir).as_posix()})" for p in section.figures]
    lines += ["", "**Answer.**", "", *section.answer, ""]
    if section.table:
        lines += ["**Numbers** (mean [95% CI] (runs)).", "", section.table, ""]
    lines += section.extra
    if q.caveats:
        lines += [f"**Caveats.** {q.caveats}", ""]
    return lines


def _short(source: str) -> str:
    marker = "experiments/"
    return source[source.index(marker) :] if marker in source else source


def _design_text(manifest: dict, runs: int) -> str:
    design = manifest.get("design") or {}
    variants = len(manifest.get("variants") or {})
    points = len(design.get("points") or [{}])
    reps = (manifest.get("experiment") or {}).get("replications", "?")
    steps = {cfg.get("steps") for cfg in (manifest.get("variants") or {}).values()}
    sampled = "steps" in (design.get("names") or []) or len(steps) != 1
    horizon = "horizon sampled" if sampled else f"{min(steps)} steps"
    swept = ""
    if design.get("kind", "none") != "none":
        swept = f" ({design['kind']} design over {', '.join(design.get('names', []))})"
    return (
        f"{runs} runs = {variants} variants x {points} design points{swept} x {reps} "
        f"replications, {horizon}"
    )
