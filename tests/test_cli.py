"""The command line: `pushpull run` outputs, --set, `pushpull params`, and bad input."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli import app, parse_sets
from sim.config import PARAMETERS
from sim.loading import ConfigError, load_scenario
from sim.metrics import SUMMARY_KEYS

runner = CliRunner()
SECTORS = list(load_scenario("baseline").population.sectors)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def invoke(*args: str):
    result = runner.invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


@pytest.fixture(scope="module")
def baseline_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cli") / "baseline"
    result = invoke("run", "baseline", "--out", str(out), "--steps", "50", "--quiet")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""  # --quiet
    return out


def test_run_writes_the_four_outputs(baseline_run: Path) -> None:
    names = sorted(p.name for p in baseline_run.iterdir())
    assert names == ["scenario.toml", "summary.json", "timeseries.parquet", "timeseries.png"]


def test_timeseries_has_one_row_per_step_and_the_columns(baseline_run: Path) -> None:
    ts = pd.read_parquet(baseline_run / "timeseries.parquet")
    assert len(ts) == 50
    assert ts["step"].tolist() == list(range(1, 51))
    required = {
        "step",
        "participation",
        "intrinsic_motivation",
        "habit",
        "alignment",
        "ownership",
        "progress",
        "incentive_spend",
        "vision_dispersion",
        "vision_clusters",
    } | {f"participation_{s}" for s in SECTORS}
    assert required <= set(ts.columns)
    assert ts["participation"].between(0, 1).all()


def test_summary_json(baseline_run: Path) -> None:
    summary = json.loads((baseline_run / "summary.json").read_text())
    assert set(SUMMARY_KEYS) | {"seed"} <= set(summary)
    assert summary["seed"] == 0
    assert summary["scenario"] == "baseline"
    assert summary["retention"] is None  # no schedule
    assert 0 <= summary["participation_mean"] <= 1
    assert summary["incentive_spend_total"] == 0
    assert summary["cost_per_progress"] == 0


def test_scenario_toml_reloads_and_reproduces_the_run(baseline_run: Path, tmp_path: Path) -> None:
    path = baseline_run / "scenario.toml"
    text = path.read_text()
    assert text.startswith("#")
    data = tomllib.loads(text)
    assert data["steps"] == 50 and data["name"] == "baseline"
    scenario = load_scenario(path)
    assert scenario == load_scenario("baseline", {"steps": 50})
    again = tmp_path / "again"
    result = invoke("run", str(path), "--out", str(again), "--quiet")
    assert result.exit_code == 0, result.output
    original = (baseline_run / "timeseries.parquet").read_bytes()
    assert (again / "timeseries.parquet").read_bytes() == original


def test_figure_is_a_real_png(baseline_run: Path) -> None:
    data = (baseline_run / "timeseries.png").read_bytes()
    assert data.startswith(PNG_MAGIC)
    assert len(data) > 10_000
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width > 300 and height > 300


def test_set_accepts_toml_numbers_strings_and_lists(tmp_path: Path) -> None:
    out = tmp_path / "set"
    result = invoke(
        "run", "baseline", "--out", str(out), "--quiet", "--steps", "10",
        "--set", "population.size=80",
        "--set", "push.incentive=0.5",
        "--set", "vision.mode=imposed",  # bare word
        "--set", 'push.convener="academia"',  # quoted TOML string
        "--set", 'push.reach=["business", "academia"]',
        "--set", "push.budget=1e3",
        "--seed", "4",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    scenario = load_scenario(out / "scenario.toml")
    assert scenario.population.size == 80
    assert scenario.push.incentive == 0.5
    assert scenario.vision.mode == "imposed"
    assert scenario.push.convener == "academia"
    assert scenario.push.reach == ["business", "academia"]
    assert scenario.push.budget == 1000.0
    assert scenario.seed == 4 and scenario.steps == 10
    summary = json.loads((out / "summary.json").read_text())
    assert summary["seed"] == 4 and summary["incentive_spend_total"] > 0


def test_set_schedule_gives_a_retention(tmp_path: Path) -> None:
    out = tmp_path / "sched"
    schedule = 'schedule=[{step = 16, set = {"push.incentive" = 0.0}}]'
    result = invoke(
        "run", "baseline", "--out", str(out), "--quiet", "--steps", "30",
        "--set", "population.size=80", "--set", "push.incentive=0.5", "--set", schedule,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert isinstance(summary["retention"], float) and summary["retention"] > 0
    ts = pd.read_parquet(out / "timeseries.parquet").set_index("step")
    assert (ts["extrinsic_pressure"].loc[16:] == 0).all()
    assert (ts["extrinsic_pressure"].loc[:15] > 0).all()


def test_run_without_quiet_prints_the_summary(tmp_path: Path) -> None:
    result = invoke(
        "run", "baseline", "--out", str(tmp_path / "loud"), "--steps", "5",
        "--set", "population.size=60",
    )  # fmt: skip
    assert result.exit_code == 0
    assert "participation_mean" in result.stdout
    assert "wrote" in result.stdout


def test_parse_sets() -> None:
    assert parse_sets(["a.b=1", "c=0.5", "d=word", 'e="q"', "f=[1, 2]", "g=true"]) == {
        "a.b": 1,
        "c": 0.5,
        "d": "word",
        "e": "q",
        "f": [1, 2],
        "g": True,
    }
    assert parse_sets(None) == {}
    for bad in ("novalue", "=3"):
        with pytest.raises(ConfigError):
            parse_sets([bad])


def test_params_lists_every_parameter() -> None:
    result = CliRunner(env={"COLUMNS": "300"}).invoke(app, ["params"])
    assert result.exit_code == 0
    for name in PARAMETERS:
        assert name in result.stdout, name
    assert "unlimited" in result.stdout  # push.budget


def test_params_of_a_scenario() -> None:
    result = CliRunner(env={"COLUMNS": "300"}).invoke(
        app, ["params", "closed_org_push", "--format", "table"]
    )
    assert result.exit_code == 0
    assert "parameters of closed_org_push" in result.stdout
    line = next(x for x in result.stdout.splitlines() if "push.incentive" in x)
    assert "0.5" in line


def test_params_piped_is_one_line_per_parameter_with_whole_names() -> None:
    result = CliRunner(env={"COLUMNS": "80"}).invoke(app, ["params"])  # not a terminal
    lines = result.stdout.splitlines()
    assert lines[0].split("\t") == ["parameter", "value", "allowed", "meaning"]
    assert [line.split("\t")[0] for line in lines[1:]] == list(PARAMETERS)
    seed = next(line for line in lines if line.startswith("seed\t"))
    assert seed.split("\t")[2] == "int >= 0"  # not 9.22337e+18


@pytest.mark.parametrize("fmt", ["csv", "json", "markdown"])
def test_params_formats_for_other_tools(fmt: str) -> None:
    result = runner.invoke(app, ["params", "hybrid", "--format", fmt])
    assert result.exit_code == 0, result.output
    if fmt == "json":
        rows = json.loads(result.stdout)
        assert [r["parameter"] for r in rows] == list(PARAMETERS)
        assert next(r for r in rows if r["parameter"] == "steps")["value"] == 300
    elif fmt == "csv":
        frame = pd.read_csv(io.StringIO(result.stdout))
        assert frame["parameter"].tolist() == list(PARAMETERS)
    else:
        assert result.stdout.count("\n") == len(PARAMETERS) + 2
        assert "| population.sector_separation |" in result.stdout


def test_params_rejects_an_unknown_format() -> None:
    result = runner.invoke(app, ["params", "--format", "xml"])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "error: --format xml: unknown format; allowed: table, tsv, csv, json, markdown"
    )


def test_version() -> None:
    result = invoke("--version")
    assert result.exit_code == 0 and result.stdout.startswith("pushpull ")


# -- bad input, through the real console script ---------------------------------------------


def pushpull_command() -> list[str]:
    script = Path(sys.executable).with_name("pushpull")
    if script.exists():
        return [str(script)]
    found = shutil.which("pushpull")
    if found:
        return [found]
    return [sys.executable, "-c", "from sim.cli import main; main()"]


BAD_FILES = {
    "unknown_key": ("[push]\nincentiv = 0.5\n", ["did you mean 'push.incentive'"]),
    "wrong_type": ('steps = "many"\n', ["steps", "'many'"]),
    "out_of_range": ("[dialogue]\nconfidence = 1.5\n", ["dialogue.confidence", "from 0 to 1"]),
    "unknown_convener": ('[push]\nconvener = "banks"\n', ["push.convener", "'banks'"]),
    "unknown_reach": ('[push]\nreach = ["business", "banks"]\n', ["push.reach", "'banks'"]),
    "schedule_beyond_steps": (
        "steps = 20\n[[schedule]]\nstep = 30\nset = { 'push.incentive' = 0.0 }\n",
        ["schedule", "30", "20"],
    ),
    "invalid_toml": ("steps = 20\n[push\nincentive = 0.5\n", ["invalid TOML", "line 2"]),
    "schedule_unknown_key": (
        "steps = 20\n[[schedule]]\nwhen = 3\nset = { 'push.incentive' = 0.0 }\n",
        ["schedule (phase 1): unknown key 'when'", "allowed: step, set"],
    ),
    "experiment_file": (
        'name = "x"\nbase = "baseline"\nreplications = 3\n',
        ["experiment file", "pushpull sweep"],
    ),
}
BAD_ARGS = {
    "set_unknown_key": (["--set", "push.incentiv=0.5"], ["did you mean 'push.incentive'"]),
    "set_wrong_type": (["--set", "steps=abc"], ["steps", "'abc'"]),
    "set_out_of_range": (["--set", "push.monitoring=2"], ["push.monitoring"]),
    "set_unknown_sector": (["--set", "push.convener=banks"], ["push.convener", "'banks'"]),
    "set_without_value": (["--set", "push.incentive"], ["dotted.name=value"]),
    "steps_before_schedule": (["--steps", "100"], ["schedule", "151"]),
    "steps_zero": (["--steps", "0"], ["error: --steps: ", "greater than or equal to 1"]),
    "seed_negative": (["--seed", "-1"], ["error: --seed: ", "allowed: int >= 0"]),
    "steps_not_a_number": (["--steps", "x"], ["run: ", "'--steps'"]),
    "unknown_option": (["--bogus"], ["No such option: --bogus", "run -h)"]),
}


def assert_clean_failure(code: int, stdout: str, stderr: str, out: Path, expected: list[str]):
    assert code == 2, stderr
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr + stdout
    assert lines[0].startswith("error: ")
    for text in expected:
        assert text in lines[0]
    assert not out.exists(), "nothing may be written on bad input"


def run_in_process(args: list[str], out: Path, expected: list[str]) -> None:
    result = runner.invoke(app, args)
    # typer's CliRunner catches exceptions; only a clean SystemExit is acceptable
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert_clean_failure(result.exit_code, result.stdout, result.stderr, out, expected)


def run_as_process(args: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*pushpull_command(), *args], capture_output=True, text=True, cwd=cwd)


def fails_as_process(args: list[str], out: Path, expected: list[str], cwd: Path) -> None:
    result = run_as_process(args, cwd)
    assert_clean_failure(result.returncode, result.stdout, result.stderr, out, expected)


def bad_file(tmp_path: Path, case: str) -> Path:
    path = tmp_path / f"{case}.toml"
    path.write_text(BAD_FILES[case][0])
    return path


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_scenario_file_fails_cleanly(case: str, tmp_path: Path) -> None:
    path, out = bad_file(tmp_path, case), tmp_path / "out"
    run_in_process(
        ["run", str(path), "--out", str(out), "--quiet"], out, [str(path), *BAD_FILES[case][1]]
    )


@pytest.mark.parametrize("case", sorted(BAD_ARGS))
def test_bad_arguments_fail_cleanly(case: str, tmp_path: Path) -> None:
    args, expected = BAD_ARGS[case]
    scenario = "push_then_withdraw" if case == "steps_before_schedule" else "baseline"
    out = tmp_path / "out"
    run_in_process(["run", scenario, "--out", str(out), "--quiet", *args], out, expected)


@pytest.mark.parametrize("case", ["unknown_key", "invalid_toml"])
def test_bad_input_in_a_real_process(case: str, tmp_path: Path) -> None:
    """The installed console script: real exit code and stderr, no traceback, no files."""
    path, out = bad_file(tmp_path, case), tmp_path / "out"
    args = ["run", str(path), "--out", str(out), "--quiet"]
    fails_as_process(args, out, [str(path), *BAD_FILES[case][1]], cwd=tmp_path)
    assert list(tmp_path.iterdir()) == [path]  # not even a default out/ folder


def test_unknown_scenario_name_fails_cleanly(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_in_process(["run", "baselin", "--out", str(out)], out, ["did you mean 'baseline'"])


def test_out_that_is_a_file_fails_cleanly(tmp_path: Path) -> None:
    out = tmp_path / "taken"
    out.write_text("not a folder")
    result = runner.invoke(app, ["run", "baseline", "--out", str(out), "--steps", "3"])
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1 and "not a folder" in result.stderr
    assert out.read_text() == "not a folder"


def test_params_of_an_unknown_scenario_fails_cleanly() -> None:
    result = runner.invoke(app, ["params", "nope"])
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1 and "no such scenario" in result.stderr


def test_bad_schedule_value_fails_cleanly(tmp_path: Path) -> None:
    path = tmp_path / "bad_schedule.toml"
    path.write_text(
        "steps = 10\n[population]\nsize = 50\n"
        "[[schedule]]\nstep = 3\nset = { 'push.incentive' = 9.0 }\n"
    )
    out = tmp_path / "out"
    run_in_process(["run", str(path), "--out", str(out), "--quiet"], out, ["push.incentive"])


# -- conventions shared by every command ------------------------------------------------------


@pytest.mark.parametrize("command", ["run", "params", "sweep", "analyze", "compare", "export"])
def test_every_command_has_short_help(command: str) -> None:
    result = runner.invoke(app, [command, "-h"])
    assert result.exit_code == 0 and "Usage" in result.stdout


def test_shell_completion_is_offered() -> None:
    result = runner.invoke(app, ["--help"])
    assert "--install-completion" in result.stdout


def test_renormalised_sector_shares_are_noted_once(tmp_path: Path) -> None:
    path = tmp_path / "shares.toml"
    path.write_text("steps = 5\n[population]\nsize = 40\nsectors = { a = 2, b = 2 }\n")
    result = run_as_process(["run", str(path), "--out", str(tmp_path / "o"), "--quiet"])
    assert result.returncode == 0, result.stderr
    notes = [line for line in result.stderr.splitlines() if line.startswith("note: ")]
    assert notes == [
        f"note: {path}: population.sectors: shares sum to 4, not 1; used as proportions "
        "(a 0.5, b 0.5)"
    ]


def test_out_into_a_foreign_non_empty_folder_needs_force(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.docx").write_text("precious")
    args = ["run", "baseline", "--out", str(out), "--steps", "3", "--quiet"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "holds no earlier result of a run of baseline" in result.stderr
    assert "--force" in result.stderr and sorted(p.name for p in out.iterdir()) == ["thesis.docx"]
    assert runner.invoke(app, [*args, "--force"]).exit_code == 0
    assert (out / "thesis.docx").read_text() == "precious"
    # An earlier run of the same scenario is simply updated.
    assert runner.invoke(app, args).exit_code == 0
    other = runner.invoke(app, ["run", "hybrid", "--out", str(out), "--steps", "3", "-q"])
    assert other.exit_code == 2 and "a run of hybrid" in other.stderr
