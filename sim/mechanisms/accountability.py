"""Accountability without authority: shared measurement, peer sanctions and who wrote the rules.

Partners hold each other to account (Fehr & Gachter 2000, 2002: altruistic punishment sustains
cooperation in public-goods groups without any authority; Ostrom 1990). With shared measurement
``mu = accountability.measurement`` (how visible each contribution is across sectors: the shared
measurement system of collective impact, Kania & Kramer 2011), each neighbour i who acted sees a
neighbour j who did not with probability ``mu`` and sanctions or disapproves with probability

``pi_i = p_type(i) * L_r``

with ``p_type`` 1 for conditional cooperators, 0.5 for hump-shaped and other types and 0 for free
riders (an assumption: punishment comes mostly from cooperators in Fehr & Gachter 2000; the types
are Fischbacher et al. 2001's),
and ``L_r`` the legitimacy of the rules: 0.6 for informal norms (``none``), 0.3 when an authority
imposed them and 0.9 when the partners crafted them (Ostrom, Walker & Gardner 1992; Dal Bo,
Foster & Putterman 2010: the same rule raises cooperation more when chosen than imposed).

Beliefs about others' cooperation still follow one's neighbours only. An alternative in which
shared measurement also made beliefs follow population-wide participation was tried and rejected
by the patterns (pattern-oriented modelling contrasts submodels): it made imposed rules nearly
as effective as self-crafted ones (ratio 1.33 against Ostrom, Walker & Gardner's 85% vs 37%).

The sanction j can expect for not acting next step is
``S_j = lambda * s * mu * mean_{i in N(j)} A_i pi_i`` with ``s = accountability.peer_sanction``
(the sanction when every neighbour sanctions) and ``lambda = push.loss_aversion``. A sanction
regime also feels controlling, as being watched does (Plant & Ryan 1985):
``chi_j = (1 + mu) / 2 * (1.5 - L_r) * z_j`` with ``z_j`` the share of j's neighbours ready to
sanction (the climate of :func:`sim.mechanisms.push.controllingness` for disapproval, which is
social rather than tangible; a regime nobody enforces controls nobody), so self-crafted rules
crowd out less.

Costs, counted in spend: the sanctioners pay ``accountability.sanction_cost`` per unit of
sanction imposed (1:3 in Fehr & Gachter 2002), making contributions visible costs
``accountability.measurement_cost`` per actor and step times ``mu`` (with or without sanctions),
and each rule-making
meeting (every ``accountability.review_every`` steps) costs ``accountability.rules_cost`` per
partner taking part: everybody for co-created rules, the convener's sector for imposed ones.
"""

from __future__ import annotations

import numpy as np

from sim.config import SOCIAL_TYPES
from sim.jit import compiled
from sim.mechanisms.cooperation import CONDITIONAL, FREE_RIDER
from sim.mechanisms.push import controllingness

RULE_LEGITIMACY = {"none": 0.6, "imposed": 0.3, "co_created": 0.9}


def active(measurement: float, peer_sanction: float) -> bool:
    """Whether partners can hold each other to account at all."""
    return measurement > 0.0 and peer_sanction > 0.0


def propensity_by_type(rules: str) -> np.ndarray:
    """Probability that an actor of each social type (indexed by its code), having acted,
    sanctions a free-riding neighbour it sees."""
    by_type = np.full(len(SOCIAL_TYPES), 0.5)
    by_type[CONDITIONAL], by_type[FREE_RIDER] = 1.0, 0.0
    return by_type * RULE_LEGITIMACY[rules]


def sanction_propensity(social_type: np.ndarray, rules: str) -> np.ndarray:
    """:func:`propensity_by_type` of each actor's social type."""
    return propensity_by_type(rules)[social_type]


@compiled
def expected_sanction(
    sanctioners: np.ndarray, measurement: float, peer_sanction: float, loss_aversion: float
) -> np.ndarray:
    """Sanction each actor expects for not acting, from its neighbours' share ``sanctioners``."""
    return loss_aversion * peer_sanction * measurement * sanctioners


def regime_control(measurement: float, rules: str) -> float:
    """How controlling a peer-sanction regime feels."""
    return controllingness("reward", "engagement", measurement, RULE_LEGITIMACY[rules])


def sanction_spend(
    acting: np.ndarray,
    sanctioners: np.ndarray,
    measurement: float,
    peer_sanction: float,
    cost: float,
) -> float:
    """What the sanctioners paid this step for the sanctions they imposed."""
    return sanction_cost(
        float(np.sum(sanctioners, where=~acting)), measurement, peer_sanction, cost
    )


@compiled
def sanction_cost(ready: float, measurement: float, peer_sanction: float, cost: float) -> float:
    """Cost of the sanctions imposed when free riders faced ``ready`` sanctioning neighbours.

    ``ready`` sums, over the actors who did not act, the share of their neighbours ready to
    sanction; a sanction is seen with probability ``measurement`` and has size ``peer_sanction``.
    """
    return cost * (measurement * peer_sanction * ready)


def rules_meeting_size(rules: str, size: int, in_convener: np.ndarray) -> int:
    """How many partners take part in a rule-making meeting."""
    if rules == "co_created":
        return size
    if rules == "imposed":
        return int(np.count_nonzero(in_convener))
    return 0
