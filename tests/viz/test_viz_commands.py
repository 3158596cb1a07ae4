"""The ``viz`` command wiring (the server itself is exercised by test_browser)."""

from __future__ import annotations

import typer
from typer.testing import CliRunner

from sim.viz import commands


def test_register_adds_viz_command() -> None:
    app = typer.Typer()
    commands.register(app)
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "--port" in result.output


def test_server_command_serves_the_app_on_localhost() -> None:
    argv = commands.server_command(9123)
    assert argv[1:] == ["-m", "sim.viz.server", "9123", "127.0.0.1"]


def test_server_env_passes_preset_and_size() -> None:
    env = commands.server_env(preset="silos", size=120, offline=False)
    assert env["PUSHPULL_VIZ_PRESET"] == "silos"
    assert env["PUSHPULL_VIZ_SIZE"] == "120"
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"
    assert str(commands.APP_PATH.parents[2]) in env["PYTHONPATH"]


def test_viz_rejects_unknown_preset_and_bad_size() -> None:
    app = typer.Typer()
    commands.register(app)
    result = CliRunner().invoke(app, ["--preset", "no_such_preset"])
    assert result.exit_code == 2
    assert "no such preset" in result.output
    result = CliRunner().invoke(app, ["--size", "1"])
    assert result.exit_code == 2
    assert result.output.startswith("error: --size: ")  # the option typed, not population.size
    assert commands.check_start(None, 100) is None
    assert "at most" in commands.check_start(None, 50_000)
