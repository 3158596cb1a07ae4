"""The findings checked by ``pushpull validate``, with ids fixed by the project's issues."""

from __future__ import annotations

from sim.validation.findings import (
    DEFFUANT_EPS,
    FREE_CHOICE,
    Arm,
    Finding,
    contagion_estimate,
    crowding_estimate,
    decay_estimate,
    deffuant_estimate,
    peer_punishment_estimate,
    punishment_estimate,
    self_crafted_estimate,
    undermining_estimate,
    verbal_estimate,
    without_authority_estimate,
)

REWARD_STEPS = 100  # rewarded phase before the free-choice period
WITHDRAWN = REWARD_STEPS + 1
INTERESTING = {"motivation.initial": 0.7}  # the studies chose initially interesting tasks
CO_CREATED_VISION = {
    "dialogue.rate": 0.2,
    "dialogue.common_ground_focus": 0.8,
    "vision.mode": "co_created",
    "vision.inclusion": 1.0,
    "vision.clarity": 0.7,
}


def _withdrawal_arms(kind: str, arm: str) -> dict[str, Arm]:
    frame = {**INTERESTING, "steps": REWARD_STEPS + FREE_CHOICE}
    window = (WITHDRAWN, WITHDRAWN + FREE_CHOICE)
    return {
        arm: Arm(
            {**frame, "push.incentive": 0.5, "push.kind": kind, "push.reach": "all"},
            ((WITHDRAWN, (("push.incentive", 0.0),)),),
            window,
        ),
        "control": Arm(frame, (), window),
    }


DEFFUANT = Finding(
    id="deffuant-clusters",
    finding="Bounded-confidence dialogue ends in about floor(1/(2 eps)) major opinion clusters, "
    "one for eps >= 0.3.",
    source="Deffuant, Neau, Amblard & Weisbuch 2000",
    manipulation="one dimension, uniform start, well mixed, 1000 actors, 1500 steps, clusters "
    "read at RMS distance 0.02; confidence eps in " + ", ".join(map(str, DEFFUANT_EPS)),
    metric="largest |mean major clusters - floor(1/(2 eps))| over eps (clusters >= 2% of actors)",
    target="<= 1",
    arms={
        f"eps={eps}": Arm(
            {
                "population.vision_dims": 1,
                "population.initial_visions": "uniform",
                "network.kind": "well_mixed",
                "dialogue.rate": 0.2,
                "dialogue.confidence": eps,
                "population.size": 1000,
                "steps": 1500,
                "metrics.cluster_distance": 0.02,
            }
        )
        for eps in DEFFUANT_EPS
    },
    estimate=deffuant_estimate,
    replications=(10, 3),
)

UNDERMINING = Finding(
    id="undermining-effect",
    finding="A tangible, expected reward for an interesting activity lowers free-choice "
    "engagement once it is withdrawn.",
    source="Deci, Koestner & Ryan 1999 (free-choice d = -0.34 to -0.40)",
    manipulation="interesting activity (motivation.initial 0.7); reward 0.5 for acting, everybody, "
    f"steps 1-{REWARD_STEPS}, then withdrawn; control never rewarded",
    metric=f"per-actor Cohen's d of participation in the {FREE_CHOICE} steps after withdrawal",
    target="-0.55 to -0.20",
    arms=_withdrawal_arms("reward", "rewarded"),
    estimate=undermining_estimate,
)

VERBAL = Finding(
    id="verbal-rewards",
    finding="Verbal, informational rewards (recognition) do not undermine; they raise free-choice "
    "engagement.",
    source="Deci, Koestner & Ryan 1999 (verbal rewards, free-choice d = +0.33)",
    manipulation="as undermining-effect, with recognition (push.kind = recognition) instead of pay",
    metric=f"per-actor Cohen's d of participation in the {FREE_CHOICE} steps after withdrawal",
    target=">= 0",
    arms=_withdrawal_arms("recognition", "recognised"),
    estimate=verbal_estimate,
)

PUNISHMENT = Finding(
    id="punishment-vs-reward",
    finding="Rewards and punishment both raise cooperation; punishment somewhat more.",
    source="Balliet, Mulder & Van Lange 2011 (d = 0.70 punishment vs 0.51 reward)",
    manipulation="incentive 0.25 for everybody as a reward for acting, or as a fine for not "
    "acting, vs none",
    metric="(sanction - none) / (reward - none) of mean participation",
    target="both effects > 0; ratio 1.1 to 2.0",
    arms={
        "none": Arm(),
        "reward": Arm({"push.incentive": 0.25, "push.kind": "reward"}),
        "sanction": Arm({"push.incentive": 0.25, "push.kind": "sanction"}),
    },
    estimate=punishment_estimate,
)

DECAY = Finding(
    id="public-goods-decay",
    finding="Without any lever, contributions to a public good start near half and decay.",
    source="Ledyard 1995; Fehr & Gachter 2000 (no-punishment condition)",
    manipulation="none: the defaults (no push, no vision, no accountability)",
    metric="participation in the last tenth / in the first tenth of the run",
    target="<= 0.5",
    arms={"no_lever": Arm()},
    estimate=decay_estimate,
)

CONTAGION = Finding(
    id="complex-contagion",
    finding="Behaviour that needs reinforcement from several contacts spreads further on "
    "clustered networks than on random networks of the same degree.",
    source="Centola 2010 (54% vs 38% adoption)",
    manipulation="a new practice (nobody acts or expects others to) seeded in one actor's "
    "neighbourhood; clustered (small world) vs random network, same degree; unseeded controls",
    metric="spread (seeded - unseeded participation, last tenth), clustered / random",
    target=">= 1.2",
    arms={
        f"{label}_{start}": Arm({"network.kind": kind}, start=start_kind)
        for label, kind in (("clustered", "small_world"), ("random", "random"))
        for start, start_kind in (("seeded", "neighbourhood"), ("control", "nobody"))
    },
    estimate=contagion_estimate,
)

CROWDING = Finding(
    id="crowding-visible",
    finding="Adding a controlling reward to intrinsically motivated action and withdrawing it "
    "leaves less than never rewarding.",
    source="Frey & Jegen 2001",
    manipulation="co-created vision (dialogue, everybody heard); reward 0.5 for everybody, "
    "withdrawn at step 151, vs the same vision without reward",
    metric="sustained participation (last 20%), vision + withdrawn reward - vision alone",
    target="< 0 (95% CI below 0)",
    arms={
        "vision_reward_withdrawn": Arm(
            {**CO_CREATED_VISION, "push.incentive": 0.5, "push.kind": "reward"},
            ((151, (("push.incentive", 0.0),)),),
        ),
        "vision_only": Arm(CO_CREATED_VISION),
    },
    estimate=crowding_estimate,
)

FINDINGS = [DEFFUANT, UNDERMINING, VERBAL, PUNISHMENT, DECAY, CONTAGION, CROWDING]

MUTUAL = {"accountability.measurement": 1.0, "accountability.peer_sanction": 0.5}

PEER_PUNISHMENT = Finding(
    id="peer-punishment",
    finding="Peer punishment sustains cooperation in public-goods groups where it otherwise "
    "decays.",
    source="Fehr & Gachter 2000 (contributions toward 85-90% with punishment vs 10-20% without)",
    manipulation="contributions fully visible to partners (measurement 1), peer sanction 0.5, "
    "informal rules; vs no accountability",
    metric="participation in the last tenth, with / without peer sanctions",
    target=">= 2",
    arms={"none": Arm(), "peer_sanctions": Arm(MUTUAL)},
    estimate=peer_punishment_estimate,
)

SELF_CRAFTED = Finding(
    id="self-crafted-rules",
    finding="Communication plus self-crafted sanctioning rules achieve far more cooperation than "
    "imposed sanctions.",
    source="Ostrom, Walker & Gardner 1992 (about 85% vs 37% of the optimum); Dal Bo, Foster & "
    "Putterman 2010",
    manipulation="peer sanctions with co-created rules and dialogue (communication) vs the same "
    "sanctions under rules an authority imposed",
    metric="participation in the last tenth, co-created / imposed",
    target=">= 1.5",
    arms={
        "co_created": Arm({**MUTUAL, "accountability.rules": "co_created", "dialogue.rate": 0.2}),
        "imposed": Arm({**MUTUAL, "accountability.rules": "imposed"}),
    },
    estimate=self_crafted_estimate,
)

WITHOUT_AUTHORITY = Finding(
    id="sanctions-without-authority",
    finding="Decentralised sanctions need no authority, so they work across sectors where the "
    "convener's push cannot reach.",
    source="Fehr & Gachter 2002; Ostrom 1990; Kania & Kramer 2011",
    manipulation="five sectors, government convenes with authority over its own sector only: "
    "reward 0.5 there, vs mutual accountability (co-created rules), vs neither",
    metric="mean participation in the four other sectors, accountability - neither",
    target="> 0 (95% CI above 0), while push's effect there is not (its CI reaches 0)",
    arms={
        "none": Arm({"push.convener": "government"}),
        "convener_push": Arm(
            {
                "push.convener": "government",
                "push.reach": "convener",
                "push.incentive": 0.5,
            }
        ),
        "accountability": Arm(
            {
                **MUTUAL,
                "push.convener": "government",
                "accountability.rules": "co_created",
            }
        ),
    },
    estimate=without_authority_estimate,
)

FINDINGS += [PEER_PUNISHMENT, SELF_CRAFTED, WITHOUT_AUTHORITY]
