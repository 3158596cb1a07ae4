"""Actors: their state as numpy arrays (the truth) and a ``mesa.Agent`` view of each.

Every attribute of every actor lives in one array of :class:`ActorState`, indexed by actor, so a
step updates all actors at once. :class:`Actor` is a real ``mesa.Agent`` (``model.agents`` holds
one per actor) whose read-only properties show that actor's row, for inspection, Mesa tooling
and the browser explorer. Nothing in the hot path touches Actor objects.
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

from sim.config import SOCIAL_TYPES, Scenario
from sim.jit import compiled


@dataclass
class ActorState:
    """Per-actor arrays (length N; ``vision`` is N x K)."""

    sector: np.ndarray  # int code into model.sector_names; actors are sorted by sector
    org: np.ndarray  # global organisation code; contiguous within a sector
    vision: np.ndarray  # point in [0, 1]^K
    intrinsic: np.ndarray  # intrinsic motivation q in [0, 1]
    disposition: np.ndarray  # own interest b in the activity (before any undermining)
    undermining: np.ndarray  # u: share of interest undermined (< 0: crowded in)
    sensitivity: np.ndarray  # sensitivity to external incentives
    effort_offset: np.ndarray  # individual deviation from decision.effort_cost
    voice: np.ndarray  # voice weight (power), lognormal
    habit: np.ndarray  # habit strength in [0, 1]
    ownership: np.ndarray  # ownership of the shared vision in [0, 1]
    champion: np.ndarray  # fixed high motivation
    social_type: np.ndarray  # int code into SOCIAL_TYPES (Fischbacher et al. 2001)
    belief: np.ndarray  # expected share of neighbours acting
    leader: np.ndarray  # leads its organisation (one per organisation)
    acting: np.ndarray  # acted this step
    pressure: np.ndarray  # expected extrinsic pressure X felt this step
    pull: np.ndarray  # pull P felt this step
    alignment: np.ndarray  # alignment with the shared vision (or the mean vision)
    sanction_felt: np.ndarray  # expected peer sanction for not acting
    sanctioners: np.ndarray  # share of neighbours ready to sanction free riding

    @property
    def size(self) -> int:
        """Number of actors."""
        return int(self.sector.size)


def sector_counts(size: int, shares: dict[str, float]) -> np.ndarray:
    """Split ``size`` actors by shares with the largest-remainder method (exact total)."""
    raw = np.array(list(shares.values())) * size
    counts = np.floor(raw).astype(np.int64)
    short = size - counts.sum()
    counts[np.argsort(-(raw - counts), kind="stable")[:short]] += 1
    return counts


def initial_state(scenario: Scenario, rng: np.random.Generator) -> ActorState:
    """Draw the starting population of a scenario (sector traits applied per actor)."""
    pop = scenario.population
    n = pop.size
    counts = sector_counts(n, pop.sectors)
    sector = np.repeat(np.arange(counts.size), counts)
    within = np.arange(n) - np.repeat(np.cumsum(counts) - counts, counts)
    org = sector * pop.orgs_per_sector + within * pop.orgs_per_sector // counts[sector]
    traits = [pop.traits(name) for name in pop.sectors]
    vision = _initial_visions(org, counts.size, pop, rng)
    shift = np.array([t.motivation for t in traits])[sector]
    intrinsic = np.clip(
        rng.normal(scenario.motivation.initial, scenario.motivation.spread, n) + shift, 0, 1
    )
    champion = rng.random(n) < pop.champions
    intrinsic[champion] = 1.0
    sensitivity = np.array([t.incentive_sensitivity for t in traits])[sector]
    voice = np.array([t.voice for t in traits])[sector] * rng.lognormal(
        0.0, pop.voice_inequality, n
    )
    effort = np.array([t.effort_cost for t in traits])[sector] + rng.normal(0.0, 0.1, n)
    # Fresh np.zeros rather than copies of one: zeroed pages are mapped lazily, copies are written.
    return ActorState(
        sector=sector,
        org=org,
        vision=vision,
        intrinsic=intrinsic,
        disposition=intrinsic.copy(),
        undermining=np.zeros(n),
        sensitivity=pop.incentive_sensitivity * sensitivity * rng.lognormal(-0.03125, 0.25, n),
        effort_offset=effort,
        voice=voice,
        habit=np.zeros(n),
        ownership=np.zeros(n),
        champion=champion,
        social_type=_social_types(sector, pop, traits, rng),
        belief=np.full(n, scenario.decision.initial_belief),
        leader=_leaders(org, voice),
        acting=np.zeros(n, dtype=bool),
        pressure=np.zeros(n),
        pull=np.zeros(n),
        alignment=np.zeros(n),
        sanction_felt=np.zeros(n),
        sanctioners=np.zeros(n),
    )


def _social_types(sector, pop, traits, rng) -> np.ndarray:
    """Draw each actor's social-preference type from its sector's mix."""
    mixes = np.array(
        [[(t.social_types or pop.social_types).get(k, 0.0) for k in SOCIAL_TYPES] for t in traits]
    )
    return _type_of_draw(sector, np.cumsum(mixes, axis=1), rng.random(sector.size))


@compiled
def _type_of_draw(sector, cumulative, draws) -> np.ndarray:
    """Type = how many cumulative shares ``draw * total`` reaches (capped at the last type).

    Compiled and row by row: the vectorized form built N x types temporaries.
    """
    n_types = cumulative.shape[1]
    types = np.empty(sector.size, dtype=np.int8)
    for i in range(sector.size):
        row = cumulative[sector[i]]
        scaled = draws[i] * row[n_types - 1]
        reached = 0
        for k in range(n_types):
            reached += scaled >= row[k]
        types[i] = min(reached, n_types - 1)
    return types


def _leaders(org: np.ndarray, voice: np.ndarray) -> np.ndarray:
    """The actor with the loudest voice in each organisation leads it (first one on ties)."""
    return _loudest(org, voice, int(org.max()) + 1)


@compiled
def _loudest(org, voice, n_orgs) -> np.ndarray:
    """One compiled pass instead of sorting by (organisation, -voice)."""
    best = np.full(n_orgs, -1, dtype=np.int64)
    for i in range(org.size):
        if best[org[i]] < 0 or voice[i] > voice[best[org[i]]]:  # strict: the first one wins ties
            best[org[i]] = i
    leader = np.zeros(org.size, dtype=np.bool_)
    for o in range(n_orgs):
        if best[o] >= 0:
            leader[best[o]] = True
    return leader


def _initial_visions(org, n_sectors, pop, rng) -> np.ndarray:
    """Sector centres spread by ``sector_separation``, organisation and individual noise."""
    dims = pop.vision_dims
    if pop.initial_visions == "uniform":  # the classic bounded-confidence start
        return rng.random((org.size, dims))
    centres = 0.5 + pop.sector_separation * (rng.random((n_sectors, dims)) - 0.5)
    n_orgs = n_sectors * pop.orgs_per_sector
    org_centres = np.repeat(centres, pop.orgs_per_sector, axis=0)
    org_centres = org_centres + rng.normal(0.0, pop.vision_spread, (n_orgs, dims))
    return _offset_and_clip(rng.normal(0.0, pop.vision_spread, (org.size, dims)), org_centres, org)


@compiled
def _offset_and_clip(noise, org_centres, org) -> np.ndarray:
    """``clip(org_centres[org] + noise, 0, 1)`` written into ``noise`` (no N x K temporaries)."""
    for i in range(noise.shape[0]):
        for k in range(noise.shape[1]):
            value = org_centres[org[i], k] + noise[i, k]
            noise[i, k] = min(max(value, 0.0), 1.0)
    return noise


class Actor(mesa.Agent):
    """One actor, a view onto row ``index`` of the model's :class:`ActorState`."""

    def __init__(self, model: mesa.Model, index: int) -> None:
        super().__init__(model)
        self.index = int(index)

    @property
    def sector(self) -> str:
        """Name of the actor's sector."""
        return self.model.sector_names[self.model.state.sector[self.index]]

    @property
    def acting(self) -> bool:
        """Whether the actor acted in the last step."""
        return bool(self.model.state.acting[self.index])

    @property
    def intrinsic_motivation(self) -> float:
        """Current intrinsic motivation."""
        return float(self.model.state.intrinsic[self.index])

    @property
    def is_leader(self) -> bool:
        """Whether the actor leads its organisation."""
        return bool(self.model.state.leader[self.index])

    @property
    def social_type(self) -> str:
        """Social-preference type (conditional, free_rider, hump_shaped, other)."""
        return SOCIAL_TYPES[self.model.state.social_type[self.index]]

    @property
    def vision(self) -> np.ndarray:
        """The actor's vision (a copy)."""
        return self.model.state.vision[self.index].copy()

    def step(self) -> None:
        """Actors do not step one by one: the model updates all of them at once."""
        raise NotImplementedError("PushPullModel.step updates every actor at once")
