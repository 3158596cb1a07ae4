"""Malformed files found by hand (issue 11, items 13 and 14): each is one error line naming
the file and the key, exit 2, before anything is allocated or written."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim import resources
from sim.cli import app

runner = CliRunner()
EXPERIMENT = 'name = "x"\nbase = "baseline"\n[fixed]\n"population.size" = 20\n"steps" = 3\n'


def error_line(result) -> str:
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    return result.stderr


def write(tmp_path: Path, content: str | bytes, name: str = "f.toml") -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        content = content.encode()
    path.write_bytes(content)
    return path


SCENARIOS = {
    "nan share": ("[population]\nsectors = { a = nan, b = 1.0 }\n", "population.sectors: "),
    "inf share": ("[population]\nsectors = { a = inf }\n", "population.sectors: "),
    "overflowing shares": (
        "[population]\nsectors = { a = 1e308, b = 1e308 }\n",
        "population.sectors: ",
    ),
    "tiny cluster distance": ("[metrics]\ncluster_distance = 5e-324\n", "cluster_distance"),
    "deep nesting": ("a = " + "[" * 3000 + "]" * 3000 + "\n", "nested deeper than"),
    "binary": (b"\x00\xff\xfe binary", "not UTF-8 text"),
    "latin-1": ('name = "caf\xe9"\n'.encode("latin-1"), "not UTF-8 text"),
    "5 MB name": ('name = "' + "x" * 5_000_000 + '"\n', "larger than 1000 kB"),
    "500 kB name": ('name = "' + "x" * 500_000 + '"\n', "name: must be 1-100"),
    "300-character name": ('name = "' + "x" * 300 + '"\n', "name: must be 1-100"),
    "quoted steps": ('steps = "100"\n', "steps:"),
}


@pytest.mark.parametrize("case", list(SCENARIOS))
def test_malformed_scenarios(tmp_path, case) -> None:
    content, expected = SCENARIOS[case]
    path = write(tmp_path, content)
    error = error_line(runner.invoke(app, ["run", str(path), "--out", str(tmp_path / "o")]))
    assert error.startswith(f"error: {path}: ") and expected in error
    assert len(error) < 300  # a bad value is echoed cut short
    assert not (tmp_path / "o").exists()


EXPERIMENTS = {
    "variant base not a string": (
        EXPERIMENT + "[variants.x]\nbase = 5\n",
        "variants.x.base: must be a scenario name",
    ),
    "quoted replications": ('replications = "5"\n' + EXPERIMENT, "replications:"),
    "infinite range": (
        EXPERIMENT + '[sweep]\ndesign = "lhs"\nsamples = 4\n[sweep.parameters]\n'
        '"push.budget" = { low = 0, high = inf }\n',
        "finite",
    ),
    "300-character name": (EXPERIMENT.replace('"x"', '"' + "x" * 300 + '"'), "name: must be"),
    "variant name with a slash": (EXPERIMENT + '[variants."a/../b"]\n', "a variant name must"),
}


@pytest.mark.parametrize("case", list(EXPERIMENTS))
def test_malformed_experiments(tmp_path, case) -> None:
    content, expected = EXPERIMENTS[case]
    path = write(tmp_path, content)
    error = error_line(runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "o")]))
    assert error.startswith(f"error: {path}: ") and expected in error
    assert not (tmp_path / "o").exists()


def test_an_endless_file_is_refused_without_reading_it() -> None:
    error = error_line(runner.invoke(app, ["sweep", "/dev/zero", "--dry-run"]))
    assert "/dev/zero: not a regular file" in error


def test_a_huge_file_is_refused(tmp_path) -> None:
    path = write(tmp_path, "# " + "x" * 2_000_000 + "\n")
    assert "larger than" in error_line(runner.invoke(app, ["run", str(path)]))


HUGE_PLANS = {
    "a billion replications": "",
    "a 10^12-point grid": '[sweep]\ndesign = "grid"\n[sweep.parameters]\n'
    '"push.incentive" = { low = 0, high = 1, levels = 1000000 }\n'
    '"vision.inclusion" = { low = 0, high = 1, levels = 1000000 }\n',
    "lhs with 1e9 samples": '[sweep]\ndesign = "lhs"\nsamples = 1000000000\n'
    '[sweep.parameters]\n"push.incentive" = { low = 0, high = 1 }\n',
    "sobol with 2^30 samples": '[sweep]\ndesign = "sobol"\nsamples = 1073741824\n'
    '[sweep.parameters]\n"push.incentive" = { low = 0, high = 1 }\n',
}


@pytest.mark.parametrize("case", list(HUGE_PLANS))
def test_plans_too_big_for_memory_are_refused_with_the_estimate(tmp_path, monkeypatch, case):
    monkeypatch.setattr(resources, "available_memory", lambda: 3_500_000_000)
    top = "replications = 1000000000\n" if "replications" in case else ""
    path = write(tmp_path, top + EXPERIMENT + HUGE_PLANS[case])
    error = error_line(runner.invoke(app, ["sweep", str(path), "--dry-run"]))
    assert "of memory to plan" in error and "is available" in error


def test_a_population_too_big_for_memory_is_refused_with_the_estimate(tmp_path, monkeypatch):
    monkeypatch.setattr(resources, "available_memory", lambda: 3_500_000_000)
    path = write(tmp_path, "[population]\nsize = 10000000\n")
    error = error_line(runner.invoke(app, ["run", str(path), "--out", str(tmp_path / "o")]))
    assert "population.size = 10000000 needs about" in error and "GB" in error
    huge = EXPERIMENT.replace("= 20", "= 10000000")
    error = error_line(runner.invoke(app, ["sweep", str(write(tmp_path, huge)), "--dry-run"]))
    assert "variants.default: population.size = 10000000 needs about" in error


def test_the_run_estimate_is_not_below_what_a_run_uses() -> None:
    import tracemalloc

    from sim.loading import load_scenario
    from sim.run import run_scenario

    scenario = load_scenario(None, {"population.size": 4000, "steps": 5})
    run_scenario(load_scenario(None, {"population.size": 20, "steps": 2}))  # kernels loaded
    tracemalloc.start()  # (numba's cache loads are no part of a run; alone, this test saw them)
    run_scenario(scenario)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak <= resources.run_bytes(scenario)


def test_a_sweep_uses_no_more_workers_than_memory_holds(monkeypatch) -> None:
    from sim.experiment.plan import make_plan
    from sim.experiment.runner import SweepReport, _affordable_workers
    from sim.experiment.spec import parse_experiment

    experiment = {"name": "x", "base": "baseline", "fixed": {"population.size": 1_000_000}}
    plan = make_plan(parse_experiment(experiment, "x.toml"), "x.toml")
    monkeypatch.setattr(resources, "available_memory", lambda: 3_500_000_000)
    report = SweepReport(Path("."), total=1)
    assert _affordable_workers(plan, 8, report) == 2
    assert "8 workers would need about" in report.warnings[0]
    assert _affordable_workers(plan, 1, report) == 1


def test_a_scenario_name_too_long_for_the_file_system_is_one_line(tmp_path) -> None:
    name = "x" * 300  # found by the fuzz test: it raised OSError (File name too long)
    assert "not a usable scenario name or path" in error_line(runner.invoke(app, ["run", name]))
    path = tmp_path / "exp.toml"
    path.write_text(f'base = "{name}"\n')
    error = error_line(runner.invoke(app, ["sweep", str(path), "--dry-run"]))
    assert error.startswith(f"error: {path}: base: ") and "File name too long" in error
