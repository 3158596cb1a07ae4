"""The explorer trusts nothing a browser sends, serves its asset cache read-only, checks
its port first, stays quiet and stops with ``pushpull viz`` (issue 11, items 1-4; issue 12,
item 8). The same attacks over a real websocket are in test_browser."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import warnings
from pathlib import Path

import pytest
import solara
from typer.testing import CliRunner

from sim.config import ConfigError
from sim.viz import app, commands, guard, server
from sim.viz.explorer import MAX_ACTORS, ExplorerModel

REPO = Path(__file__).resolve().parents[2]


def test_only_offered_numbers_pass() -> None:
    assert guard.offered_number(3, 1, 10, integer=True) == 3
    assert guard.offered_number(3.0, 1, 10, integer=True) == 3
    assert guard.offered_number(0.25, 0, 1, integer=False) == 0.25
    for bad in (4000, 3.5, "5", None, True, float("nan"), float("inf"), [1]):
        assert guard.offered_number(bad, 1, 1000, integer=True) is None
    assert guard.offered_number(-0.1, 0, 1, integer=False) is None


def test_only_offered_choices_pass() -> None:
    assert guard.offered_choice("all", ["all", "convener"])
    assert not guard.offered_choice("/etc/passwd", ["all", "convener"])
    assert not guard.offered_choice(True, [1, 2])


def test_the_page_uses_the_checked_controls() -> None:
    assert app.guard is guard
    assert solara.SliderInt is guard.SliderInt and solara.SliderFloat is guard.SliderFloat
    assert solara.Select is guard.Select and solara.Checkbox is guard.Checkbox


def test_a_preset_is_never_a_path(tmp_path) -> None:
    secret = tmp_path / "secret.toml"
    secret.write_text('steps = "SECRET-TOKEN-123"\n')
    for preset in (str(secret), "/etc/passwd", "../experiments/scenarios/baseline"):
        with pytest.raises(ConfigError, match="not a bundled scenario") as refused:
            ExplorerModel(preset)
        assert "SECRET" not in str(refused.value)
    model = app.SessionModel(preset=str(secret), population_size=50)
    assert model.preset == "(defaults)" and "SECRET" not in model.error


def test_the_actor_count_is_capped_on_the_server() -> None:
    with pytest.raises(ConfigError, match=f"at most {MAX_ACTORS} actors"):
        ExplorerModel(population_size=4000)
    model = app.SessionModel(population_size=4000)
    assert model.error and model.state.sector.size <= MAX_ACTORS


def test_the_asset_cache_is_served_read_only(tmp_path, monkeypatch) -> None:
    from solara.server import cdn_helper

    monkeypatch.setattr(cdn_helper, "get_path", cdn_helper.get_path)  # restored afterwards
    bundle = tmp_path / "@widgetti" / "solara-vuetify3-app@5.2.0"
    bundle.mkdir(parents=True)
    (bundle / "app.js").write_text("js")
    (tmp_path / "requirejs@2.3.6").mkdir()
    (tmp_path / "requirejs@2.3.6" / "__main.js").write_text("require")
    server.read_only_cdn()
    assert cdn_helper.get_path(tmp_path, "@widgetti/solara-vuetify3-app@5.2.0/app.js").is_file()
    assert cdn_helper.get_path(tmp_path, "requirejs@2.3.6").name == "__main.js"
    for path in ("@widgetti/solara-vuetify3-app@5.2.0", "../../etc/passwd", "missing@1/x.js"):
        with pytest.raises(FileNotFoundError):
            cdn_helper.get_path(tmp_path, path)
    assert (bundle / "app.js").read_text() == "js"  # nothing deleted, nothing fetched


def test_the_samesite_warning_is_dropped() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        server.quiet_cookie_warning()
        warnings.warn("Cookies with samesite=none require https, but ...", stacklevel=1)
        warnings.warn("anything else", stacklevel=1)
    assert [str(w.message) for w in caught] == ["anything else"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_bad_ports_and_sizes_are_one_line_before_anything_starts() -> None:
    runner = CliRunner()
    viz = __import__("typer").Typer()
    commands.register(viz)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        cases = {
            "99999": "--port 99999: must be from 1 to 65535",
            "-1": "--port -1: must be from 1 to 65535",
            str(port): f"--port {port}: already in use",
        }
        for value, expected in cases.items():
            result = runner.invoke(viz, ["--port", value])
            assert result.exit_code == 2 and result.output.count("\n") == 1
            assert expected in result.output and "explorer:" not in result.output
    result = runner.invoke(viz, ["--size", "0", "--port", str(free_port())])
    assert result.exit_code == 2 and "--size" in result.output  # not ignored
    assert commands.port_problem("127.0.0.1", free_port()) is None


def test_the_server_stops_when_pushpull_viz_is_killed(tmp_path) -> None:
    psutil = pytest.importorskip("psutil")
    port = free_port()
    log = (tmp_path / "viz.log").open("w")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    parent = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "sim.viz", "--port", str(port), "--online", "--size", "60"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        children = []
        while time.monotonic() < deadline and not children:
            children = psutil.Process(parent.pid).children()
            time.sleep(0.2)
        assert children, (tmp_path / "viz.log").read_text()
        _wait_serving(port, deadline)
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        gone, alive = psutil.wait_procs(children, timeout=30)
        assert not alive, "the Solara server outlived pushpull viz"
        with pytest.raises(OSError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)  # noqa: S310
    finally:
        for proc in psutil.Process().children(recursive=True):
            proc.kill()
    text = (tmp_path / "viz.log").read_text()
    assert "samesite" not in text and "Traceback" not in text


def _wait_serving(port: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5):  # noqa: S310
                return  # not "localhost": the request that made Solara warn about cookies
        except OSError:
            time.sleep(0.5)
    raise AssertionError("the explorer never answered")
