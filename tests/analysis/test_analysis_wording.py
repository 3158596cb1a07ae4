"""The plain-language report states what the numbers say, including uncertainty."""

from __future__ import annotations

import math

import pandas as pd

from sim.analysis.wording import plain_sentences

NAN = math.nan


def summary(rows):
    return pd.DataFrame(
        [
            {"variant": v, "metric": m, "n": 10, "mean": mean, "low": low, "high": high}
            for v, m, mean, low, high in rows
        ]
    )


def test_a_clear_winner_retention_and_costs_are_put_in_words():
    table = summary(
        [
            ("push", "sustained_participation", 0.40, 0.38, 0.42),
            ("pull", "sustained_participation", 0.90, 0.88, 0.92),
            ("withdraw", "sustained_participation", 0.10, 0.08, 0.12),
            ("withdraw", "retention", 0.2, 0.15, 0.25),
            ("push", "retention", NAN, NAN, NAN),
            ("pull", "retention", NAN, NAN, NAN),
            ("push", "cost_per_progress", 80.0, 70.0, 90.0),
            ("pull", "cost_per_progress", 0.0, 0.0, 0.0),
            ("withdraw", "cost_per_progress", 140.0, 130.0, 150.0),
            ("push", "progress_total", 100.0, 90.0, 110.0),
            ("pull", "progress_total", 260.0, 250.0, 270.0),
            ("withdraw", "progress_total", 95.0, 85.0, 105.0),
        ]
    )
    text = "\n".join(plain_sentences(table, ["push", "pull", "withdraw"]))
    assert (
        "**pull** sustained the most participation, 50.0 percentage points ahead of push; "
        "the difference is clear." in text
    )
    assert "**withdraw**: after the last policy change, participation kept 20.0%" in text
    assert "**pull**: made 260 units of progress without spending anything" in text
    assert (
        "**pull** made the most progress. Of the scenarios that cost something, **push** "
        "paid least per unit." in text
    )


def test_overlapping_ranges_are_not_called_a_difference():
    table = summary(
        [
            ("a", "sustained_participation", 0.51, 0.45, 0.57),
            ("b", "sustained_participation", 0.50, 0.44, 0.56),
        ]
    )
    text = "\n".join(plain_sentences(table, ["a", "b"]))
    assert "not reliably different" in text
    assert "no 'after' to measure" in text
    assert plain_sentences(table, ["a"]) == []
