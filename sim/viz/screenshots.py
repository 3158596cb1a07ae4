"""Regenerate the screenshots of docs/teaching.md from the real explorer.

``python -m sim.viz.screenshots [OUT_DIR [DEMOS]]`` starts the explorer on a free localhost
port, drives it with headless chromium (Playwright, Debian's ``/usr/bin/chromium``)
through the four classroom demonstrations, and writes palette PNGs (small enough to
keep in the repository) to ``OUT_DIR`` (default ``docs/img``). Needs the test extras
(playwright) and ``apt-get install -y chromium``.
"""

from __future__ import annotations

import io
import json
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from sim.viz.commands import server_command, server_env

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 800}
STEP_RE = re.compile(r"Step (\d+) ")
RENDER_INTERVAL = 10  # steps per Step click; every demonstration step is a multiple of it


def wait_text(page, css: str, expr: str, arg: object = None, timeout: float = 60_000) -> None:
    """Wait until the text ``t`` of the element ``css`` satisfies the JS expression ``expr``.

    ``a`` in ``expr`` is ``arg``. A missing element counts as not yet: after a websocket
    reconnect Solara may re-mount the page, and the element is briefly absent.
    """
    script = (
        f"a => {{ const el = document.querySelector({json.dumps(css)});"
        f" if (!el) return false; const t = el.innerText; return {expr}; }}"
    )
    page.wait_for_function(script, arg=arg, timeout=timeout)


def button(page, name: str):
    """One of SolaraViz's run buttons: ``"Step"``, ``"Reset"``, or ``"play"`` (▶ / ❚❚)."""
    if name == "play":
        return page.get_by_role("button", name=re.compile("^(▶|❚❚)$"))
    return page.get_by_role("button", name=name, exact=True)


def lever_slider(page, label: str):
    """The slider thumb of the lever with this label (its value is ``aria-valuenow``)."""
    return page.locator(".v-slider", has_text=label).get_by_role("slider")


def slider_value(page, label: str) -> float:
    """The value of the lever slider with this label."""
    return float(lever_slider(page, label).get_attribute("aria-valuenow"))


def current_step(page) -> int:
    """The step shown in the status line."""
    return int(STEP_RE.search(page.locator(".pp-status").inner_text()).group(1))


def choose_preset(page, name: str) -> None:
    """Pick a preset in the sidebar's select and wait for the reset model."""
    page.locator(".v-select", has_text="Preset").click()
    page.locator(".v-overlay .v-list-item", has_text=re.compile(f"^{name}$")).click()
    wait_text(page, ".pp-status", "t.endsWith('preset ' + a)", name)
    wait_text(page, ".pp-status", "t.startsWith('Step 0 ')")


def run_to(page, step: int) -> None:
    """Single-step to ``step`` with the *Step* button.

    Not *Play*: on a busy machine a frame takes longer than the play interval, Solara's
    render loop never settles, and the *Pause* click is lost (Solara: "too many renders
    triggered"), so the run would go on past the step wanted.
    """
    while current_step(page) < step:
        before = current_step(page)
        button(page, "Step").click()
        wait_text(page, ".pp-status", "!t.startsWith('Step ' + a + ' ')", before)


def set_render_interval(page, steps: int) -> None:
    """Make each *Step* click advance ``steps`` steps (Mesa's *Render Interval*).

    Drawing a frame costs far more than a step, so on a busy machine the screenshots are
    reached much sooner; the demonstrations' steps are multiples of it.
    """
    thumb = lever_slider(page, "Render Interval")
    thumb.focus()
    while float(thumb.get_attribute("aria-valuenow")) < steps:
        thumb.press("ArrowRight")
    page.evaluate("() => document.activeElement && document.activeElement.blur()")


def save_png(page, path: Path) -> int:
    """Screenshot the viewport as a 256-colour PNG (a third of the size); return bytes."""
    from PIL import Image

    # Let the last frame's images arrive, and take focus and hover off the clicked button.
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.mouse.move(VIEWPORT["width"] - 5, VIEWPORT["height"] - 5)
    time.sleep(1.0)
    raw = page.screenshot()
    image = Image.open(io.BytesIO(raw)).convert("RGB").quantize(colors=256, dither=0)
    image.save(path, optimize=True)
    return path.stat().st_size


def _presets_at_step(page, out: Path, demo: str, presets: tuple[str, ...], step: int) -> list[Path]:
    """Screenshot each preset after running it to ``step``."""
    paths = []
    for preset in presets:
        choose_preset(page, preset)
        run_to(page, step)
        paths.append(out / f"{demo}_{preset}.png")
        save_png(page, paths[-1])
    return paths


def demo_push(page, out: Path) -> list[Path]:
    """Demonstration 1: push inside one organisation versus across sectors."""
    return _presets_at_step(page, out, "demo1", ("closed_org_push", "multi_sector_push"), 80)


def demo_vision(page, out: Path) -> list[Path]:
    """Demonstration 2: an imposed versus a co-created shared vision."""
    return _presets_at_step(page, out, "demo2", ("imposed_vision", "co_created_vision"), 120)


def demo_withdraw(page, out: Path) -> list[Path]:
    """Demonstration 3: withdraw incentives mid-run, with and without a shared vision."""
    paths = []
    for preset in ("multi_sector_push", "hybrid"):
        choose_preset(page, preset)
        run_to(page, 80)
        page.locator(".pp-withdraw").click()
        wait_text(page, ".pp-status", "t.includes(' incentive 0.00 ')")
        run_to(page, 160)
        paths.append(out / f"demo3_withdraw_{preset}.png")
        save_png(page, paths[-1])
    return paths


def demo_accountability(page, out: Path) -> list[Path]:
    """Demonstration 4: partners holding each other to account, co-created or imposed rules."""
    presets = ("baseline", "mutual_accountability", "imposed_rules")
    return _presets_at_step(page, out, "demo4", presets, 120)


DEMOS: tuple[Callable, ...] = (demo_push, demo_vision, demo_withdraw, demo_accountability)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_ready(url: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - localhost
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"explorer at {url} not ready after {timeout}s")


def main(out_dir: str = "docs/img", only: str = "") -> None:
    """Start the explorer, run the demonstrations, write the screenshots.

    Args:
        out_dir: where the PNGs go.
        only: comma-separated demonstration function names (e.g. ``demo_accountability``)
            to run only those; empty runs all.
    """
    from playwright.sync_api import sync_playwright

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    server = subprocess.Popen(server_command(port), env=server_env(size=300))  # noqa: S603
    try:
        _wait_ready(f"http://127.0.0.1:{port}/")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport=VIEWPORT)
            page.goto(f"http://127.0.0.1:{port}/")
            page.wait_for_selector("img.pp-network", timeout=60_000)
            set_render_interval(page, RENDER_INTERVAL)
            chosen = {name.strip() for name in only.split(",") if name.strip()}
            for demo in (d for d in DEMOS if not chosen or d.__name__ in chosen):
                for path in demo(page, out):
                    print(f"{path}: {path.stat().st_size // 1024} KB")
            browser.close()
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:  # a busy server may not stop in time
            server.kill()
            server.wait()


if __name__ == "__main__":
    main(*sys.argv[1:3])
