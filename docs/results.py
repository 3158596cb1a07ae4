"""The results committed for readers, and the numbers the docs quote from them.

    python docs/results.py            # rerun every committed study into results/, analyze it,
                                      # then update the numbers the docs quote
    python docs/results.py --quotes   # only update the quoted numbers from results/
    python docs/results.py --check    # exit 1 if a quoted number differs from results/

The quick start writes into ``out/`` (ignored by git); only this script writes ``results/``.

A number the docs quote from a study is written in the markdown as::

    <!-- quote STUDY VARIANT METRIC FORMAT -->VALUE

for example ``<!-- quote teaching baseline sustained_participation .2f -->0.28``: the mean
of METRIC over the successful runs of VARIANT in ``results/STUDY/runs.parquet``, formatted
with the Python format spec FORMAT. The comment does not show on GitHub. tests/test_docs.py
fails when a VALUE differs from the committed results, and when the committed results differ
from what the model now computes (it reruns the first replication of every variant); both
are fixed by running this script and reviewing the diff of the docs.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
#: Committed study name -> the experiment file that produces it.
STUDIES = {
    "push-vs-pull": "experiments/push_vs_pull.toml",
    "teaching": "experiments/teaching.toml",
}
QUOTE = re.compile(r"<!-- quote (\S+) (\S+) (\S+) (\S+) -->([^\s,;:)]*)")


def documents() -> list[Path]:
    """Every markdown file that may quote results."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def results_dir(study: str) -> Path:
    """Where the committed results of ``study`` live."""
    return ROOT / "results" / study


def quoted_value(study: str, variant: str, metric: str, fmt: str) -> str:
    """The value a quote of ``metric`` for ``variant`` in ``study`` must show."""
    if study not in STUDIES:
        raise KeyError(f"quote of unknown study {study!r}; committed: {', '.join(STUDIES)}")
    runs = pd.read_parquet(results_dir(study) / "runs.parquet")
    ok = runs[(runs["variant"] == variant) & (runs["status"] == "ok")]
    if ok.empty or metric not in ok:
        raise KeyError(f"results/{study} has no {metric!r} for variant {variant!r}")
    return format(float(ok[metric].mean()), fmt)


def render(text: str) -> str:
    """``text`` with every quoted number replaced by its value from the committed results."""

    def replace(match: re.Match) -> str:
        study, variant, metric, fmt, _ = match.groups()
        marker = match.group(0)[: -len(match.group(5))] if match.group(5) else match.group(0)
        return marker + quoted_value(study, variant, metric, fmt)

    return QUOTE.sub(replace, text)


def stale_quotes() -> list[str]:
    """``file: quote ... shows X, results say Y`` for every quoted number that is out of date."""
    problems = []
    for path in documents():
        for match in QUOTE.finditer(path.read_text(encoding="utf-8")):
            study, variant, metric, fmt, shown = match.groups()
            expected = quoted_value(study, variant, metric, fmt)
            if shown != expected:
                problems.append(
                    f"{path.relative_to(ROOT)}: {study} {variant} {metric} shows {shown!r}, "
                    f"results/{study} give {expected!r}"
                )
    return problems


def write_quotes() -> list[Path]:
    """Update every quoted number in place; returns the files that changed."""
    changed = []
    for path in documents():
        text = path.read_text(encoding="utf-8")
        fresh = render(text)
        if fresh != text:
            path.write_text(fresh, encoding="utf-8")
            changed.append(path)
    return changed


def regenerate() -> None:
    """Rerun every committed study from scratch into results/ and analyze it."""
    pushpull = [sys.executable, "-m", "sim.experiment"]
    for study, experiment in STUDIES.items():
        out = str(results_dir(study).relative_to(ROOT))
        sweep = [*pushpull, "sweep", experiment, "--out", out, "--fresh", "--force"]
        subprocess.run(sweep, cwd=ROOT, check=True)
        subprocess.run([*pushpull, "analyze", out, "--quiet"], cwd=ROOT, check=True)


def main(argv: list[str]) -> int:
    """Command-line entry point (see the module docstring)."""
    if "--check" in argv:
        problems = stale_quotes()
        print("\n".join(problems) or "quoted numbers are current")
        return 1 if problems else 0
    if "--quotes" not in argv:
        regenerate()
    for path in write_quotes():
        print(f"updated {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
