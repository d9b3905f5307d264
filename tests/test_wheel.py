"""The package itself: a wheel installed into a fresh virtual environment outside the repository
serves, /docs and every asset it references included, with no npm and no repository files.

The environment gets the lock's versions from uv's cache (`uv sync --no-install-project` into it,
offline), then the wheel with `uv pip install --offline`, which checks the wheel's own declared
dependencies against what is installed (a missing one would need the network, and fail).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from service_support import build_fixture_release, running_netkg

ROOT = Path(__file__).resolve().parent.parent


def uv(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    found = shutil.which("uv")
    assert found, "uv is not on PATH: scripts/setup.sh installs it"
    result = subprocess.run(
        [found, *map(str, args)],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_an_installed_wheel_serves_docs_and_assets_without_the_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PYTHONPATH", raising=False)  # the processes must not see the repository
    uv("build", "--wheel", "--offline", "--out-dir", tmp_path / "wheel", cwd=ROOT)
    [wheel] = (tmp_path / "wheel").glob("netkg-*.whl")
    venv = tmp_path / "venv"
    uv("venv", "--offline", "--quiet", "--python", sys.executable, venv, cwd=tmp_path)
    uv(
        "sync",
        "--project",
        ROOT,
        "--frozen",
        "--no-dev",
        "--no-install-project",
        "--offline",
        "--quiet",
        cwd=tmp_path,
        env={"UV_PROJECT_ENVIRONMENT": str(venv), "VIRTUAL_ENV": str(venv)},
    )
    uv(
        "pip",
        "install",
        "--offline",
        "--quiet",
        "--python",
        venv / "bin" / "python",
        wheel,
        cwd=tmp_path,
    )
    where = subprocess.run(
        [venv / "bin" / "python", "-c", "import netkg; print(netkg.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(where).is_relative_to(venv), where  # the installed copy, not the repository's

    dist = build_fixture_release(tmp_path / "dist")
    with running_netkg(dist, cwd=tmp_path, netkg=venv / "bin" / "netkg") as base:
        assert httpx.get(base + "/-/health").status_code == 200
        docs = httpx.get(base + "/docs")
        assert docs.status_code == 200 and "/openapi.json" in docs.text
        assets = re.findall(r'(?:src|href)="([^"]+)"', docs.text)
        assert {a.rsplit("/", 1)[-1] for a in assets} >= {
            "swagger-ui-bundle.js",
            "swagger-ui.css",
            "favicon-32x32.png",
        }
        for asset in [*assets, "/openapi.json"]:
            assert asset.startswith("/"), asset  # our own copy, no CDN
            response = httpx.get(base + asset)
            assert response.status_code == 200 and response.content, asset
        bundle = next(a for a in assets if a.endswith("swagger-ui-bundle.js"))
        assert "SwaggerUIBundle" in httpx.get(base + bundle).text
        assert httpx.get(base + "/openapi.json").json()["openapi"].startswith("3.1")
