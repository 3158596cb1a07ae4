"""PRIM boxes for the 'where the answer flips' section: found, and described in plain words."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.study.flips import Box, describe_box, prim_boxes


def test_prim_finds_the_region_where_push_wins_even_with_an_integer_parameter():
    rng = np.random.default_rng(3)
    x = pd.DataFrame(
        {
            "vision.clarity": rng.random(400),
            "steps": rng.integers(300, 900, 400),  # integer column: PRIM pastes fractional limits
        }
    )
    push_wins = (x["vision.clarity"] < 0.3).to_numpy()
    boxes = prim_boxes(x, push_wins)
    assert boxes, "a clear region exists"
    low, high = boxes[0].limits["vision.clarity"]
    assert high < 0.4 and boxes[0].density > 0.8 and boxes[0].coverage >= 0.5


def test_limits_at_the_edge_of_a_range_are_not_described_as_conditions():
    box = Box(
        {"vision.clarity": (0.1, 0.7), "push.crowding_out": (0.002, 0.99)},
        coverage=0.8,
        density=0.9,
        mass=0.3,
        points=120,
    )
    ranges = {"vision.clarity": (0.0, 1.0), "push.crowding_out": (0.0, 1.0)}
    text = describe_box(box, "push", "pull", ranges)
    assert "between 0.1 and 0.7" in text
    assert "crowding" not in text and "push.crowding_out" not in text
    assert "80%" in text and "90%" in text


def test_a_box_of_edge_limits_only_says_no_region_was_found():
    box = Box({"push.crowding_out": (0.002, 0.99)}, 0.6, 0.5, 0.9, 300)
    text = describe_box(box, "push", "pull", {"push.crowding_out": (0.0, 1.0)})
    assert "no region" in text
