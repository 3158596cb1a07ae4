"""The manifest of a results directory: what was run, by which code, when."""

from __future__ import annotations

import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim import store

if TYPE_CHECKING:
    from sim.experiment.plan import Plan
    from sim.experiment.runner import Schema


def build_manifest(
    plan: Plan, schema: Schema, out_dir: Path, workers: int, scheduler: str | None
) -> dict[str, Any]:
    """The manifest at the start of a session (``finished_at`` and counts come at its end).

    ``started_at`` is kept from an earlier session of the same results, so it is when the
    sweep first started.
    """
    try:
        previous = store.read_manifest(out_dir) or {}
    except ValueError:  # unreadable: the runner found the parts to be this experiment's
        previous = {}
    return {
        "name": plan.experiment.name,
        "fingerprint": plan.fingerprint,
        "experiment_source": plan.source,
        "experiment_file": plan.text,
        "experiment": plan.experiment.model_dump(mode="json"),
        "package_version": package_version(),
        "git_commit": git_commit(),
        "python": platform.python_version(),
        "started_at": previous.get("started_at", now()),
        "session_started_at": now(),
        "finished_at": None,
        "executor": {"scheduler": scheduler, "workers": workers},
        "variants": {v: c.flat() for v, c in plan.configs.items()},
        "design": plan.design.to_json(),
        "master_seed": plan.experiment.seed,
        "seeds": [t.seed for t in plan.tasks],
        "metrics": schema.metrics,
        "timeseries_columns": schema.columns,
        "counts": previous.get("counts", {}),
        # What analyze and compare wrote, with content hashes: --fresh removes only these.
        store.OUTPUTS_KEY: previous.get(store.OUTPUTS_KEY, {}),
    }


def now() -> str:
    """The current UTC time, ISO 8601 to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def package_version() -> str:
    """The installed pushpull version (or the source tree's)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pushpull")
    except PackageNotFoundError:
        import sim

        return str(getattr(sim, "__version__", "unknown"))


def git_commit() -> str | None:
    """The commit of the source tree, when it is a git checkout."""
    root = Path(__file__).resolve().parents[2]
    try:
        out = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None
