"""Offline front-end assets for the Solara explorer.

Solara's page loads its JavaScript and CSS (the Vuetify app bundle, require.js,
Font Awesome, the grid-layout widget) from a CDN, through a local proxy that
caches what it fetched. On a machine without internet that proxy cannot fetch
anything and the browser shows a blank page. Those files are ordinary npm
packages, so when the CDN is unreachable we fetch the same package versions
from the npm registry (``npm pack``), unpack them into the layout the proxy
cache expects (``<cache>/<name>@<version>/<file>``) and point
``SOLARA_ASSETS_PROXY_CACHE_DIR`` at it. With internet nothing is changed.

The package list is read from the installed Solara (its page template and
widget sources), so a Solara upgrade that bumps a bundle version is picked up;
``FALLBACK_PACKAGES`` is what Solara 1.64.1 requests, used if parsing fails.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
from collections.abc import Iterable, MutableMapping
from pathlib import Path

CACHE_ENV = "SOLARA_ASSETS_PROXY_CACHE_DIR"
CDN_PROBE_URL = "https://cdn.jsdelivr.net/npm/requirejs@2.3.6/require.js"
FORCE_ENV = "PUSHPULL_OFFLINE_ASSETS"
# What solara 1.64.1 with ipyvue 3 requests (verified in headless chromium).
FALLBACK_PACKAGES = (
    "@widgetti/solara-vuetify3-app@5.2.0",
    "requirejs@2.3.6",
    "font-awesome@4.5.0",
    "@widgetti/vue-grid-layout@2.3.13-alpha.2",
)
_MARKER = ".pushpull-complete"
# "{{cdn}}/<name>@<version>/" in the template, "getCdn()}/<name>@<version>/" in widgets.
_SPEC_RE = re.compile(r"(?:\{\{cdn\}\}|getCdn\(\)\})/((?:@[\w.-]+/)?[\w.-]+@\d[\w.+-]*)/")


def default_cache_dir() -> Path:
    """Return the user cache directory for the unpacked assets.

    Honours ``XDG_CACHE_HOME``; otherwise ``~/.cache``.
    """
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pushpull" / "solara-assets"


def _uses_vue3() -> bool:
    """Whether Solara will serve the Vue 3 app bundle (it decides by ipyvue)."""
    try:
        import ipyvue

        return str(ipyvue.__version__).startswith("3")
    except Exception:  # noqa: BLE001 - any import problem means "assume default"
        return True


def required_packages() -> list[str]:
    """List the npm ``name@version`` specs the installed Solara requests.

    Returns:
        Sorted specs, e.g. ``["requirejs@2.3.6", ...]``.
    """
    try:
        import solara

        root = Path(solara.__file__).parent
        sources = [root / "server" / "templates" / "solara.html.j2"]
        sources += sorted((root / "widgets" / "vue").glob("gridlayout*.vue"))
        specs = set()
        for src in sources:
            specs.update(_SPEC_RE.findall(src.read_text(encoding="utf-8")))
        from solara.server import settings

        fa_match = re.match(r"/([^/]+@[^/]+)/", settings.assets.fontawesome_path)
        if fa_match:
            specs.add(fa_match.group(1))
    except Exception:  # noqa: BLE001 - fall back to the known list
        return sorted(FALLBACK_PACKAGES)
    # The template names both the Vue 2 and the Vue 3 bundle; only one is served.
    unused = "@widgetti/solara-vuetify-app@" if _uses_vue3() else "@widgetti/solara-vuetify3-app@"
    specs = {s for s in specs if not s.startswith(unused)}
    return sorted(specs) if specs else sorted(FALLBACK_PACKAGES)


def cdn_reachable(url: str = CDN_PROBE_URL, timeout: float = 3.0) -> bool:
    """Return True if the public CDN answers within ``timeout`` seconds."""
    try:
        request = urllib.request.Request(url, method="HEAD")
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return 200 <= response.status < 400
    except Exception:  # noqa: BLE001 - DNS failure, refused, timeout: all mean offline
        return False


def cache_complete(cache_dir: Path, specs: Iterable[str]) -> bool:
    """Return True if every spec has been fully unpacked into ``cache_dir``."""
    return all((cache_dir / spec / _MARKER).exists() for spec in specs)


def _without_source_maps(member: tarfile.TarInfo, path: str) -> tarfile.TarInfo | None:
    """Tar filter: the safe "data" filter, minus ``*.map`` files.

    Source maps are only read by a browser's developer tools and are about 40% of
    the app bundle's 74 MB.
    """
    if member.name.endswith(".map"):
        return None
    return tarfile.data_filter(member, path)


def _unpack(tarball: Path, target: Path) -> None:
    """Unpack an npm tarball (rooted at ``package/``) atomically into ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".unpack-", dir=target.parent))
    try:
        with tarfile.open(tarball, "r:gz") as archive:
            archive.extractall(staging, filter=_without_source_maps)
        # npm tarballs put everything under one top folder, usually "package/".
        (root,) = [p for p in staging.iterdir() if p.is_dir()]
        (root / _MARKER).write_text("ok\n")
        if target.exists():
            shutil.rmtree(target)
        root.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def fetch_packages(specs: Iterable[str], cache_dir: Path, npm: str = "npm") -> None:
    """Download ``specs`` with ``npm pack`` and unpack them into ``cache_dir``.

    Args:
        specs: npm ``name@version`` strings.
        cache_dir: Proxy cache root; ``<cache_dir>/<spec>/`` receives each package.
        npm: npm executable.

    Raises:
        RuntimeError: If npm is missing or fails.
    """
    missing = [s for s in specs if not (cache_dir / s / _MARKER).exists()]
    if not missing:
        return
    npm_path = shutil.which(npm)
    if npm_path is None:
        raise RuntimeError("npm not found (install it, e.g. `apt-get install -y npm`)")
    with tempfile.TemporaryDirectory(prefix="pushpull-npm-") as tmp:
        proc = subprocess.run(  # noqa: S603 - fixed argv, specs come from solara itself
            [npm_path, "pack", "--silent", *missing],
            cwd=tmp,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"npm pack failed: {proc.stderr.strip()[-500:]}")
        tarballs = sorted(Path(tmp).glob("*.tgz"))
        for spec in missing:
            tarball = _tarball_for(spec, tarballs)
            _unpack(tarball, cache_dir / spec)


def _tarball_for(spec: str, tarballs: list[Path]) -> Path:
    """Find the file ``npm pack`` wrote for ``spec`` (``@a/b@1`` -> ``a-b-1.tgz``)."""
    name, _, version = spec.rpartition("@")
    expected = f"{name.lstrip('@').replace('/', '-')}-{version}.tgz"
    for tarball in tarballs:
        if tarball.name == expected:
            return tarball
    raise RuntimeError(f"npm pack did not produce {expected}")


def prepare_offline_assets(
    env: MutableMapping[str, str] | None = None,
    cache_dir: Path | None = None,
    force: bool | None = None,
) -> Path | None:
    """Make Solara's front-end assets available when the CDN is unreachable.

    Call before Solara's server settings are imported (or pass the ``env`` of
    the subprocess that will run the server).

    Args:
        env: Environment to update; defaults to ``os.environ``.
        cache_dir: Where to unpack; defaults to :func:`default_cache_dir`.
        force: Skip the CDN probe and always use the local cache. Defaults to
            the ``PUSHPULL_OFFLINE_ASSETS=1`` environment variable.

    Returns:
        The cache directory now in use, or None when nothing was changed.
    """
    env = os.environ if env is None else env
    if env.get(CACHE_ENV):
        return None  # the user chose a cache already; respect it
    if force is None:
        force = env.get(FORCE_ENV, "") not in ("", "0")
    if not force and cdn_reachable():
        return None
    cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
    specs = required_packages()
    try:
        fetch_packages(specs, cache_dir)
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        print(
            f"pushpull: CDN unreachable and offline assets unavailable ({exc}); "
            "the page may be blank.",
            file=sys.stderr,
        )
        return None
    env[CACHE_ENV] = str(cache_dir)
    print(f"pushpull: CDN unreachable, serving Solara assets from {cache_dir}", file=sys.stderr)
    return cache_dir
