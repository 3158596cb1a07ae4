"""The explorer's server process: Solara's server, made safe to leave running and to share.

``pushpull viz`` starts ``python -m sim.viz.server PORT HOST``. Before handing over to
Solara's own ``solara run`` this process

* stops when the ``pushpull viz`` that started it is gone, even after a ``kill -9``
  (the kernel's parent-death signal on Linux, and a check of the parent elsewhere);
* serves Solara's asset cache read-only (see :func:`read_only_cdn`);
* drops Solara's samesite-cookie warning, which it prints for every browser session
  on plain http (12 lines each) although nothing is wrong for a local or classroom server.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
import time
import warnings
from pathlib import Path

APP_PATH = Path(__file__).with_name("app.py")
#: Seconds between checks that the parent is still there.
PARENT_POLL = 1.0
#: Seconds the server has to shut down cleanly once its parent is gone.
GRACE = 5.0
PR_SET_PDEATHSIG = 1


def read_only_cdn() -> None:
    """Serve Solara's CDN proxy cache read-only.

    Upstream report (Solara 1.64.1, ``solara/server/cdn_helper.py``, ``get_path``): the CDN
    proxy ``/_solara/cdn/<path>`` deletes the cached folder a request names ("if
    cache_path.is_dir(): shutil.rmtree(cache_path)", kept to migrate an old Windows cache
    layout). So one unauthenticated GET such as
    ``/_solara/cdn/@widgetti/solara-vuetify3-app@5.2.0`` removes the whole app bundle;
    every later page is blank and, offline, it is never fetched again. A request should
    never delete or write anything in the cache; a folder should give 404.

    Here ``pushpull viz`` uses the proxy only with its own complete offline cache, so a
    lookup here serves an existing file below the cache root and nothing else: no
    deletion, no fetching, no writing.
    """
    from solara.server import cdn_helper

    def get_path(base_cache_dir: Path, path: str) -> Path:
        root = Path(base_cache_dir).resolve()
        parts = path.replace("\\", "/").split("/")
        # Solara stores a bare package request ("name@1.0") as "name@1.0/__main.js".
        stored = root.joinpath(*parts, "__main.js") if len(parts) == 1 else root.joinpath(*parts)
        full = stored.resolve()
        if not full.is_relative_to(root) or not full.is_file():
            raise FileNotFoundError(path)  # the proxy answers 404
        return full

    # Patched before solara.server.starlette is imported, which takes get_path from here.
    cdn_helper.get_path = get_path


def quiet_cookie_warning() -> None:
    """Drop Solara's per-session warning about samesite cookies on plain http."""
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")


def stop_with_parent() -> None:
    """Stop this server when the process that started it ends, however it ends."""
    parent = os.getppid()
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL)
        os.kill(os.getpid(), signal.SIGTERM)  # a clean uvicorn shutdown first
        time.sleep(GRACE)
        os._exit(1)

    threading.Thread(target=watch, name="pushpull-parent-watch", daemon=True).start()


def main(argv: list[str] | None = None) -> None:
    """``python -m sim.viz.server PORT HOST``: run the explorer until stopped."""
    port, host = (argv if argv is not None else sys.argv[1:])[:2]
    stop_with_parent()
    quiet_cookie_warning()
    read_only_cdn()
    from sim.run import warm_up

    warm_up()  # compiled kernels loaded (or compiled) before the page is served, not on play
    from solara.__main__ import cli

    args = ["run", str(APP_PATH), "--host", host, "--port", port, "--production", "--no-open"]
    cli(args)


if __name__ == "__main__":
    main()
