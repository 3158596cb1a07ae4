"""The sweep / analyze / compare commands: exit codes, one-line errors, nothing written."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from exp_helpers import SMALL_SWEEP, TINY, failing_run, write
from pandas.testing import assert_frame_equal
from typer.testing import CliRunner

from sim.cli import app

runner = CliRunner()

BAD = {
    "unknown parameter": (
        SMALL_SWEEP.replace('"vision.inclusion" = [', '"vision.inclusio" = ['),
        "sweep.parameters: unknown parameter 'vision.inclusio' (did you mean 'vision.inclusion'?)",
    ),
    "empty design": (
        SMALL_SWEEP.replace('"vision.inclusion" = [0.2, 0.5, 0.8]', ""),
        "sweep: empty design",
    ),
    "low above high": (
        SMALL_SWEEP.replace("[0.2, 0.5, 0.8]", "{ low = 0.8, high = 0.2 }"),
        "sweep.parameters: 'vision.inclusion': range with low > high",
    ),
    "bad variant value": (
        SMALL_SWEEP.replace('"push.incentive" = 0.6', '"push.incentive" = -1'),
        "variants.push:",
    ),
    "invalid toml": (SMALL_SWEEP.replace("replications = 2", "replications = "), "invalid TOML"),
    "unknown base": (SMALL_SWEEP.replace("multi_sector_pull", "multi_sector_pul"), "base:"),
    "unknown column": (
        SMALL_SWEEP.replace('"intrinsic_motivation"]', '"intrinsic"]'),
        "output.timeseries: no column 'intrinsic'",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_experiment_is_one_line_exit_2_and_writes_nothing(case, tmp_path, monkeypatch):
    text, expected = BAD[case]
    path = write(tmp_path, text)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["sweep", str(path), "--workers", "1"])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0]
    assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exp.toml"]


def test_missing_experiment_file(tmp_path):
    result = runner.invoke(app, ["sweep", str(tmp_path / "nope.toml")])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and "cannot read" in result.stderr


def test_failed_runs_give_a_summary_and_exit_1(tmp_path, monkeypatch):
    # --workers 1 runs in this process, so the patched run function is the one used.
    monkeypatch.setattr("sim.experiment.worker.execute_run", failing_run)
    path = write(tmp_path, SMALL_SWEEP)
    out = tmp_path / "out"
    result = runner.invoke(app, ["sweep", str(path), "--workers", "1", "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert "12/12 runs done" in result.stderr and "8 ok, 4 failed" in result.stderr
    assert "RuntimeError: injected failure" in result.stderr
    runs = pd.read_parquet(out / "runs.parquet")
    assert runs["status"].value_counts().to_dict() == {"ok": 8, "failed": 4}


def test_changed_experiment_needs_fresh(tmp_path):
    out = tmp_path / "out"
    path = write(tmp_path, SMALL_SWEEP.replace("replications = 2", "replications = 1"))
    assert runner.invoke(app, ["sweep", str(path), "-w", "1", "--out", str(out)]).exit_code == 0
    write(tmp_path, SMALL_SWEEP)
    result = runner.invoke(app, ["sweep", str(path), "-w", "1", "--out", str(out)])
    assert result.exit_code == 2 and "use --fresh" in result.stderr
    assert len(pd.read_parquet(out / "runs.parquet")) == 6  # untouched
    result = runner.invoke(app, ["sweep", str(path), "-w", "1", "--out", str(out), "--fresh"])
    assert result.exit_code == 0, result.output
    assert len(pd.read_parquet(out / "runs.parquet")) == 12


def test_analyze_needs_a_results_directory(tmp_path):
    result = runner.invoke(app, ["analyze", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: {tmp_path}: not a results directory (no manifest.json)"


def test_compare_prints_a_table_and_writes_a_plain_report(tmp_path):
    out = tmp_path / "cmp"
    sets = [
        arg
        for line in TINY.splitlines()
        for arg in ("--set", line.replace('"', "").replace(" ", ""))
    ]
    result = runner.invoke(
        app,
        [
            "compare",
            "multi_sector_push",
            "multi_sector_pull",
            "--replications",
            "3",
            "-w",
            "1",
            "--out",
            str(out),
            *sets,
        ],
    )
    assert result.exit_code == 0, result.output
    # Whole metric names even on a narrow terminal (the CliRunner's is 80 columns).
    assert "multi_sector_push" in result.stdout and "sustained_participation " in result.stdout
    assert "time_to_half_participation " in result.stdout
    report = (out / "report.md").read_text()
    assert "sustained the most participation" in report
    assert "on incentives, convening and accountability per unit of progress" in report
    assert "paid least per unit" in report  # pull's convening is counted, so both cost
    assert (out / "participation.png").stat().st_size > 10_000
    runs = pd.read_parquet(out / "runs.parquet")
    assert runs.groupby("variant").size().to_dict() == {
        "multi_sector_push": 3,
        "multi_sector_pull": 3,
    }


def test_compare_rejects_an_unknown_scenario(tmp_path):
    result = runner.invoke(app, ["compare", "baseline", "no_such", "--out", str(tmp_path / "c")])
    assert result.exit_code == 2 and "no_such: no such scenario" in result.stderr
    assert not (tmp_path / "c").exists()


def test_dry_run_shows_the_plan_and_writes_nothing(tmp_path, monkeypatch):
    path = write(tmp_path, SMALL_SWEEP)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["sweep", str(path), "--dry-run", "-w", "1"])
    assert result.exit_code == 0, result.output
    assert "small: 12 runs = 2 variant(s) x 3 design point(s) x 2 replication(s)" in result.stderr
    assert "variants: push, pull" in result.stdout
    assert "time series kept: participation, intrinsic_motivation" in result.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exp.toml"]


def test_sweep_takes_the_shared_run_options(tmp_path):
    """--set, --steps and --seed mean in sweep what they mean in run; the manifest keeps them."""
    path = write(tmp_path, SMALL_SWEEP)
    out = tmp_path / "out"
    args = ["sweep", str(path), "-w", "1", "--out", str(out), "-q"]
    opts = ["--steps", "6", "--seed", "11", "--set", "push.incentive=0.25"]
    result = runner.invoke(app, [*args, *opts])
    assert result.exit_code == 0, result.output
    assert result.stderr == "" and result.stdout == ""  # --quiet
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["master_seed"] == 11
    for variant in manifest["variants"].values():  # wins over [fixed] and the variants
        assert variant["steps"] == 6 and variant["push.incentive"] == 0.25
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert ts["step"].max() == 6
    # A resume with other options is another experiment: refused, not mixed.
    again = runner.invoke(app, [*args, "--steps", "9"])
    assert again.exit_code == 2 and "use --fresh" in again.stderr


@pytest.mark.parametrize(
    ("opts", "expected"),
    [
        (["--steps", "0"], "error: --steps: "),
        (["--seed", "-2"], "error: --seed -2: must be >= 0"),
        (["--set", "seed=3"], "error: --set seed: runs' seeds come from the master seed"),
        (["--set", "vision.inclusion=0.3"], "error: --set vision.inclusion: swept in"),
        (["--set", "push.incentve=0.3"], "error: --set: push.incentve: unknown parameter"),
    ],
)
def test_sweep_options_name_themselves_in_errors(tmp_path, monkeypatch, opts, expected):
    path = write(tmp_path, SMALL_SWEEP)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["sweep", str(path), "-w", "1", *opts])
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(expected), result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exp.toml"]


def test_sweep_default_output_is_out_and_a_foreign_folder_needs_force(tmp_path, monkeypatch):
    path = write(tmp_path, SMALL_SWEEP.replace("replications = 2", "replications = 1"))
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["sweep", str(path), "-w", "1", "-q"]).exit_code == 0
    assert (tmp_path / "out" / "small" / "manifest.json").exists()
    foreign = tmp_path / "notes"
    foreign.mkdir()
    (foreign / "draft.txt").write_text("mine")
    args = ["sweep", str(path), "-w", "1", "-q", "--out", str(foreign)]
    result = runner.invoke(app, args)
    assert (
        result.exit_code == 2 and "holds no earlier result of experiment 'small'" in result.stderr
    )
    assert sorted(p.name for p in foreign.iterdir()) == ["draft.txt"]
    assert runner.invoke(app, [*args, "--force"]).exit_code == 0
    assert (foreign / "draft.txt").read_text() == "mine"


def test_files_of_the_other_kind_name_their_command(tmp_path):
    scenario = tmp_path / "scen.toml"
    scenario.write_text("steps = 10\n[push]\nincentive = 0.5\n")
    result = runner.invoke(app, ["sweep", str(scenario)])
    assert result.exit_code == 2
    assert (
        "this is a scenario file" in result.stderr and f"pushpull run {scenario}" in result.stderr
    )
    experiment = write(tmp_path, SMALL_SWEEP)
    result = runner.invoke(app, ["run", str(experiment), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "this is an experiment file" in result.stderr
    assert f"pushpull sweep {experiment}" in result.stderr


def test_sobol_design_too_small_or_badly_sized_is_warned(tmp_path, monkeypatch):
    text = SMALL_SWEEP.replace('design = "grid"', 'design = "sobol"\nsamples = 20').replace(
        '"vision.inclusion" = [0.2, 0.5, 0.8]', '"vision.inclusion" = { low = 0.1, high = 0.9 }'
    )
    path = write(tmp_path, text)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["sweep", str(path), "--dry-run", "-w", "1"])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 2
    assert "not a power of two" in warnings[0] and "use 16 or 32" in warnings[0]
    assert "small for Sobol indices" in warnings[1]


def test_export_writes_tidy_csv_for_any_tool(tmp_path):
    path = write(tmp_path, SMALL_SWEEP)
    out = tmp_path / "res"
    assert (
        runner.invoke(app, ["sweep", str(path), "-w", "1", "-q", "--out", str(out)]).exit_code == 0
    )
    result = runner.invoke(app, ["export", str(out), "--format", "csv"])
    assert result.exit_code == 0, result.output
    ts = pd.read_csv(out / "export" / "timeseries.csv")
    runs = pd.read_csv(out / "export" / "runs.csv")
    variants = pd.read_csv(out / "export" / "variants.csv")
    assert list(ts.columns[:7]) == [
        "run_id",
        "variant",
        "point",
        "replication",
        "seed",
        "vision.inclusion",
        "step",
    ]
    # Group by variant and swept value straight away: no join with runs needed.
    means = ts.groupby(["variant", "vision.inclusion"])["participation"].mean()
    assert len(means) == 6
    assert len(runs) == 12 and set(runs["variant"]) == {"push", "pull"}
    assert variants.set_index("variant").loc["push", "push.incentive"] == 0.6
    parquet = runner.invoke(app, ["export", str(out), "-f", "parquet", "-o", str(tmp_path / "p")])
    assert parquet.exit_code == 0
    assert_frame_equal(
        pd.read_parquet(tmp_path / "p" / "timeseries.parquet"), ts, check_dtype=False
    )
    bad = runner.invoke(app, ["export", str(out), "--format", "xls"])
    assert bad.exit_code == 2 and bad.stderr.startswith("error: --format xls: unknown format")
