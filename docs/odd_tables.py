"""Generate the parameter and metrics tables of docs/ODD.md from the code.

    python docs/odd_tables.py            # print the generated tables
    python docs/odd_tables.py --write    # replace the generated blocks inside docs/ODD.md
    python docs/odd_tables.py --check    # exit 1 if docs/ODD.md is out of date

Each table sits in docs/ODD.md between ``<!-- BEGIN name -->`` and ``<!-- END name -->``
markers. Defaults, ranges and meanings come from :data:`sim.config.PARAMETERS`; the submodel
that reads each parameter and the metric definitions are kept here, and every parameter, column
and summary key must have an entry (tests/test_docs.py checks that ODD.md is current).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from sim.config import (
    PARAMETERS,
    SECTION_MODELS,
    SECTIONS_CHANGEABLE_MID_RUN,
    Scenario,
)
from sim.metrics import BASE_COLUMNS, SUMMARY_KEYS, timeseries_columns

ODD = Path(__file__).resolve().parent / "ODD.md"

# Which ODD section / submodel reads each parameter (section numbers refer to ODD.md).
READ_BY: dict[str, str] = {
    "name": "run bookkeeping (output labels)",
    "steps": "3 scheduling (run length); 7.9 summary windows",
    "seed": "5 initialization; all stochastic submodels (one generator)",
    "population.size": "5 initialization",
    "population.sectors": "5 initialization; 7.1 network; 7.4 push reach; 7.9 metrics",
    "population.orgs_per_sector": "5 initialization (organisations, vision centres)",
    "population.vision_dims": "5 initialization; 7.2 dialogue; 7.3 shared vision",
    "population.initial_visions": "5 initialization (vision draw)",
    "population.sector_separation": "5 initialization (sector vision centres)",
    "population.vision_spread": "5 initialization (organisation and individual visions)",
    "population.champions": "5 initialization; 7.6 motivation (champions fixed at 1)",
    "population.voice_inequality": "5 initialization; 7.3 shared vision (co-creation weights)",
    "population.incentive_sensitivity": "5 initialization; 7.4 push (κ_i)",
    "network.kind": "7.1 network",
    "network.mean_degree": "7.1 network",
    "network.cross_sector_share": "7.1 network",
    "network.rewiring": "7.1 network (small_world only)",
    "dialogue.rate": "7.2 dialogue",
    "dialogue.confidence": "7.2 dialogue",
    "dialogue.convergence": "7.2 dialogue",
    "dialogue.common_ground_focus": "7.2 dialogue (OWA weights)",
    "vision.mode": "7.3 shared vision; 7.5 pull; 7.8 progress",
    "vision.inclusion": "7.3 shared vision (co_created)",
    "vision.clarity": "7.5 pull",
    "vision.revision_every": "7.3 shared vision",
    "vision.tolerance": "7.3 alignment; 7.8 progress (coherence)",
    "vision.ownership_rate": "7.3 shared vision (ownership)",
    "vision.ownership_decay": "7.3 shared vision (ownership)",
    "pull.social_influence": "7.5 pull",
    "pull.social_threshold": "7.5 pull (r(n))",
    "pull.progress_feedback": "7.5 pull",
    "pull.ownership_weight": "7.5 pull",
    "push.incentive": "7.4 push",
    "push.kind": "7.4 push",
    "push.reach": "7.4 push (authority mask)",
    "push.convener": "7.4 push (reach = convener); 7.3 shared vision (imposed)",
    "push.monitoring": "7.4 push",
    "push.legitimacy": "7.4 push",
    "push.crowding_out": "7.6 motivation (crowding-out)",
    "push.budget": "7.4 push (enforcement, active flag)",
    "push.monitoring_cost": "7.4 push (enforcement spend)",
    "motivation.initial": "5 initialization (q_i, b_i)",
    "motivation.spread": "5 initialization (q_i, b_i)",
    "motivation.adaptation": "7.6 motivation (q_i and crowding-out of b_i)",
    "motivation.habit_rate": "7.6 motivation (habit)",
    "decision.effort_cost": "7.7 decision; 7.9 cant_not",
    "decision.noise": "7.7 decision; 7.9 cant_not",
    "decision.habit_weight": "7.7 decision; 7.9 cant_not",
    "metrics.cluster_distance": "7.9 metrics (vision_clusters)",
    "metrics.cluster_sample": "5 initialization (sample drawn); 7.9 metrics",
    "schedule": "3 scheduling (first action of every step)",
}

# Definition of every time-series column (one row per step, recorded at the end of the step).
COLUMNS: dict[str, str] = {
    "step": "Step number t = 1, 2, ... (Mesa's `model.steps`, incremented before the step runs).",
    "participation": "Share of actors who acted this step: mean of A_i.",
    "participation_<sector>": "Share of the sector's actors who acted this step; one column per "
    "sector, e.g. `participation_business`, `participation_nonprofit`, "
    "`participation_government`, `participation_academia`, `participation_community` with the "
    "default sectors.",
    "intrinsic_motivation": "Mean intrinsic motivation q_i after this step's update.",
    "extrinsic_pressure": "Mean expected extrinsic pressure X_i (0 while push is inactive).",
    "pull": "Mean pull P_i.",
    "habit": "Mean habit h_i after this step's update.",
    "alignment": "Mean alignment a_i with the shared vision S; when there is no shared vision "
    "(`vision.mode = none`), with the population's mean vision.",
    "ownership": "Mean ownership o_i of the shared vision.",
    "cant_not": "Share of actors who would act with probability >= 0.9 with every incentive "
    "removed: σ((q_i + w_h h_i - e_i) / T) >= 0.9.",
    "progress": "Cumulative collective progress Σ_t p_t.",
    "progress_rate": "Progress made this step, p_t = (1/N) Σ_i A_i a_i (in [0, 1]).",
    "incentive_spend": "Rewards paid plus monitoring costs this step.",
    "budget_left": "max(budget - total spend so far, 0); `inf` when `push.budget` is unset.",
    "incentive_active": "1 if push was active in this step (incentive > 0 and budget not "
    "exhausted at the start of the step), else 0.",
    "dialogue_pairs": "Number of dialogue pairs this step whose perceived distance was below "
    "`dialogue.confidence` (pairs that converged).",
    "vision_dispersion": "Mean RMS distance of the sampled actors' visions from their centroid.",
    "vision_clusters": "Number of single-linkage clusters of the sampled visions (linkage RMS "
    "distance < `metrics.cluster_distance`, on a grid of half that size) holding at least 2 "
    "actors and 1% of the sample.",
}

SUMMARY: dict[str, str] = {
    "participation_mean": "Mean of `participation` over all steps.",
    "participation_final": "`participation` at the last step.",
    "sustained_participation": "Mean `participation` over the last 20% of steps "
    "(ceil(0.2 x steps) steps).",
    "retention": "Only with a schedule: sustained participation / mean participation over the "
    "ceil(0.2 x steps) steps before the last scheduled change (None without a schedule or if "
    "that mean is 0).",
    "progress_total": "Cumulative `progress` at the last step.",
    "incentive_spend_total": "Sum of `incentive_spend` over all steps.",
    "cost_per_progress": "incentive_spend_total / progress_total (None if no progress).",
    "time_to_half_participation": "First step with participation >= 0.5 (None if never).",
    "sector_balance": "1 - Gini coefficient of the sectors' mean participation over the last "
    "20% of steps (1 = all sectors alike; 1 with a single sector).",
    "vision_clusters_final": "`vision_clusters` at the last step.",
    "ownership_mean": "Mean of `ownership` over all steps.",
    "cant_not_share": "Share of actors who 'can't not' act at the end of the run.",
}


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _default(name: str, value: Any) -> str:
    if value is None:
        return "none (unlimited)" if name == "push.budget" else "none"
    if value == "":
        return '"" (first sector)' if name == "push.convener" else '""'
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {v:g}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[]" if not value else _cell(value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _field(name: str):
    """The pydantic field behind a dotted parameter name."""
    if "." in name:
        section, sub = name.split(".", 1)
        return SECTION_MODELS[section].model_fields[sub]
    return Scenario.model_fields[name]


def _number(value: float, kind: str) -> str:
    return f"{int(value):,}" if kind == "int" else f"{value:g}"


def _allowed(info) -> str:
    """Allowed values, with exclusive bounds (gt / lt) marked, read from the field metadata."""
    if info.name == "population.sectors":
        return "table of name = share (> 0; shares are normalised) or a list of names"
    if info.name == "schedule":
        return "list of {step, set} tables, step in 1..steps; only keys of " + ", ".join(
            SECTIONS_CHANGEABLE_MID_RUN
        )
    if info.choices:
        return info.allowed()
    bounds = {}
    for meta in _field(info.name).metadata:
        for op in ("ge", "gt", "le", "lt"):
            if getattr(meta, op, None) is not None:
                bounds[op] = getattr(meta, op)
    parts = []
    if "ge" in bounds:
        parts.append(f">= {_number(bounds['ge'], info.kind)}")
    if "gt" in bounds:
        parts.append(f"> {_number(bounds['gt'], info.kind)}")
    if "le" in bounds:
        parts.append(f"<= {_number(bounds['le'], info.kind)}")
    if "lt" in bounds:
        parts.append(f"< {_number(bounds['lt'], info.kind)}")
    text = info.kind + (" " + ", ".join(parts) if parts else "")
    if info.name == "network.mean_degree":
        text += ", even"
    if info.name == "push.budget":
        text += ", or unset"
    return text


def parameter_table() -> str:
    missing = sorted(set(PARAMETERS) - set(READ_BY))
    if missing:
        raise SystemExit(f"odd_tables.py: add READ_BY entries for {', '.join(missing)}")
    lines = [
        "| parameter | default | allowed | meaning | read by |",
        "|---|---|---|---|---|",
    ]
    for name, info in PARAMETERS.items():
        lines.append(
            f"| `{name}` | {_cell(_default(name, info.default))} | {_cell(_allowed(info))} "
            f"| {_cell(info.doc)} | {_cell(READ_BY[name])} |"
        )
    return "\n".join(lines)


def column_table() -> str:
    expected = ["step", "participation", "participation_<sector>", *BASE_COLUMNS[1:]]
    missing = [c for c in expected if c not in COLUMNS]
    if missing or set(COLUMNS) - set(expected):
        raise SystemExit(f"odd_tables.py: COLUMNS out of sync with sim.metrics: {missing}")
    columns = timeseries_columns(["<sector>"])
    assert columns == expected, columns
    lines = ["| column | definition |", "|---|---|"]
    lines += [f"| `{c}` | {_cell(COLUMNS[c])} |" for c in columns]
    return "\n".join(lines)


def summary_table() -> str:
    if list(SUMMARY) != list(SUMMARY_KEYS):
        raise SystemExit("odd_tables.py: SUMMARY out of sync with sim.metrics.SUMMARY_KEYS")
    lines = ["| summary metric | definition |", "|---|---|"]
    lines += [f"| `{k}` | {_cell(v)} |" for k, v in SUMMARY.items()]
    return "\n".join(lines)


BLOCKS = {
    "PARAMETERS": parameter_table,
    "COLUMNS": column_table,
    "SUMMARY": summary_table,
}


def render(text: str) -> str:
    """``text`` with every generated block replaced by its current content."""
    for name, build in BLOCKS.items():
        pattern = re.compile(
            rf"(<!-- BEGIN {name} -->\n)(?:.*?\n)?(<!-- END {name} -->)", flags=re.DOTALL
        )
        if not pattern.search(text):
            raise SystemExit(f"odd_tables.py: no {name} block in {ODD}")
        text = pattern.sub(lambda m, b=build: m.group(1) + b() + "\n" + m.group(2), text)
    return text


def main(argv: list[str]) -> int:
    if "--write" in argv or "--check" in argv:
        current = ODD.read_text()
        fresh = render(current)
        if "--check" in argv:
            if fresh != current:
                print("docs/ODD.md is out of date: run python docs/odd_tables.py --write")
                return 1
            return 0
        ODD.write_text(fresh)
        return 0
    for name, build in BLOCKS.items():
        print(f"<!-- BEGIN {name} -->\n{build()}\n<!-- END {name} -->\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
