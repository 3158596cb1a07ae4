"""Batching: consecutive run ids only, shrinking sizes, every run exactly once."""

from __future__ import annotations

from sim.experiment.runner import Schema, guided_batch_size, make_batches
from sim.experiment.worker import Task


class FakePlan:
    class design:  # noqa: N801 - stands in for Plan.design
        points = [{}]
        names: list[str] = []

    class experiment:  # noqa: N801
        class output:  # noqa: N801
            every = 1

    configs = {"v": object()}


def tasks(ids):
    return [Task(i, "v", 0, 0, i) for i in ids]


def test_batches_split_at_gaps_and_cover_every_run_once():
    todo = tasks([0, 1, 2, 5, 6, 7, 8, 20])
    schema = Schema(metrics=[], columns=[], numeric=[])
    batches = list(make_batches(FakePlan, schema, todo, lambda remaining: 3, None))
    ids = [[t.run_id for t in b.tasks] for b in batches]
    assert ids == [[0, 1, 2], [5, 6, 7], [8], [20]]


def test_guided_sizes_shrink_to_one_and_respect_a_fixed_size():
    size = guided_batch_size(workers=2)
    remaining, sizes = 200, []
    while remaining:
        sizes.append(size(remaining))
        remaining -= sizes[-1]
    assert sizes[0] == 16 and sizes[-1] == 1
    assert sizes == sorted(sizes, reverse=True)
    assert guided_batch_size(workers=2, fixed=5)(1000) == 5


def test_only_a_bounded_number_of_batches_is_in_flight():
    from concurrent.futures import ThreadPoolExecutor

    from sim.experiment.executors import _bounded

    submitted, yielded, peak = [0], [0], [0]

    def counting_submit(pool):
        def submit(fn, batch):
            submitted[0] += 1
            peak[0] = max(peak[0], submitted[0] - yielded[0])
            return pool.submit(fn, batch)

        return submit

    with ThreadPoolExecutor(2) as pool:
        results = []
        for batch, result in _bounded(counting_submit(pool), lambda b: b * 2, range(50), 4):
            yielded[0] += 1
            results.append((batch, result))
    assert sorted(results) == [(i, 2 * i) for i in range(50)]
    assert peak[0] <= 4


def test_known_run_times_size_batches_by_work_not_by_count():
    from sim.experiment.batching import BATCH_SECONDS, MAX_FAST_BATCH, MIN_BATCH_SECONDS

    short = guided_batch_size(workers=2)
    short.observe(runs=100, seconds=0.5)  # 5 ms runs
    assert short(100_000) == int(BATCH_SECONDS / 0.005)  # about a second of work
    assert short(30) == int(MIN_BATCH_SECONDS / 0.005)  # no tiny batches at the end
    tiny = guided_batch_size(workers=2)
    tiny.observe(runs=10, seconds=0.0)
    assert tiny(100_000) == MAX_FAST_BATCH
    long = guided_batch_size(workers=2)
    long.observe(runs=2, seconds=20.0)  # 10 s runs: back to the guided sizes
    assert long(1000) == 16 and long(10) == 1
    alone = guided_batch_size(workers=1)
    alone.observe(runs=100, seconds=0.5)
    assert alone(50) == 50  # one worker: no shrinking at the end
