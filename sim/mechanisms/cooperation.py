"""Cooperation: the collective-action payoff, social-preference types and beliefs.

Acting is a contribution to a public good. It costs the actor its effort ``e_i`` and returns to
the actor only the share ``m = decision.public_return`` of it (the marginal per-capita return of
the voluntary contribution mechanism; ``m = 0.4`` in Fehr & Gachter 2000), while the progress it
makes benefits everybody. The material utility of acting is therefore ``-(1 - m) e_i < 0``:
without other motives everybody free-rides (Ledyard 1995).

Actors differ in social preference, as measured with the strategy method by Fischbacher,
Gachter & Fehr (2001): about half are *conditional cooperators* who contribute the more the more
they expect others to, about a third *free riders* who never condition on others, 14% are
*hump-shaped* (conditional up to about half, less beyond) and the rest follow no clear pattern
(here: half as conditional). Their reciprocity utility is

``R_i = rho * phi_type(B_i)`` with ``phi`` = B (conditional), min(B, 1 - B) (hump-shaped),
0 (free rider), B / 2 (other), ``rho = decision.reciprocity``,

and ``B_i`` i's belief about the share of others who act. Beliefs follow what one sees of one's
neighbours, ``B_i' = B_i + beta (n_i - B_i)`` with ``beta = decision.belief_rate``, starting from
``decision.initial_belief``. Because reciprocators match what they expect imperfectly and free
riders never contribute, contributions fall round after round without a lever (Fischbacher &
Gachter 2010: imperfect conditional cooperation explains the decay).
"""

from __future__ import annotations

import numpy as np

from sim.config import SOCIAL_TYPES
from sim.jit import compiled

CONDITIONAL, FREE_RIDER, HUMP_SHAPED, OTHER = range(len(SOCIAL_TYPES))  # codes in SOCIAL_TYPES


@compiled
def material_cost(effort: np.ndarray, public_return: float) -> np.ndarray:
    """The net private cost of acting: effort less one's own share of its return."""
    return (1.0 - public_return) * effort


# phi_type(B) = LINEAR[type] * B + HUMP[type] * min(B, 1 - B): B (conditional), B / 2 (other),
# min(B, 1 - B) (hump-shaped), 0 (free rider); the terms weighted 0 add exact zeros
LINEAR = np.zeros(len(SOCIAL_TYPES))
LINEAR[CONDITIONAL], LINEAR[OTHER] = 1.0, 0.5
HUMP = np.zeros(len(SOCIAL_TYPES))
HUMP[HUMP_SHAPED] = 1.0


@compiled
def reciprocity_of(kind: int, expected: float, weight: float) -> float:
    """Reciprocity utility of acting for one actor of type ``kind`` expecting ``expected``.

    The response of every type is one expression weighted by type (:data:`LINEAR`,
    :data:`HUMP`), not a branch on the type: types are mixed at random, and a branch on them
    was mispredicted about every other actor (the step's sums 1.1 -> 0.9 ms at 100,000 actors).
    """
    hump = min(expected, 1.0 - expected)
    return weight * (LINEAR[kind] * expected + HUMP[kind] * hump)


@compiled
def reciprocity(social_type: np.ndarray, belief: np.ndarray, weight: float) -> np.ndarray:
    """:func:`reciprocity_of` every actor, given its type and belief."""
    out = np.empty(belief.size)
    for i in range(belief.size):
        out[i] = reciprocity_of(social_type[i], belief[i], weight)
    return out


@compiled
def update_beliefs(belief: np.ndarray, neighbours_acting: np.ndarray, rate: float) -> np.ndarray:
    """Beliefs move toward the observed share of neighbours acting."""
    return belief + rate * (neighbours_acting - belief)
