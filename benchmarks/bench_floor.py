"""The least work a step of the slowest scenario must do at 100,000 actors, kernel by kernel.

Usage::

    python benchmarks/bench_floor.py [--scenario mutual_accountability] [--size 100000]

Issue 10 asks for >= 20 M agent-steps/s at 100,000 actors on one core in every bundled
scenario, that is a whole step in 5 ms, *and* the same numbers for the same seed. This script
asks whether that budget can hold at all for one scenario: it builds the scenario at the given
size, steps it 30 steps (so visions, choices and sanctions are mid-run), then times alone, on
the model's own arrays, each piece of work that any implementation giving the same numbers
has to do every step, with the fastest kernel at hand (best of 5 x 30 calls):

* the random numbers: one uniform per actor for the choice, and at least one per speaker and
  one per partner of this step's dialogues (the fewest any way of drawing speakers can use),
  drawn as the model draws them (:func:`sim.pcg64.uniforms`, numpy's PCG64 stream);
* the conversations: each speaker reads its partner's vision and compares their perceived
  distance with the confidence (:func:`sim.mechanisms.dialogue._agreeing_pairs`, which sorts
  the differences only for the rare pairs at the threshold), and the pairs that agree
  move (:func:`sim.mechanisms.dialogue.move_agreeing`);
* without a shared vision, the alignment of every actor with the mean vision, which moves
  whenever dialogue moves a vision (the mean, then one ``exp`` per actor; stored, and its mean
  is a reported column, so no approximation gives the same numbers);
* without a shared vision, the alignment of every actor who acted with the mean vision of
  those who acted (progress; with a shared vision the stored alignments serve);
* under a peer-sanction regime, one floating-point sum over every tie of who stands ready to
  sanction (a sum of non-integers in tie order: no carried count reproduces it to the bit;
  timed as :func:`sim.network.csr_mean`, one sum where the model makes two);
* rewriting the state every actor carries from one step to the next (intrinsic motivation,
  undermining, habit, belief, pull, pressure, expected sanction, share of sanctioners,
  participation): one fused pass that reads and writes these arrays, nothing else.

The choice's own ``exp`` is left out (the model decides the choices from an estimate of the
logistic and calls ``exp`` for about 2 actors in 10^6: :func:`sim.mechanisms.decision.choose`),
as are the realignment of moved visions under a shared vision, the share of
neighbours acting (carried as counts), the metrics and the costs: the sum printed is a floor,
not an estimate. If it exceeds the budget, no implementation giving the same numbers with
these kernels reaches the target on this machine (``exp`` is :func:`sim.exact_exp.exp`,
glibc's to the last bit, several at a time).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from bench_model import load, shortened  # noqa: E402

from sim import loop, network, pcg64  # noqa: E402
from sim.config import load_scenario  # noqa: E402
from sim.jit import compiled  # noqa: E402
from sim.mechanisms import dialogue, vision  # noqa: E402
from sim.model import PushPullModel, _bytes  # noqa: E402

TARGET_RATE = 20e6  # agent-steps/s at 100,000 actors (issue 10)
WARM_STEPS = 30


def mean_row(points: np.ndarray) -> np.ndarray:
    """Mean of the rows of ``points``, summed in row order (as the model sums it)."""
    return vision.weighted_sum(points, vision.UNWEIGHTED, vision.EVERYONE)[0] / points.shape[0]


@compiled
def rewrite_state(a, b, c, d, e, f, g, h, flags):
    """Read and write every per-actor array a step carries over (one fused pass)."""
    for i in range(a.size):
        a[i] = a[i] * 0.5 + b[i]
        b[i] = b[i] * 0.5 + c[i]
        c[i] = c[i] * 0.5 + d[i]
        d[i] = d[i] * 0.5 + e[i]
        e[i] = e[i] * 0.5 + f[i]
        f[i] = f[i] * 0.5 + g[i]
        g[i] = g[i] * 0.5 + h[i]
        h[i] = h[i] * 0.5 + a[i]
        flags[i] = a[i] > b[i]


def best_ms(work, calls: int = 30, rounds: int = 5) -> float:
    """Best over ``rounds`` of the mean milliseconds of ``calls`` calls of ``work``."""
    work()
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(calls):
            work()
        best = min(best, (time.perf_counter() - started) / calls * 1e3)
    return best


def mid_run_model(scenario: str, size: int) -> PushPullModel:
    """The scenario at ``size`` actors after :data:`WARM_STEPS` steps (kernels loaded first)."""
    PushPullModel(shortened(load_scenario(scenario, {"population.size": 50}), 2)).advance(2)
    model = PushPullModel(shortened(load_scenario(scenario, {"population.size": size}), 100))
    model.advance(WARM_STEPS)
    return model


def floor_pieces(model: PushPullModel) -> list[tuple[str, float]]:
    """(what, milliseconds) for every piece of the floor (see the module docstring)."""
    actors = loop.Actors(*(_bytes(getattr(model.state, f)) for f in loop.Actors._fields))
    fixed, seg = model._fixed, model._segment
    rng = np.random.default_rng(1)
    pieces = _dialogue_pieces(actors, fixed, seg, rng) + _vision_pieces(actors, seg)
    if seg.levers.accountable:
        pieces.append(
            (
                f"one float sum over every tie ({fixed.indices.size:,} ties)",
                lambda: network.csr_mean(fixed.walk, actors.pull),
            )
        )
    state = [getattr(actors, f).copy() for f in ("intrinsic", "undermining", "habit", "belief",
                                                 "pull", "pressure", "sanction_felt",
                                                 "sanctioners")]  # fmt: skip
    flags = actors.acting.copy()
    pieces.append(("rewrite the state carried over (9 arrays, one pass)",
                   lambda: rewrite_state(*state, flags)))  # fmt: skip
    return [(name, best_ms(work)) for name, work in pieces]


def _dialogue_pieces(actors, fixed, seg, rng) -> list[tuple[str, object]]:
    """This step's random numbers; the conversations and the moves of agreeing pairs."""
    n = actors.intrinsic.size
    speakers = np.flatnonzero(rng.random(n) < seg.talk_rate)
    stream = pcg64.state_of(rng)
    partners = dialogue.draw_neighbours(fixed.indptr, fixed.indices, fixed.well_mixed, n,
                                        speakers, rng, stream)  # fmt: skip
    count = n + 2 * speakers.size
    pieces = [(f"random numbers ({count:,} uniforms)",
               lambda: pcg64.uniforms(rng, stream, count))]  # fmt: skip
    if seg.talk_rate <= 0:
        return pieces
    visions, moved = actors.vision.copy(), np.empty(2 * n, dtype=np.int64)
    agree = dialogue._agreeing_pairs(visions, speakers, partners, seg.talk_confidence,
                                     seg.talk_weights, fixed.delta[:0])[0]  # fmt: skip
    pieces.append((f"conversations ({speakers.size:,})",
                   lambda: dialogue._agreeing_pairs(visions, speakers, partners,
                                                    seg.talk_confidence, seg.talk_weights,
                                                    fixed.delta[:0])))  # fmt: skip
    pieces.append(
        (
            f"moves of the pairs that agree ({int(agree.sum()):,})",
            lambda: dialogue.move_agreeing(
                visions, speakers, partners, agree, seg.talk_convergence, fixed.delta, moved
            ),
        )
    )
    return pieces


def _vision_pieces(actors, seg) -> list[tuple[str, object]]:
    """The alignments a step must recompute: with the mean visions if none is shared."""
    if seg.vision_mode != vision.NONE:
        return []  # only the moved visions are realigned: left out
    out = np.empty(actors.intrinsic.size)
    acted = np.flatnonzero(actors.acting)
    centre = mean_row(actors.vision[acted])  # the mean vision of those who acted
    pieces = [
        (f"alignment of those who acted ({acted.size:,}) with their mean vision",
         lambda: vision.realign(actors.vision, acted, out, centre, seg.tolerance)),
    ]  # fmt: skip
    if seg.talk_rate > 0 and seg.talk_convergence > 0:  # the mean vision moves every step
        pieces.insert(0, (
            "alignment with the moving mean vision (the mean, one exp an actor)",
            lambda: vision.alignment(actors.vision, mean_row(actors.vision), seg.tolerance),
        ))  # fmt: skip
    return pieces


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="mutual_accountability")
    parser.add_argument("--size", type=int, default=100_000)
    args = parser.parse_args()
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    model = mid_run_model(args.scenario, args.size)
    budget = args.size / TARGET_RATE * 1e3
    pieces = floor_pieces(model)
    started = time.perf_counter()
    model.advance(30)
    step_ms = (time.perf_counter() - started) / 30 * 1e3
    print(f"# {args.scenario}, {args.size:,} actors, one core, load average {load()}")
    print("| work every step must do (same numbers) | ms, best of 5 x 30 |\n|---|---:|")
    for name, ms in pieces:
        print(f"| {name} | {ms:.3f} |")
    floor = sum(ms for _, ms in pieces)
    print(f"| **floor (sum)** | **{floor:.2f}** |")
    print(f"| budget for {TARGET_RATE / 1e6:.0f} M agent-steps/s | {budget:.2f} |")
    print(f"| the model's whole step now (mean of 30 steps) | {step_ms:.2f} |")
    verdict = "exceeds" if floor > budget else "fits within"
    print(
        f"\nThe floor {verdict} the budget: {args.size / floor * 1e-3:.1f} M agent-steps/s "
        f"at most with the same numbers (the model now: {args.size / step_ms * 1e-3:.1f} M)."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
