"""Words for metrics, time-series columns and parameters: titles and definitions for readers.

Figures and reports name things in words, not column names; every metric shown is defined.
A metric that is not described here (e.g. one a newer model adds) falls back to its name and a
pointer to the ODD, so nothing breaks and the gap is visible.
"""

from __future__ import annotations

#: metric -> (short label, definition)
METRICS: dict[str, tuple[str, str]] = {
    "sustained_participation": (
        "Sustained participation",
        "share of actors acting, averaged over the last fifth of the run",
    ),
    "participation_mean": (
        "Mean participation",
        "share of actors acting, averaged over the whole run",
    ),
    "participation_final": ("Final participation", "share of actors acting at the last step"),
    "retention": (
        "Retention",
        "sustained participation divided by participation in the fifth of the run just before "
        "the last policy change (1 = nothing lost; defined only for runs with a policy change)",
    ),
    "progress_total": (
        "Progress",
        "collective progress over the whole run: each step, the acting actors weighted by how "
        "well their vision fits the common direction",
    ),
    "incentive_spend_total": (
        "Incentive spend",
        "rewards paid plus the cost of monitoring, summed over the run",
    ),
    "spend_total": (
        "Total spend",
        "everything the levers cost over the run: incentives and monitoring, convening "
        "(dialogues, voices heard at revisions) and accountability (measurement, sanctions, "
        "rule-making)",
    ),
    "cost_per_progress": (
        "Cost per unit of progress",
        "total spend divided by progress (undefined without progress)",
    ),
    "time_to_half_participation": (
        "Time to half participation",
        "first step at which at least half the actors act; averaged only over the runs that "
        "got there (the n says how many)",
    ),
    "sector_balance": (
        "Sector balance",
        "1 minus the Gini coefficient of sustained participation across sectors "
        "(1 = every sector takes part alike)",
    ),
    "vision_clusters_final": (
        "Vision clusters",
        "number of groups of actors holding nearly the same vision at the end (each at least "
        "1% of actors)",
    ),
    "ownership_mean": (
        "Ownership",
        "how much actors feel the shared vision is their own (0 to 1), averaged over the run",
    ),
    "cant_not_share": (
        "'Can't NOT' share",
        "share of actors who, at the end, would act with probability 0.9 or more even with "
        "every incentive removed",
    ),
    "outside_convener": (
        "Participation outside the convener's sector",
        "sustained participation of the sectors the convener has no authority over, weighted "
        "by their population shares",
    ),
    "in_force": (
        "Participation while in force",
        "share of actors acting over the fifth of the run before the withdrawal step",
    ),
    "left": (
        "Participation left",
        "share of actors acting over the last fifth of the run, after the lever was withdrawn",
    ),
}

COLUMNS: dict[str, str] = {
    "participation": "Share of actors taking part",
    "intrinsic_motivation": "Intrinsic motivation (mean)",
    "extrinsic_pressure": "Extrinsic pressure (mean)",
    "pull": "Pull felt (mean)",
    "habit": "Habit (mean)",
    "alignment": "Alignment with the shared vision (mean)",
    "ownership": "Ownership of the shared vision (mean)",
    "cant_not": "Share who 'can't NOT' act",
    "progress": "Collective progress (cumulative)",
    "progress_rate": "Progress made per step",
    "incentive_spend": "Incentive spend per step",
    "vision_dispersion": "Spread of visions (mean distance from their centre)",
    "vision_clusters": "Number of vision clusters",
    "convening_spend": "Convening spend per step (dialogue, voices heard)",
    "accountability_spend": "Accountability spend per step",
    "spend": "Total spend per step",
    "top_motivation_share": "Share of actors at the top of the motivation scale",
    "undermining": "Undermined interest (mean)",
    "belief": "Believed share of others acting (mean)",
    "sanction_pressure": "Peer sanction pressure felt (mean)",
}


def metric_label(metric: str) -> str:
    """A metric's short label in words."""
    if metric.startswith("tail_"):
        return column_label(metric.removeprefix("tail_")) + ", last fifth of the run"
    return METRICS.get(metric, (metric.replace("_", " ").capitalize(), ""))[0]


def metric_definition(metric: str) -> str:
    """A metric's definition in one phrase."""
    if metric.startswith("tail_"):
        return f"{column_label(metric.removeprefix('tail_')).lower()}, averaged over the last fifth"
    return METRICS.get(metric, ("", "not yet described here; see docs/ODD.md"))[1]


def column_label(column: str) -> str:
    """A time-series column in words (per-sector participation included)."""
    if column in COLUMNS:
        return COLUMNS[column]
    if column.startswith("participation_"):
        return f"Share of {column.removeprefix('participation_')} actors taking part"
    return column.replace("_", " ").capitalize()


def short_parameter(name: str) -> str:
    """A parameter's short name in words (``dialogue.common_ground_focus``: common ground focus)."""
    if name == "steps":
        return "horizon"
    return name.split(".")[-1].replace("_", " ")


def parameter_label(name: str) -> str:
    """A parameter in words, with its dotted name for reference."""
    from sim.config import PARAMETERS

    if name == "steps":
        return "Horizon: number of steps (steps)"
    info = PARAMETERS.get(name)
    if info is None or not info.doc:
        return name
    return f"{info.doc.rstrip('.')} ({name})"
