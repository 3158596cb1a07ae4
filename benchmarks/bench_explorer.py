"""Frames per second of the browser explorer while it plays, measured in headless chromium.

    python benchmarks/bench_explorer.py [--size 300] [--seconds 8]

Starts ``python -m sim.viz`` on a free localhost port, opens the page in Debian's chromium
(Playwright), presses play and counts, over a fixed time, how many model steps were made and how
many distinct network pictures reached the browser. Needs /usr/bin/chromium and, offline, npm.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

from sim.viz.screenshots import CHROMIUM, CHROMIUM_ARGS

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int, size: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim.viz", "--port", str(port), "--size", str(size)],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.time() + 180  # the first start may fetch Solara's assets with npm
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
            return proc
        except OSError:
            time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGKILL)
    raise SystemExit("explorer did not start")


def step_of(page) -> int:
    text = page.locator(".pp-status").inner_text()
    return int(text.split("·")[0].split()[1])


def measure(url: str, seconds: float) -> tuple[int, int]:
    """(steps made, distinct network frames seen) during ``seconds`` of play."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        page.goto(url)
        page.wait_for_selector("img.pp-network", timeout=60_000)
        play = page.get_by_role("button", name="▶")
        first = step_of(page)
        play.click()
        frames, last, end = 0, None, time.time() + seconds
        while time.time() < end:
            src = page.locator("img.pp-network").get_attribute("src")
            if src != last:
                frames, last = frames + 1, src
            time.sleep(0.01)
        steps = step_of(page) - first
        browser.close()
    return steps, frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=8.0)
    args = parser.parse_args()
    port = free_port()
    proc = start_server(port, args.size)
    try:
        steps, frames = measure(f"http://127.0.0.1:{port}/", args.seconds)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    print(f"explorer, {args.size} actors, {args.seconds:g} s of play:")
    print(f"  {steps / args.seconds:.1f} steps/s, {frames / args.seconds:.1f} frames/s drawn")


if __name__ == "__main__":
    main()
