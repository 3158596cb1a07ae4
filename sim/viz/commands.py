"""The ``pushpull viz`` command: prepare offline assets and start the explorer's server.

The explorer (:mod:`sim.viz.app`) is a Mesa ``SolaraViz`` app served by Solara.

The server runs as a child process (``python -m solara run sim/viz/app.py``) so the
environment it needs (the asset cache, the starting preset) is set before Solara reads
its settings, whatever the parent process has imported already.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import typer

from sim.viz.assets import prepare_offline_assets

APP_PATH = Path(__file__).with_name("app.py")


def server_command(port: int, host: str = "127.0.0.1") -> list[str]:
    """The argv that starts the explorer's Solara server."""
    return [
        sys.executable,
        "-m",
        "solara",
        "run",
        str(APP_PATH),
        "--host",
        host,
        "--port",
        str(port),
        # production: no dev-mode checks page and no auto-reload watcher
        "--production",
        "--no-open",
    ]


def server_env(
    preset: str | None = None, size: int | None = None, offline: bool | None = None
) -> dict[str, str]:
    """The environment for the server process (assets prepared when offline).

    Args:
        preset: starting preset name.
        size: starting number of actors.
        offline: force (True) or skip (False) the offline asset cache; None probes the CDN.
    """
    env = dict(os.environ)
    # Solara's anonymous usage telemetry would try the network at every start.
    env.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    if preset:
        env["PUSHPULL_VIZ_PRESET"] = preset
    if size:
        env["PUSHPULL_VIZ_SIZE"] = str(size)
    if offline is not False:
        prepare_offline_assets(env, force=offline)
    # The child must import this package even when it is run from a source checkout.
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    return env


def serve(
    port: int = 8765,
    host: str = "127.0.0.1",
    preset: str | None = None,
    size: int | None = None,
    offline: bool | None = None,
) -> int:
    """Run the explorer until interrupted; return the server's exit code."""
    env = server_env(preset, size, offline)
    print(f"pushpull explorer: http://{host}:{port}/ (Ctrl-C to stop)", file=sys.stderr)
    proc = subprocess.Popen(server_command(port, host), env=env)  # noqa: S603
    _stop_on_sigterm()
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            return proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait()


def check_start(preset: str | None, size: int | None) -> str | None:
    """Validate the starting preset and size here: the page could only show an error.

    Returns:
        A one-line problem description, or None if the explorer can start.
    """
    # Imported here so that every other ``pushpull`` command starts without loading
    # the model and Mesa just because this command is registered.
    from sim.config import ConfigError, bundled_scenarios, load_scenario
    from sim.viz.explorer import MAX_ACTORS

    if size and size > MAX_ACTORS:
        return f"--size {size}: the explorer draws at most {MAX_ACTORS} actors"
    if preset and preset not in bundled_scenarios():
        return f"--preset {preset}: no such preset; bundled: {', '.join(bundled_scenarios())}"
    try:
        overrides = {"population.size": size} if size else None
        load_scenario(preset, overrides, override_label={"population.size": "--size"})
    except ConfigError as exc:
        return str(exc)
    return None


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _stop_on_sigterm() -> None:
    """Treat SIGTERM like Ctrl-C, so stopping this process also stops the server child."""
    # signal() raises ValueError outside the main thread (e.g. a notebook worker).
    with contextlib.suppress(ValueError):
        signal.signal(signal.SIGTERM, _raise_interrupt)


def register(app: typer.Typer) -> None:
    """Add the ``viz`` command to the pushpull CLI."""

    @app.command("viz")
    def viz(
        port: int = typer.Option(8765, help="Port to serve on (localhost)."),
        host: str = typer.Option(
            "127.0.0.1",
            help="Interface to bind; keep localhost "
            "unless you mean to share the explorer on a network.",
        ),
        preset: str = typer.Option(None, help="Starting preset (a bundled scenario name)."),
        size: int = typer.Option(None, help="Starting number of actors."),
        offline: bool = typer.Option(
            None,
            "--offline/--online",
            help="Force or skip the local asset cache "
            "(default: use it only if the CDN is unreachable).",
        ),
    ) -> None:
        """Open the browser explorer: the actor network, live plots and the levers."""
        problem = check_start(preset, size)
        if problem:
            typer.echo(f"error: {problem}", err=True)
            raise typer.Exit(2)
        raise typer.Exit(serve(port, host, preset, size, offline))
