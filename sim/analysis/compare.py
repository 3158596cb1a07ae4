"""``pushpull compare``: scenarios side by side, for strategists rather than programmers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from rich.table import Table

from sim import store
from sim.analysis import figures, stats
from sim.analysis.report import markdown_table, metric_table
from sim.analysis.wording import plain_sentences
from sim.experiment.errors import ExperimentError

#: Time series kept for the comparison (the figure needs participation only).
SERIES = ["participation", "intrinsic_motivation", "incentive_spend"]


@dataclass
class CompareResult:
    """What the compare command shows and wrote."""

    table: Table
    written: list[Path] = field(default_factory=list)
    failed: int = 0


def labels_for(scenarios: list[str]) -> list[str]:
    """Short unique names: the file stem of each scenario, numbered if repeated."""
    labels: list[str] = []
    for spec in scenarios:
        label = re.sub(r"[^A-Za-z0-9_.-]", "_", Path(spec).stem) or "scenario"
        base, n = label, 2
        while label in labels:
            label, n = f"{base}-{n}", n + 1
        labels.append(label)
    return labels


def build_experiment(
    scenarios: list[str], replications: int, seed: int, overrides: dict[str, Any] | None = None
) -> Any:
    """An in-memory experiment with one variant per scenario (``overrides`` apply to all)."""
    from sim.experiment.spec import parse_experiment

    labels = labels_for(scenarios)
    name = ("compare-" + "-vs-".join(labels))[:120]
    data = {
        "name": name,
        "base": scenarios[0],
        "seed": seed,
        "replications": replications,
        "fixed": dict(overrides or {}),
        "variants": {label: {"base": spec} for label, spec in zip(labels, scenarios, strict=True)},
        "output": {"timeseries": SERIES},
    }
    return parse_experiment(data, "compare")


def compare_scenarios(
    scenarios: list[str],
    *,
    overrides: dict[str, Any] | None = None,
    replications: int = 10,
    out: Path | None = None,
    workers: int | None = None,
    seed: int = 1,
    progress=None,
    on_start=None,
    override_label: Any = "--set",
    force: bool = False,
) -> CompareResult:
    """Run every scenario ``replications`` times (same seeds) and report side by side.

    Args:
        override_label: how errors name the option of an override (see ``load_scenario``).
        force: write into a non-empty ``out`` that holds no earlier comparison.

    Raises:
        ExperimentError / ConfigError: fewer than two scenarios, an unknown scenario, or an
            ``out`` folder that holds something else.
    """
    from sim.config import load_scenario
    from sim.experiment.plan import make_plan
    from sim.experiment.runner import run_plan

    if len(scenarios) < 2:
        raise ExperimentError("compare: give at least two scenarios")
    for spec in scenarios:
        # An unknown scenario or override fails here with the core's own message.
        load_scenario(spec, overrides=overrides, override_label=override_label)
    plan = make_plan(build_experiment(scenarios, replications, seed, overrides), "compare")
    out_dir = Path(out) if out else Path("out") / plan.experiment.name
    manifest = store.read_manifest(out_dir)
    from sim.clikit import check_out_dir

    ours = manifest is not None and manifest.get("name") == plan.experiment.name
    check_out_dir(out_dir, lambda _: ours, force, "a comparison")
    # A comparison is cheap to redo: stale results of changed scenarios are replaced.
    fresh = manifest is not None and manifest.get("fingerprint") != plan.fingerprint
    report = run_plan(
        plan, out_dir, workers=workers, fresh=fresh, progress=progress, on_start=on_start
    )
    runs = pd.read_parquet(out_dir / store.RUNS_FILE)
    metrics = [m for m in (store.read_manifest(out_dir) or {}).get("metrics", []) if m in runs]
    summary = stats.summarize(runs, metrics)
    written = _participation_figure(plan, out_dir, runs)
    path = out_dir / "report.md"
    path.write_text(
        plain_report(summary, list(plan.configs), replications, written), encoding="utf-8"
    )
    written.append(path)
    store.record_outputs(out_dir, written)
    failed = int((runs["status"] != "ok").sum()) + report.lost
    return CompareResult(rich_table(summary), written, failed)


def _participation_figure(plan: Any, out_dir: Path, runs: pd.DataFrame) -> list[Path]:
    ts_path = out_dir / store.TIMESERIES_FILE
    if not ts_path.exists():
        return []
    bands = stats.series_bands(ts_path, runs[runs["status"] == "ok"], ["participation"])
    # Each scenario's policy changes are marked on its own line only.
    marks = {name: sorted({p.step for p in cfg.schedule}) for name, cfg in plan.configs.items()}
    path = figures.timeseries_figure(
        bands,
        "participation",
        out_dir / "participation.png",
        order=list(plan.configs),
        title="Share of actors taking part (mean and 95% CI)",
        marks=marks,
    )
    return [path]


def rich_table(summary: pd.DataFrame) -> Table:
    """Metrics as rows, scenarios as columns: ``mean [95% CI]``."""
    table = Table(title="mean [95% confidence interval]")
    pivot = metric_table(summary)
    table.add_column("metric", no_wrap=True)  # whole names; the values wrap instead
    for column in pivot.columns:
        table.add_column(str(column), justify="right")
    for metric, row in pivot.iterrows():
        table.add_row(str(metric), *map(str, row.tolist()))
    return table


def plain_report(
    summary: pd.DataFrame, variants: list[str], replications: int, figures_written: list[Path]
) -> str:
    """A short markdown report in plain sentences."""
    lines = [
        "# Scenario comparison",
        "",
        f"Each scenario was simulated {replications} times with the same sequence of random "
        "seeds, so the scenarios face the same luck. Each figure is an average over those runs, "
        "followed by its 95% confidence range: if the ranges of two scenarios do not overlap, "
        "the difference between them is very unlikely to be chance.",
        "",
    ]
    lines += plain_sentences(summary, variants)
    lines += ["## All numbers", "", markdown_table(metric_table(summary)), ""]
    lines += [
        f"![participation over time]({p.name})" for p in figures_written if p.suffix == ".png"
    ]
    lines += [
        "",
        "_Sustained participation_ is the share of actors acting over the last fifth "
        "of the run. _Retention_ compares it with participation just before the last "
        "change of policy (e.g. incentives stopping). _Cost per unit of progress_ is "
        "everything spent (incentives, convening dialogue and revisions, accountability) "
        "divided by the progress made.",
        "",
    ]
    return "\n".join(lines)
