"""The experiments engine: declared sweeps, replications, parallel and cluster execution.

Typical use from Python::

    from sim.experiment import load_experiment, make_plan, run_plan
    experiment, text = load_experiment("experiments/push_vs_pull.toml")
    plan = make_plan(experiment, "experiments/push_vs_pull.toml", text)
    run_plan(plan, "out/push-vs-pull", workers=4)
"""

from sim.experiment.errors import ExperimentError
from sim.experiment.spec import Experiment, load_experiment, parse_experiment

__all__ = [
    "Experiment",
    "ExperimentError",
    "load_experiment",
    "make_plan",
    "parse_experiment",
    "run_plan",
]


def __getattr__(name: str):
    # plan/runner import the core model; keep ``import sim.experiment`` light for workers.
    if name == "make_plan":
        from sim.experiment.plan import make_plan

        return make_plan
    if name == "run_plan":
        from sim.experiment.runner import run_plan

        return run_plan
    raise AttributeError(name)
