"""The ``pushpull viz`` command: prepare offline assets and start the explorer's server.

The explorer (:mod:`sim.viz.app`) is a Mesa ``SolaraViz`` app served by Solara.

The server runs as a child process (:mod:`sim.viz.server`, which runs ``solara run
sim/viz/app.py``) so the environment it needs (the asset cache, the starting preset) is
set before Solara reads its settings, whatever the parent process has imported already.
The child stops when this process ends, however it ends.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import typer

from sim.viz.assets import CACHE_ENV, prepare_offline_assets

APP_PATH = Path(__file__).with_name("app.py")


def server_command(port: int, host: str = "127.0.0.1") -> list[str]:
    """The argv that starts the explorer's Solara server (see :mod:`sim.viz.server`)."""
    return [sys.executable, "-m", "sim.viz.server", str(port), host]


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
    if size is not None:
        env["PUSHPULL_VIZ_SIZE"] = str(size)
    cache = prepare_offline_assets(env, force=offline) if offline is not False else None
    if cache is None and not env.get(CACHE_ENV):
        # Online, the browser loads the assets from the CDN itself: no proxy, so no request
        # to this server can touch a cache (see sim.viz.server.read_only_cdn).
        env["SOLARA_ASSETS_PROXY"] = "False"
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

    if size is not None and size > MAX_ACTORS:
        return f"--size {size}: the explorer draws at most {MAX_ACTORS} actors"
    if preset and preset not in bundled_scenarios():
        return f"--preset {preset}: no such preset; bundled: {', '.join(bundled_scenarios())}"
    try:
        overrides = {"population.size": size} if size is not None else None
        load_scenario(preset, overrides, override_label={"population.size": "--size"})
    except ConfigError as exc:
        return str(exc)
    return None


def port_problem(host: str, port: int) -> str | None:
    """Why the explorer cannot listen on ``host:port`` (one line), or None.

    Checked before the banner and the server start, so a busy port is one error line
    instead of a banner followed by the server's own traceback.
    """
    if not 1 <= port <= 65535:
        return f"--port {port}: must be from 1 to 65535"
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (socket.gaierror, UnicodeError) as exc:
        return f"--host {host}: not an address of this machine ({exc})"
    with socket.socket(family, kind, proto) as probe:
        # As the server binds: SO_REUSEADDR ignores TIME_WAIT leftovers, not a listener.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno in (98, 48, 10048):  # EADDRINUSE on Linux, macOS, Windows
                return f"--port {port}: already in use on {host}; choose another port"
            return f"--host {host} --port {port}: cannot listen there ({exc.strerror or exc})"
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
        problem = port_problem(host, port) or check_start(preset, size)
        if problem:
            typer.echo(f"error: {problem}", err=True)
            raise typer.Exit(2)
        raise typer.Exit(serve(port, host, preset, size, offline))
