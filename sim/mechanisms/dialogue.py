"""Dialogue: bounded-confidence convergence of visions between network neighbours.

Each step a share ``dialogue.rate`` of actors each open a dialogue with one random neighbour
(Deffuant, Neau, Amblard & Weisbuch 2000). The pair's *perceived distance* is an ordered
weighted average (OWA; Yager 1988) of their per-dimension differences sorted from largest to
smallest, ``d = sum_k w_k |v_i - v_j|_(k)``, whose weights are set by
``dialogue.common_ground_focus`` f:

* f = 0: all weight on the largest difference (focus on what separates);
* f = 0.5: equal weights (the mean difference);
* f = 1: all weight on the smallest difference (focus on common elements),

interpolating linearly in between. If ``d < dialogue.confidence`` both move toward each other
by ``mu = dialogue.convergence``: ``v_i' = v_i + mu (v_j - v_i)`` and symmetrically. Moves are
computed from the old visions and summed, so the order of pairs does not matter; visions are
clipped to [0, 1]. With one dimension all foci coincide and the model is Deffuant et al.'s.
Every dialogue held costs ``dialogue.cost`` (time), whether or not the pair converges.
"""

from __future__ import annotations

import numpy as np

from sim.network import Graph, random_neighbours


def owa_weights(dims: int, focus: float) -> np.ndarray:
    """Weights over differences sorted largest first; they sum to 1."""
    uniform = np.full(dims, 1.0 / dims)
    largest = np.zeros(dims)
    largest[0] = 1.0
    smallest = np.zeros(dims)
    smallest[-1] = 1.0
    if focus <= 0.5:
        return (1 - 2 * focus) * largest + 2 * focus * uniform
    return (2 - 2 * focus) * uniform + (2 * focus - 1) * smallest


def perceived_distance(diff: np.ndarray, focus: float) -> np.ndarray:
    """OWA distance of each row of absolute differences ``diff`` (pairs x dims)."""
    ordered = -np.sort(-diff, axis=1)  # largest first
    return ordered @ owa_weights(diff.shape[1], focus)


def dialogue_step(
    vision: np.ndarray,
    graph: Graph,
    rate: float,
    confidence: float,
    convergence: float,
    focus: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, int, int]:
    """One round of dialogues: the new visions, the dialogues held and the converging pairs."""
    n = vision.shape[0]
    if rate <= 0 or n < 2:
        return vision, 0, 0
    speakers = np.flatnonzero(rng.random(n) < rate)
    partners = random_neighbours(graph, speakers, rng)
    valid = partners >= 0
    speakers, partners = speakers[valid], partners[valid]
    held = int(speakers.size)
    gap = vision[partners] - vision[speakers]
    agree = perceived_distance(np.abs(gap), focus) < confidence
    speakers, partners, gap = speakers[agree], partners[agree], gap[agree]
    if speakers.size == 0 or convergence <= 0:
        return vision, held, 0
    # Sum every pair's pull on both partners in one flat bincount (no per-actor loop).
    dims = vision.shape[1]
    cells = np.concatenate([speakers, partners])[:, None] * dims + np.arange(dims)
    pulls = np.concatenate([gap, -gap])
    delta = np.bincount(cells.ravel(), weights=pulls.ravel(), minlength=n * dims)
    delta *= convergence  # in place: at a million actors every temporary costs
    delta += vision.ravel()
    moved = delta.reshape(n, dims)
    np.clip(moved, 0.0, 1.0, out=moved)
    return moved, held, int(speakers.size)
