"""The numbers quoted in docs/teaching.md, from runs of the model (not the browser).

``python docs/teaching_numbers.py [SEEDS] [OUT.json] [PREFIX]`` runs each demonstration's
presets with 300 actors (as ``pushpull viz --size 300``) for seeds 0 .. SEEDS-1
(default 8), and prints, per demonstration window, the mean over seeds of the
participation (overall and per sector), motivation, pressure and spend per step
averaged over that window of steps, with the smallest and largest seed's value
(PREFIX: only the windows whose label starts with it). A change mid-run (e.g.
``push.incentive`` to 0, as the page's *Withdraw incentives* button does) is applied
at that step, as moving a live lever in the page does.
"""

from __future__ import annotations

import json
import sys

import numpy as np
import pandas as pd

from sim.config import load_scenario
from sim.model import PushPullModel

SIZE = 300
COLUMNS = (
    "intrinsic_motivation",
    "extrinsic_pressure",
    "spend",
    "incentive_spend",
    "accountability_spend",
    "convening_spend",
)
WITHDRAW_80 = (80, "push.incentive", 0.0)
# label: (preset, change mid-run (step, parameter, value) or None, first step, last step,
# and optionally overrides from the start)
WINDOWS = {
    "d1_closed_org_push@71-80": ("closed_org_push", None, 71, 80),
    "d1_multi_sector_push@71-80": ("multi_sector_push", None, 71, 80),
    "d1_baseline@71-80": ("baseline", None, 71, 80),
    "d2_imposed_vision@111-120": ("imposed_vision", None, 111, 120),
    "d2_co_created_vision@111-120": ("co_created_vision", None, 111, 120),
    "d2_co_created_vision@271-300": ("co_created_vision", None, 271, 300),
    "d2_co_created_few_voices@271-300": ("co_created_few_voices", None, 271, 300),
    "d3_multi_sector_push_withdraw80@151-160": ("multi_sector_push", WITHDRAW_80, 151, 160),
    "d3_hybrid_withdraw80@71-80": ("hybrid", WITHDRAW_80, 71, 80),
    "d3_hybrid_withdraw80@151-160": ("hybrid", WITHDRAW_80, 151, 160),
    "d3_push_then_withdraw@101-150": ("push_then_withdraw", None, 101, 150),
    "d3_push_then_withdraw@201-300": ("push_then_withdraw", None, 201, 300),
    "d3_baseline@201-300": ("baseline", None, 201, 300),
    "d4_baseline@111-120": ("baseline", None, 111, 120),
    "d4_mutual_accountability@111-120": ("mutual_accountability", None, 111, 120),
    "d4_imposed_rules@111-120": ("imposed_rules", None, 111, 120),
    "d4_multi_sector_push@111-120": ("multi_sector_push", None, 111, 120),
    "d4_baseline@271-300": ("baseline", None, 271, 300),
    "d4_mutual_accountability@271-300": ("mutual_accountability", None, 271, 300),
    "d4_imposed_rules@271-300": ("imposed_rules", None, 271, 300),
    "d4_multi_sector_push@271-300": ("multi_sector_push", None, 271, 300),
    "d4_leaders_cascade@271-300": ("leaders_cascade", None, 271, 300),
    "d3x_push_then_withdraw_crowding08@201-300": (
        "push_then_withdraw",
        None,
        201,
        300,
        {"push.crowding_out": 0.8},
    ),
    "d4x_no_peer_sanction@111-120": (
        "mutual_accountability",
        None,
        111,
        120,
        {"accountability.peer_sanction": 0.0},
    ),
    "d4x_no_measurement@111-120": (
        "mutual_accountability",
        None,
        111,
        120,
        {"accountability.measurement": 0.0},
    ),
    "d4x_rules_none@111-120": (
        "mutual_accountability",
        None,
        111,
        120,
        {"accountability.rules": "none"},
    ),
    "d4x_measurement_off_at80@151-160": (
        "mutual_accountability",
        (80, "accountability.measurement", 0.0),
        151,
        160,
    ),
}


def run(preset: str, seed: int, change: tuple | None, overrides: dict) -> pd.DataFrame:
    """One 300-step run of a preset at 300 actors; its metrics, one row per step."""
    base = {"seed": seed, "population.size": SIZE, **overrides}
    model = PushPullModel(load_scenario(preset, base))
    for _ in range(300):
        if change is not None and model.steps == change[0]:
            model.set_parameter(change[1], change[2])
        model.step()
    return model.metrics_frame()


def window_means(frame: pd.DataFrame, first: int, last: int) -> dict[str, float]:
    """Each participation column and :data:`COLUMNS`, averaged over steps first..last."""
    rows = frame[(frame["step"] >= first) & (frame["step"] <= last)]
    columns = [c for c in frame.columns if c.startswith("participation")] + list(COLUMNS)
    return {c: float(rows[c].mean()) for c in columns if c in rows}


def main(seeds: int = 8, out: str = "", prefix: str = "") -> dict[str, dict[str, list[float]]]:
    """Run every window's preset for each seed; print and return mean, min, max."""
    runs: dict[str, pd.DataFrame] = {}
    result = {}
    for label, (preset, change, first, last, *rest) in WINDOWS.items():
        if not label.startswith(prefix):
            continue
        overrides = rest[0] if rest else {}
        values = []
        for seed in range(seeds):
            key = json.dumps([preset, change, overrides, seed])
            if key not in runs:
                runs[key] = run(preset, seed, change, overrides)
            values.append(window_means(runs[key], first, last))
        result[label] = {
            c: [float(f(np.array([v[c] for v in values]))) for f in (np.mean, np.min, np.max)]
            for c in values[0]
        }
        print(label, {c: round(m[0], 3) for c, m in result[label].items()}, flush=True)
    if out:
        with open(out, "w") as handle:
            json.dump(result, handle, indent=1)
    return result


if __name__ == "__main__":
    args = sys.argv[1:]
    main(int(args[0]) if args else 8, *args[1:3])
