"""Numbers in the docs cannot drift silently from the results they describe.

- Every number quoted with ``<!-- quote STUDY VARIANT METRIC FORMAT -->`` equals the mean in the
  committed ``results/STUDY/runs.parquet`` (docs/results.py explains the marker).
- The committed results are what the current model and experiment files produce: the first
  replication of every variant is rerun and compared to rounding.
- Run counts shown in example output and described in prose match the experiment files.

Fix a failure with ``python docs/results.py`` (rerun the studies, update the quotes) and
review the diff of the docs: a claim in words may need rewording too.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.experiment.plan import make_plan
from sim.experiment.spec import load_experiment
from sim.experiment.worker import Batch, run_batch

ROOT = Path(__file__).resolve().parents[1]
FIX = "regenerate with: python docs/results.py (then review the docs' wording)"


def _load_results_module():
    spec = importlib.util.spec_from_file_location("doc_results", ROOT / "docs" / "results.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


results = _load_results_module()


def test_quoted_numbers_match_the_committed_results() -> None:
    problems = results.stale_quotes()
    assert not problems, "\n".join([*problems, FIX])


def test_the_docs_quote_results_rather_than_type_them() -> None:
    teaching = (ROOT / "docs" / "teaching.md").read_text(encoding="utf-8")
    quoted = {m.group(2) for m in results.QUOTE.finditer(teaching)}
    assert {"co_created_vision", "co_created_few_voices", "push_then_withdraw"} <= quoted


def test_render_replaces_only_the_value() -> None:
    text = "about <!-- quote teaching baseline sustained_participation .2f -->0.99, so"
    value = results.quoted_value("teaching", "baseline", "sustained_participation", ".2f")
    assert results.render(text) == text.replace("0.99", value)


@pytest.mark.parametrize("study", list(results.STUDIES))
def test_committed_results_are_what_the_model_computes(study: str) -> None:
    folder = results.results_dir(study)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    experiment_file = results.STUDIES[study]
    spec, text = load_experiment(ROOT / experiment_file)
    plan = make_plan(spec, experiment_file, text)
    assert manifest["fingerprint"] == plan.fingerprint, (
        f"results/{study} were made from another version of {experiment_file} or its "
        f"scenarios; {FIX}"
    )
    tasks = [t for t in plan.tasks if t.replication == 0 and t.point == 0]
    batch = Batch(
        tasks=tasks,
        configs=plan.configs,
        points=dict(enumerate(plan.design.points)),
        metrics=manifest["metrics"],
        columns=[],
        numeric=[],
        every=1,
        param_names=plan.design.names,
    )
    rerun, _ = run_batch(batch)
    committed = pd.read_parquet(folder / "runs.parquet").set_index("run_id")
    for run_id, row in rerun.set_index("run_id").iterrows():
        for metric in manifest["metrics"]:
            new, was = row[metric], committed.loc[run_id, metric]
            assert np.isclose(new, was, rtol=1e-9, atol=1e-12, equal_nan=True), (
                f"results/{study}: run {run_id} ({row['variant']}) {metric} is now {new!r}, "
                f"committed {was!r}; {FIX}"
            )


HEADLINE = re.compile(
    r"(\S+): (\d+) runs = (\d+) variant\(s\) x (\d+) design point\(s\) x (\d+) replication\(s\)"
)


def _experiments_by_name() -> dict[str, tuple]:
    found = {}
    for path in sorted((ROOT / "experiments").glob("*.toml")):
        if path.name == "study.toml":  # the study's index of questions, not an experiment
            continue
        spec, text = load_experiment(path)
        found[spec.name] = make_plan(spec, str(path), text)
    return found


@pytest.mark.parametrize("doc", ["README.md", "docs/experiments.md"])
def test_example_run_counts_match_the_experiment_files(doc: str) -> None:
    text = (ROOT / doc).read_text(encoding="utf-8")
    plans = _experiments_by_name()
    for match in HEADLINE.finditer(text):
        name, runs, variants, points, reps = match.groups()
        plan = plans[name]
        shown = (int(runs), int(variants), int(points), int(reps))
        actual = (
            len(plan.tasks),
            len(plan.configs),
            len(plan.design.points),
            plan.experiment.replications,
        )
        assert shown == actual, f"{doc}: {match.group(0)!r}; the experiment gives {actual}"
        done = re.search(rf"(\d+)/(\d+) runs done \((\d+) now.*-> out/{name}", text)
        if done:
            assert {int(done.group(1)), int(done.group(2))} == {len(plan.tasks)}, done.group(0)


NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "ten": 10, "twenty": 20}


def test_readme_describes_the_canonical_study_as_it_is() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"(\w+) replications: (\d+) runs\) into `out/push-vs-pull/`", readme)
    assert match, "the quick start no longer describes the canonical study"
    plan = _experiments_by_name()["push-vs-pull"]
    assert NUMBERS[match.group(1)] == plan.experiment.replications
    assert int(match.group(2)) == len(plan.tasks)
