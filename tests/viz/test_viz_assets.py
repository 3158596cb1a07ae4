"""Offline Solara assets: which npm packages, how they are unpacked, when env is touched."""

from __future__ import annotations

import io
import os
import stat
import sys
import tarfile
from pathlib import Path

import pytest

from sim.viz import assets

FAKE_NPM = """#!{python}
# Stand-in for `npm pack SPEC...`: writes SPEC's tarball (package/ prefix) to the cwd.
import io, sys, tarfile
for spec in sys.argv[2:]:
    if spec.startswith("--"):
        continue
    name, _, version = spec.rpartition("@")
    fname = name.lstrip("@").replace("/", "-") + "-" + version + ".tgz"
    with tarfile.open(fname, "w:gz") as tar:
        data = ("/* " + spec + " */").encode()
        info = tarfile.TarInfo("package/dist/main.js")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
"""


@pytest.fixture()
def fake_npm(tmp_path: Path) -> str:
    path = tmp_path / "npm"
    path.write_text(FAKE_NPM.format(python=sys.executable))
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


def test_required_packages_match_installed_solara() -> None:
    specs = assets.required_packages()
    names = {spec.rpartition("@")[0] for spec in specs}
    assert {"requirejs", "font-awesome"} <= names
    # exactly one of the two app bundles, matching ipyvue's major version
    assert len(names & {"@widgetti/solara-vuetify-app", "@widgetti/solara-vuetify3-app"}) == 1
    assert all("@" in spec.lstrip("@") for spec in specs)


def test_default_cache_dir_honours_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert assets.default_cache_dir() == tmp_path / "pushpull" / "solara-assets"


def test_fetch_unpacks_into_proxy_layout(fake_npm: str, tmp_path: Path) -> None:
    specs = ["@widgetti/solara-vuetify3-app@5.2.0", "requirejs@2.3.6"]
    cache = tmp_path / "cache"
    assets.fetch_packages(specs, cache, npm=fake_npm)
    assert (cache / "@widgetti/solara-vuetify3-app@5.2.0/dist/main.js").is_file()
    assert (cache / "requirejs@2.3.6/dist/main.js").read_text() == "/* requirejs@2.3.6 */"
    assert assets.cache_complete(cache, specs)


def test_prepare_sets_env_only_when_offline(
    monkeypatch: pytest.MonkeyPatch, fake_npm: str, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", f"{Path(fake_npm).parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(assets, "cdn_reachable", lambda *a, **k: True)
    env: dict[str, str] = {}
    assert assets.prepare_offline_assets(env, cache_dir=tmp_path / "c") is None
    assert env == {}  # online: nothing changes

    monkeypatch.setattr(assets, "cdn_reachable", lambda *a, **k: False)
    assert assets.prepare_offline_assets(env, cache_dir=tmp_path / "c") == tmp_path / "c"
    assert env[assets.CACHE_ENV] == str(tmp_path / "c")
    assert assets.cache_complete(tmp_path / "c", assets.required_packages())


def test_prepare_respects_a_user_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(assets, "cdn_reachable", lambda *a, **k: False)
    env = {assets.CACHE_ENV: "/somewhere"}
    assert assets.prepare_offline_assets(env) is None
    assert env == {assets.CACHE_ENV: "/somewhere"}


def test_prepare_without_npm_warns(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    env: dict[str, str] = {}
    assert assets.prepare_offline_assets(env, cache_dir=tmp_path / "c", force=True) is None
    assert assets.CACHE_ENV not in env
    assert "npm" in capsys.readouterr().err


def test_unpack_is_safe_against_path_traversal(tmp_path: Path) -> None:
    tarball = tmp_path / "evil.tgz"
    with tarfile.open(tarball, "w:gz") as tar:
        info = tarfile.TarInfo("package/../../escaped.js")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(tarfile.TarError):
        assets._unpack(tarball, tmp_path / "out" / "pkg@1.0.0")
    assert not (tmp_path / "escaped.js").exists()
