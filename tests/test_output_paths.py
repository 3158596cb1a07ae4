"""Where results go: a scenario's name never escapes the output folder, and an output
folder that cannot be written is one error line before anything is simulated, with
nothing half-written (issue 11, items 6 and 9; issue 12, item 3)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.outputs import OUTPUT_FILES

runner = CliRunner()


def scenario_file(tmp_path: Path, name: str) -> Path:
    path = tmp_path / "s.toml"
    path.write_text(f"name = {name!r}\nsteps = 3\n[population]\nsize = 20\n")
    return path


def one_error_line(result) -> str:
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    return result.stderr


@pytest.mark.parametrize("name", ["/tmp/x/victim", "../../escaped_dir", "", "a" * 300, "a/b"])
def test_a_scenario_name_cannot_choose_where_run_writes(tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "summary.json").write_text("precious")
    name = name.replace("/tmp/x/victim", str(victim))
    error = one_error_line(runner.invoke(app, ["run", str(scenario_file(tmp_path, name)), "-q"]))
    assert "name: must be 1-100 letters" in error
    assert (victim / "summary.json").read_text() == "precious"
    assert not (tmp_path / "out").exists()


def test_a_file_name_that_is_no_scenario_name_still_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "my scenario (v2).toml"
    path.write_text("steps = 3\n[population]\nsize = 20\n")
    assert runner.invoke(app, ["run", str(path), "-q"]).exit_code == 0
    (folder,) = (tmp_path / "out").iterdir()
    assert folder.name.startswith("my_scenario_") and (folder / "summary.json").exists()


def test_an_output_that_is_a_folder_stops_run_before_anything_is_replaced(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    for name in OUTPUT_FILES[:3]:
        (out / name).write_text("earlier result")
    (out / "timeseries.png").mkdir()
    args = ["run", "baseline", "--steps", "3", "--set", "population.size=20", "-q"]
    error = one_error_line(runner.invoke(app, [*args, "--out", str(out)]))
    assert "timeseries.png is a folder" in error
    for name in OUTPUT_FILES[:3]:
        assert (out / name).read_text() == "earlier result"
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUT_FILES)


@pytest.mark.parametrize(
    ("where", "expected"),
    [("file", "is a file, not a folder"), ("file/below", "is a file, so no folder")],
)
@pytest.mark.parametrize(
    "command",
    [
        ["run", "baseline", "--steps", "3"],
        ["sweep", "experiments/push_vs_pull.toml"],
        ["compare", "baseline", "hybrid", "--replications", "1"],
    ],
)
def test_out_at_or_below_a_file_is_one_line_in_every_command(tmp_path, command, where, expected):
    (tmp_path / "file").write_text("mine")
    command = [c if not c.startswith("experiments/") else str(Path.cwd() / c) for c in command]
    result = runner.invoke(app, [*command, "--out", str(tmp_path / where)])
    assert f"--out {tmp_path / where}: " in one_error_line(result)
    assert expected in result.stderr
    assert (tmp_path / "file").read_text() == "mine"


@pytest.mark.skipif(os.geteuid() != 0 and not Path("/proc/1").exists(), reason="Linux /proc")
def test_an_unwritable_place_is_found_before_simulating():
    # /proc refuses new files even to root; a chmod'ed folder would not stop root.
    from sim.outputs import out_dir_problem

    assert "cannot write in /proc" in out_dir_problem(Path("/proc/pushpull-out"))
    result = runner.invoke(app, ["run", "baseline", "--out", "/proc/pushpull-out"])
    assert "cannot write in /proc" in one_error_line(result)


def test_a_full_disk_while_writing_is_one_line_exit_1_and_changes_nothing(tmp_path, monkeypatch):
    import sim.outputs

    out = tmp_path / "out"
    out.mkdir()
    (out / "summary.json").write_text("earlier result")

    class FullDisk:  # the summary is written second: the time series is staged already
        @staticmethod
        def dumps(*args, **kwargs):
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(sim.outputs, "json", FullDisk)
    args = ["run", "baseline", "--steps", "3", "--set", "population.size=20", "-q", "--force"]
    result = runner.invoke(app, [*args, "--out", str(out)])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and "No space left on device" in result.stderr
    assert [p.name for p in out.iterdir()] == ["summary.json"]
    assert (out / "summary.json").read_text() == "earlier result"
