"""Generate the parameter, metrics, sector and findings tables of docs/ODD.md from the code.

    python docs/odd_tables.py            # print the generated tables
    python docs/odd_tables.py --write    # replace the generated blocks inside docs/ODD.md
    python docs/odd_tables.py --check    # exit 1 if docs/ODD.md is out of date

Each table sits in docs/ODD.md between ``<!-- BEGIN name -->`` and ``<!-- END name -->``
markers. Defaults, ranges and meanings come from :data:`sim.config.PARAMETERS`, the sector
profiles from :data:`sim.config.LITERATURE_SECTOR_TRAITS` and the validation findings from
:data:`sim.validation.registry.FINDINGS`; the submodel that reads each parameter, the metric
definitions and the sources of the sector profiles are kept here, and every parameter, column,
summary key and profiled sector must have an entry (tests/test_docs.py checks that ODD.md is
current).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from sim.config import (
    DEFAULT_SOCIAL_TYPES,
    LITERATURE_SECTOR_TRAITS,
    PARAMETERS,
    SECTION_MODELS,
    SECTIONS_CHANGEABLE_MID_RUN,
    Scenario,
    SectorTraits,
)
from sim.metrics import BASE_COLUMNS, SUMMARY_KEYS, timeseries_columns
from sim.validation.registry import FINDINGS

ODD = Path(__file__).resolve().parent / "ODD.md"

# Which ODD section / submodel reads each parameter (section numbers refer to ODD.md).
READ_BY: dict[str, str] = {
    "name": "run bookkeeping (output labels)",
    "steps": "3 scheduling (run length); 7.12 summary windows",
    "seed": "5 initialization; all stochastic submodels (one generator)",
    "population.size": "5 initialization",
    "population.sectors": "5 initialization; 7.1 network; 7.4 push reach; 7.12 metrics",
    "population.orgs_per_sector": "5 initialization (organisations, vision centres, leaders)",
    "population.vision_dims": "5 initialization; 7.2 dialogue; 7.3 shared vision",
    "population.initial_visions": "5 initialization (vision draw)",
    "population.sector_separation": "5 initialization (sector vision centres)",
    "population.vision_spread": "5 initialization (organisation and individual visions)",
    "population.champions": "5 initialization; 7.8 motivation (champions fixed at 1)",
    "population.voice_inequality": "5 initialization; 7.3 shared vision (co-creation weights); "
    "7.6 leaders (loudest voice leads)",
    "population.incentive_sensitivity": "5 initialization; 7.4 push (κ_i)",
    "population.social_types": "5 initialization (type of each actor); 7.9 cooperation; "
    "7.5 sanction propensity",
    "population.sector_profiles": "2.5 sector differences; 5 initialization",
    "population.sector_traits": "2.5 sector differences; 5 initialization",
    "network.kind": "7.1 network",
    "network.mean_degree": "7.1 network",
    "network.cross_sector_share": "7.1 network",
    "network.rewiring": "7.1 network (small_world only)",
    "dialogue.rate": "7.2 dialogue",
    "dialogue.confidence": "7.2 dialogue",
    "dialogue.convergence": "7.2 dialogue",
    "dialogue.common_ground_focus": "7.2 dialogue (OWA weights)",
    "dialogue.cost": "7.2 dialogue (convening spend)",
    "vision.mode": "7.3 shared vision; 7.7 pull; 7.11 progress",
    "vision.inclusion": "7.3 shared vision (co_created)",
    "vision.clarity": "7.7 pull",
    "vision.revision_every": "7.3 shared vision",
    "vision.tolerance": "7.3 alignment; 7.11 progress (coherence)",
    "vision.ownership_rate": "7.3 shared vision (ownership)",
    "vision.ownership_decay": "7.3 shared vision (ownership)",
    "vision.voice_ownership": "7.3 shared vision (ownership gain: voice vs influence)",
    "vision.reactance": "7.7 pull (repulsion)",
    "vision.cost": "7.3 shared vision (convening spend)",
    "pull.social_influence": "7.7 pull",
    "pull.social_threshold": "7.7 pull (r(n))",
    "pull.progress_feedback": "7.7 pull",
    "pull.ownership_weight": "7.7 pull",
    "push.incentive": "7.4 push",
    "push.kind": "7.4 push (weight, controllingness, enforcement)",
    "push.contingency": "7.4 push (quality factor, controllingness)",
    "push.reach": "7.4 push (authority mask)",
    "push.convener": "7.4 push (reach = convener); 7.3 shared vision (imposed); 7.5 imposed rules",
    "push.monitoring": "7.4 push",
    "push.legitimacy": "7.4 push (controllingness)",
    "push.crowding_out": "7.8 motivation (undermining)",
    "push.crowding_recovery": "7.8 motivation (undermining fades)",
    "push.loss_aversion": "7.4 push (sanction weight); 7.5 peer sanctions; 7.6 leaders",
    "push.sanction_cost": "7.4 push (enforcement spend); 7.6 leaders",
    "push.budget": "7.4 push (enforcement, active flag)",
    "push.monitoring_cost": "7.4 push (enforcement spend); 7.6 leaders",
    "motivation.initial": "5 initialization (q_i, b_i)",
    "motivation.spread": "5 initialization (q_i, b_i)",
    "motivation.adaptation": "7.8 motivation (q_i and undermining build-up)",
    "motivation.habit_rate": "7.8 motivation (habit)",
    "decision.effort_cost": "7.9 cooperation (net cost); 7.10 decision; 7.12 cant_not",
    "decision.noise": "7.10 decision; 7.12 cant_not",
    "decision.habit_weight": "7.10 decision; 7.12 cant_not",
    "decision.public_return": "7.9 cooperation (net cost m)",
    "decision.reciprocity": "7.9 cooperation (reciprocity ρ)",
    "decision.belief_rate": "7.9 cooperation (beliefs)",
    "decision.initial_belief": "5 initialization (beliefs B_i)",
    "accountability.measurement": "7.5 accountability",
    "accountability.peer_sanction": "7.5 accountability",
    "accountability.sanction_cost": "7.5 accountability (sanctioners' spend)",
    "accountability.rules": "7.5 accountability (rules legitimacy, meetings)",
    "accountability.measurement_cost": "7.5 accountability (measurement spend)",
    "accountability.rules_cost": "7.5 accountability (rule-making spend)",
    "accountability.review_every": "7.5 accountability (rule-making meetings)",
    "leaders.incentive": "7.6 leaders",
    "leaders.kind": "7.6 leaders",
    "leaders.monitoring": "7.6 leaders",
    "leaders.legitimacy": "7.6 leaders (controllingness)",
    "leaders.alignment": "7.6 leaders (who pushes)",
    "metrics.cluster_distance": "7.12 metrics (vision_clusters)",
    "metrics.cluster_sample": "5 initialization (sample drawn); 7.12 metrics",
    "metrics.cluster_every": "7.12 metrics",
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
    "extrinsic_pressure": "Mean expected extrinsic pressure X_i: push from the authority and "
    "from leaders plus the expected peer sanction (0 without any of them).",
    "pull": "Mean pull P_i (can be negative where a vision repels).",
    "habit": "Mean habit h_i after this step's update.",
    "alignment": "Mean alignment a_i with the shared vision S; when there is no shared vision "
    "(`vision.mode = none`), with the population's mean vision.",
    "ownership": "Mean ownership o_i of the shared vision.",
    "cant_not": "Share of actors who would act with probability >= 0.9 with every incentive and "
    "sanction removed (X_i = 0), their own motives left as they are: "
    "σ((q_i + R_i + w_h h_i - (1 - m) e_i) / T) >= 0.9.",
    "progress": "Cumulative collective progress Σ_t p_t.",
    "progress_rate": "Progress made this step, p_t = (1/N) Σ_i A_i a_i (in [0, 1]).",
    "incentive_spend": "Incentive spend this step, of the authority and of the leaders: rewards "
    "paid, the enforcer's cost of fines imposed and monitoring.",
    "convening_spend": "Convening spend this step: `dialogue.cost` per dialogue held plus "
    "`vision.cost` per voice heard at a revision.",
    "accountability_spend": "Accountability spend this step: the sanctioners' cost of peer "
    "sanctions, shared measurement and rule-making meetings.",
    "spend": "All spend this step: `incentive_spend` + `convening_spend` + `accountability_spend`.",
    "budget_left": "max(`push.budget` - the authority's incentive spend so far, 0); `inf` when "
    "`push.budget` is unset (leaders' and other spend do not draw on it).",
    "incentive_active": "1 if the authority's push was active in this step (incentive > 0 and "
    "budget not exhausted at the start of the step), else 0.",
    "dialogue_pairs": "Number of dialogue pairs this step whose perceived distance was below "
    "`dialogue.confidence` (pairs that converged).",
    "vision_dispersion": "Mean RMS distance of the sampled actors' visions from their centroid.",
    "vision_clusters": "Number of single-linkage clusters of the sampled visions (linkage RMS "
    "distance < `metrics.cluster_distance`, on a grid of half that size) holding at least 2 "
    "actors and 1% of the sample.",
    "top_motivation_share": "Share of actors whose intrinsic motivation is at the top of the "
    "scale (q_i >= 0.99).",
    "undermining": "Mean undermining u_i (negative where recognition has crowded in).",
    "belief": "Mean belief B_i about the share of others who act, after this step's update.",
    "sanction_pressure": "Mean expected peer sanction for not acting next step, λ s μ z_i "
    "(part of next step's extrinsic pressure).",
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
    "spend_total": "Sum of `spend` over all steps (incentives, convening and accountability).",
    "cost_per_progress": "spend_total / progress_total (None if no progress): push, pull and "
    "accountability are priced alike.",
    "time_to_half_participation": "First step with participation >= 0.5 (None if never).",
    "sector_balance": "1 - Gini coefficient of the sectors' mean participation over the last "
    "20% of steps (1 = all sectors alike; 1 with a single sector).",
    "vision_clusters_final": "`vision_clusters` at the last step.",
    "ownership_mean": "Mean of `ownership` over all steps.",
    "cant_not_share": "Share of actors who 'can't not' act at the end of the run.",
}

# Sources of the documented sector differences (sim.config.LITERATURE_SECTOR_TRAITS).
SECTOR_SOURCES: dict[str, str] = {
    "business": "Buelens & Van den Broeck 2007 (private-sector staff more extrinsically "
    "motivated); Besley & Ghatak 2005 (high-powered incentives where missions matter less); "
    "Purdy 2012, Ansell & Gash 2008 (resource-rich partners dominate collaborations)",
    "nonprofit": "Besley & Ghatak 2005 (motivated agents sort into mission-oriented "
    "organisations, low-powered incentives suffice); Leete 2000",
    "government": "Perry & Wise 1990 (public service motivation); Buelens & Van den Broeck 2007; "
    "Dixit 2002 (low-powered incentives in the public sector); Purdy 2012 (formal authority "
    "as a source of power in collaborations)",
    "academia": "Stern 2004 (scientists accept lower pay to do science: intrinsic 'taste for "
    "science')",
    "community": "Gneezy & Rustichini 2000 (volunteers respond poorly to small pay); Verba, "
    "Schlozman & Brady 1995 (participation needs time and civic resources, which are unequally "
    "distributed, and so is voice); Ansell & Gash 2008, Purdy 2012 (power imbalances)",
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


def sector_table() -> str:
    """The literature sector profiles (sim.config.LITERATURE_SECTOR_TRAITS) and their sources."""
    if set(SECTOR_SOURCES) != set(LITERATURE_SECTOR_TRAITS):
        raise SystemExit("odd_tables.py: SECTOR_SOURCES out of sync with LITERATURE_SECTOR_TRAITS")
    lines = [
        "| sector | motivation (added to `motivation.initial`) | incentive sensitivity (factor) "
        "| effort cost (added to `decision.effort_cost`) | voice (factor) | social types "
        "| sources (direction of the difference) |",
        "|---|---|---|---|---|---|---|",
    ]
    for sector, values in LITERATURE_SECTOR_TRAITS.items():
        traits = SectorTraits(**values)
        mix = "population mix" if traits.social_types is None else _default("", traits.social_types)
        lines.append(
            f"| {sector} | {traits.motivation:+g} | {traits.incentive_sensitivity:g} "
            f"| {traits.effort_cost:+g} | {traits.voice:g} | {mix} "
            f"| {_cell(SECTOR_SOURCES[sector])} |"
        )
    mix = ", ".join(f"{k} {v:g}" for k, v in DEFAULT_SOCIAL_TYPES.items())
    lines.append(f"| (any other name) | +0 | 1 | +0 | 1 | population mix ({mix}) | – |")
    return "\n".join(lines)


def findings_table() -> str:
    """The findings ``pushpull validate`` checks (sim.validation.registry.FINDINGS)."""
    lines = [
        "| id | finding | source | manipulation (all else at the defaults) | metric | target |",
        "|---|---|---|---|---|---|",
    ]
    for f in FINDINGS:
        cells = (f.finding, f.source, f.manipulation, f.metric, f.target)
        lines.append(f"| `{f.id}` | " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines)


BLOCKS = {
    "PARAMETERS": parameter_table,
    "COLUMNS": column_table,
    "SUMMARY": summary_table,
    "SECTORS": sector_table,
    "FINDINGS": findings_table,
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
