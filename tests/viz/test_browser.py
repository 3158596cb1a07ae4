"""The explorer (a Mesa SolaraViz app) in a real browser: renders, steps, plays, reacts
to levers, resets, and keeps browser sessions apart (each its own model and levers).
Drives Debian's chromium through Playwright."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from sim.config import bundled_scenarios, load_scenario
from sim.viz import assets
from sim.viz.screenshots import (
    CHROMIUM_ARGS,
    button,
    choose_preset,
    lever_slider,
    slider_value,
)
from sim.viz.screenshots import wait_text as _wait_text

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="needs Debian's chromium at /usr/bin/chromium: apt-get install -y chromium",
    ),
]
playwright_api = pytest.importorskip("playwright.sync_api")

REPO = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = 90.0


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_ready(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"explorer exited early:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - localhost
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"explorer not ready after {STARTUP_TIMEOUT}s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def explorer_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start ``python -m sim.viz`` on a free port; yield its URL; stop it afterwards."""
    if shutil.which("npm") is None and not assets.cdn_reachable():
        pytest.skip("Solara's front-end assets need npm offline: apt-get install -y npm")
    port = free_port()
    log = tmp_path_factory.mktemp("explorer") / "server.log"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    with log.open("w") as out:
        # Its own session, so the server and its solara child stop together.
        proc = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "sim.viz", "--port", str(port), "--size", "150"],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_ready(url, proc, log)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


STATUS = ".pp-status"
STATUS_RE = re.compile(r"Step (\d+) · participation ([0-9.]+) · incentive ([0-9.]+)")
#: Upper bounds only, generous so that a loaded machine is slower, never failing.
LOAD_TIMEOUT_MS = 120_000


def wait_text(page, css: str, expr: str, arg: object = None) -> None:
    """:func:`sim.viz.screenshots.wait_text` with this module's generous timeout."""
    _wait_text(page, css, expr, arg, timeout=LOAD_TIMEOUT_MS)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """One headless chromium for the module."""
    with playwright_api.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def open_explorer(browser, url: str):
    """A page in a fresh browser context (its own cookies: its own Solara session)."""
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.set_default_timeout(LOAD_TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(url)
    page.wait_for_selector(STATUS, timeout=LOAD_TIMEOUT_MS)
    page.wait_for_selector("img.pp-network", timeout=LOAD_TIMEOUT_MS)
    page.errors = errors
    return page


def status(page) -> tuple[int, float, float]:
    """(step, participation, incentive) read from the status line."""
    match = STATUS_RE.search(page.locator(STATUS).inner_text())
    assert match, page.locator(STATUS).inner_text()
    return int(match.group(1)), float(match.group(2)), float(match.group(3))


def wait_step(page, step: int) -> None:
    """Wait until the status line shows ``step``."""
    wait_text(page, STATUS, "t.startsWith('Step ' + a + ' ')", step)


def image_src(page, css: str) -> str:
    return page.locator(css).get_attribute("src") or ""


def natural_width(page, css: str) -> int:
    return page.locator(css).evaluate("img => img.complete ? img.naturalWidth : 0")


def click_step(page) -> int:
    step = status(page)[0]
    button(page, "Step").click()
    wait_step(page, step + 1)
    return step + 1


def check_renders(page) -> None:
    """The network and the plots are real images."""
    page.wait_for_function("() => document.querySelector('img.pp-timeseries')?.naturalWidth > 0")
    assert natural_width(page, "img.pp-network") > 200
    assert natural_width(page, "img.pp-timeseries") > 200
    assert status(page)[0] == 0


def check_stepping(page) -> None:
    """Stepping changes the step, the participation and the network picture."""
    start = status(page)
    picture = image_src(page, "img.pp-network")
    for _ in range(10):
        click_step(page)
        if status(page)[1] != start[1]:
            break
    assert status(page)[1] != start[1], "participation never changed"
    page.wait_for_function(
        "old => (document.querySelector('img.pp-network')?.src ?? old) !== old", arg=picture
    )


def check_slider(page) -> None:
    """Raise the incentive with the keyboard: the model and the label follow."""
    thumb = lever_slider(page, "Push: incentive")
    thumb.focus()
    for _ in range(4):
        thumb.press("ArrowRight")
    wait_text(page, STATUS, "t.includes(' incentive 0.20 ')")
    assert slider_value(page, "Push: incentive") == 0.2


def check_play(page) -> None:
    """Play draws frames by itself until paused; levers can move while it plays.

    Asserts on steps reached, never on a frame rate: a loaded machine only plays slower.
    """
    before = status(page)[0]
    button(page, "play").click()
    wait_text(page, STATUS, "Number(t.split(' ')[1]) >= a", before + 2)
    thumb = lever_slider(page, "Push: monitoring")
    thumb.focus()
    for _ in range(5):  # each press re-renders the sidebar while frames keep coming
        thumb.press("ArrowLeft")
    moved = status(page)[0]
    wait_text(page, STATUS, "Number(t.split(' ')[1]) >= a", moved + 2)
    button(page, "play").click()
    playwright_api.expect(button(page, "Step")).to_be_enabled(timeout=LOAD_TIMEOUT_MS)
    assert status(page)[0] >= before + 4


def check_withdraw(page) -> None:
    """Withdrawing incentives mid-run sets the model's and the slider's incentive to 0."""
    page.locator(".pp-withdraw").click()
    wait_text(page, STATUS, "t.includes(' incentive 0.00 ')")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.v-slider')].find(s => s.innerText.includes("
        "'Push: incentive'))?.querySelector('[role=slider]')?.getAttribute('aria-valuenow') === '0'"
    )


def check_sessions_apart(page, other) -> None:
    """A second browser session has its own model; neither disturbs the other."""
    step_first = status(page)[0]
    assert status(other)[0] == 0
    click_step(other)
    click_step(other)
    assert status(page)[0] == step_first
    click_step(page)
    assert status(other)[0] == 2
    # The levers are per session too: moving one in the second leaves the first alone.
    thumb = lever_slider(other, "Push: incentive")
    thumb.focus()
    thumb.press("ArrowRight")
    wait_text(other, STATUS, "t.includes(' incentive 0.05 ')")
    time.sleep(0.5)
    assert slider_value(page, "Push: incentive") == 0.0
    assert status(page)[2] == 0.0


def check_preset_and_reset(page) -> None:
    """A preset loads its values into the levers; reset returns to step 0."""
    preset = "multi_sector_push"
    if preset in bundled_scenarios():
        choose_preset(page, preset)
        assert slider_value(page, "Push: incentive") == load_scenario(preset).push.incentive
        assert status(page)[2] == round(load_scenario(preset).push.incentive, 2)
        click_step(page)
    button(page, "Reset").click()
    wait_step(page, 0)


def check_accountability_preset(page) -> None:
    """An accountability preset is offered and loads the accountability levers."""
    preset = "mutual_accountability"
    choose_preset(page, preset)
    acc = load_scenario(preset).accountability
    assert slider_value(page, "Accountability: shared measurement") == acc.measurement
    assert slider_value(page, "Accountability: peer sanction") == acc.peer_sanction
    levers = page.locator(".pp-levers").inner_text()
    assert f"rules {acc.rules}" in levers and "leaders incentive" in levers


def test_explorer_end_to_end(explorer_url: str, browser, tmp_path) -> None:
    page = open_explorer(browser, explorer_url)
    check_renders(page)
    check_stepping(page)
    check_slider(page)
    check_play(page)
    check_withdraw(page)
    other = open_explorer(browser, explorer_url)
    check_sessions_apart(page, other)
    check_preset_and_reset(page)
    assert status(other)[0] == 2  # untouched by the first session's preset and reset
    check_accountability_preset(page)

    shot = tmp_path / "explorer.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 20_000
    assert not page.errors and not other.errors, page.errors + other.errors
    for tab in (page, other):  # Solara shows a render error as a traceback in the page
        assert "Traceback" not in tab.evaluate("() => document.body.innerText")
    other.context.close()
    page.context.close()


# The page's websocket, captured so a test can send what a hostile client could send.
CAPTURE_WEBSOCKET = """
window.__pp = {sockets: [], received: [], session: null};
const NativeWebSocket = window.WebSocket;
window.WebSocket = function (url, protocols) {
  const ws = protocols ? new NativeWebSocket(url, protocols) : new NativeWebSocket(url);
  window.__pp.sockets.push(ws);
  const send = ws.send.bind(ws);
  ws.send = (data) => {
    if (typeof data === 'string') window.__pp.session ??= JSON.parse(data).header.session;
    return send(data);
  };
  ws.addEventListener('message', (e) => {
    const opens = typeof e.data === 'string' && e.data.includes('"comm_open"');
    if (opens) window.__pp.received.push(e.data);
  });
  return ws;
};
window.WebSocket.prototype = NativeWebSocket.prototype;
Object.assign(window.WebSocket, NativeWebSocket);
"""
# Sets the v_model of the newest widget with this label, as the browser does on input.
SEND_VALUE = """([label, value]) => {
  const opened = window.__pp.received.map(JSON.parse).filter(
    m => m.msg_type === 'comm_open' && m.content.data.state.label === label);
  const commId = opened[opened.length - 1].content.comm_id;
  const message = {buffers: [], channel: 'shell', metadata: {}, parent_header: {},
    content: {comm_id: commId, data: {method: 'update', state: {v_model: value}, buffer_paths: []}},
    header: {date: new Date().toISOString(), msg_id: crypto.randomUUID(), msg_type: 'comm_msg',
             session: window.__pp.session, username: '', version: '5.2'}};
  window.__pp.sockets[window.__pp.sockets.length - 1].send(JSON.stringify(message));
}"""


def open_capturing(browser, url: str):
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.add_init_script(CAPTURE_WEBSOCKET)
    page.goto(url)
    page.wait_for_selector(STATUS, timeout=LOAD_TIMEOUT_MS)
    return page


def send_value(page, label: str, value: object) -> None:
    """Send ``value`` for the control labelled ``label`` and let the server answer."""
    page.evaluate(SEND_VALUE, [label, value])
    click_step(page)  # a round trip: the server has handled the message before the step


def test_values_sent_over_the_websocket_are_checked_on_the_server(
    explorer_url: str, browser, tmp_path
) -> None:
    secret = tmp_path / "secret.toml"
    secret.write_text('name = "SECRET-TOKEN-123"\nsteps = "SECRET-TOKEN-123"\n')
    page = open_capturing(browser, explorer_url)
    levers = page.locator(".pp-levers")
    before = levers.inner_text()
    for label, value in [
        ("Preset", str(secret)),  # a path: must never be loaded
        ("Preset", "/etc/passwd"),
        ("Actors (on reset)", 4000),  # above the slider's maximum of 1000
        ("Actors (on reset)", "many"),
        ("Push: incentive", "abc"),  # not a number
        ("Push: incentive", 1e308),
        ("Push: reach", "../../etc"),  # not an option of the select
        ("Play Interval (ms)", "fast"),  # Mesa's own controls too
        ("Use Threads", "yes"),
    ]:
        send_value(page, label, value)
    button(page, "Reset").click()
    wait_step(page, 0)
    text = page.evaluate("() => document.body.innerText")
    assert "SECRET-TOKEN" not in text and "Traceback" not in text and "root:" not in text
    assert levers.inner_text() == before  # no refused value reached the session's state
    assert "preset (defaults)" in page.locator(STATUS).inner_text()
    click_step(page)  # the session still works
    # A legitimate value through the same path is accepted.
    send_value(page, "Push: incentive", 0.5)
    wait_text(page, STATUS, "t.includes(' incentive 0.50 ')")
    page.context.close()


def test_no_request_can_delete_the_cached_assets(explorer_url: str, browser) -> None:
    cache = os.environ.get(assets.CACHE_ENV) or str(assets.default_cache_dir())
    specs = [s for s in assets.required_packages() if (Path(cache) / s).is_dir()]
    for spec in specs:  # a folder of the cache, named by a plain GET
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{explorer_url}_solara/cdn/{spec}", timeout=10)  # noqa: S310
        assert refused.value.code == 404
        assert (Path(cache) / spec).is_dir()
    page = open_capturing(browser, explorer_url)  # later sessions still get a page
    page.wait_for_selector("img.pp-network", timeout=LOAD_TIMEOUT_MS)
    page.context.close()
