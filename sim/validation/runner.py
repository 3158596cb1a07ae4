"""Run the findings' experiments (serially or on local processes) and estimate each one."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from sim.experiment.executors import iter_processes, iter_serial
from sim.validation.findings import Finding
from sim.validation.simulate import RunSpec, simulate

MASTER_SEED = 7


@dataclass(frozen=True)
class Result:
    """One finding's outcome, in the shape of ``validation.json``."""

    id: str
    finding: str
    source: str
    manipulation: str
    metric: str
    target: str
    value: float
    ci_low: float
    ci_high: float
    passed: bool
    runs: int


def run_findings(
    findings: list[Finding],
    quick: bool,
    workers: int = 1,
    on_run: Callable[[], None] | None = None,
) -> list[Result]:
    """Run every finding's arms and replications; same results whatever ``workers`` is."""
    specs = [
        spec
        for f in findings
        for spec in f.specs(f.replications[1] if quick else f.replications[0], MASTER_SEED)
    ]
    outcomes: dict[str, dict[str, dict[int, dict]]] = defaultdict(lambda: defaultdict(dict))
    runs = (
        iter_serial(simulate, specs) if workers <= 1 else iter_processes(simulate, specs, workers)
    )
    for spec, outcome in runs:
        if isinstance(outcome, BaseException):
            raise outcome
        outcomes[spec.finding][spec.arm][spec.replication] = outcome
        if on_run:
            on_run()
    return [_estimate(f, outcomes[f.id]) for f in findings]


def _estimate(finding: Finding, by_arm: dict[str, dict[int, dict]]) -> Result:
    ordered = {arm: [reps[r] for r in sorted(reps)] for arm, reps in by_arm.items()}
    value, low, high, passed = finding.estimate(ordered)
    runs = sum(len(reps) for reps in ordered.values())
    return Result(
        finding.id,
        finding.finding,
        finding.source,
        finding.manipulation,
        finding.metric,
        finding.target,
        float(value),
        float(low),
        float(high),
        bool(passed),
        runs,
    )


def count_runs(findings: list[Finding], quick: bool) -> int:
    """How many runs a validation will make."""
    return sum(len(f.arms) * (f.replications[1] if quick else f.replications[0]) for f in findings)


__all__ = ["RunSpec", "Result", "run_findings", "count_runs"]
