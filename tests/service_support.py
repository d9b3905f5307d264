"""Helpers for service tests: a fixture release, a real `netkg serve`, a real Oxigraph server.

Import them from a test module in tests/ (pytest puts tests/ on sys.path):

    from service_support import build_fixture_release, running_netkg, running_oxigraph

Everything binds 127.0.0.1 on a free port, and every process started here is stopped by its
context manager, also when the test fails.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import httpx
import pytest

TESTS = Path(__file__).parent
FIXTURE_SOURCE = TESTS / "fixtures" / "service"
"""A small project (ontology/, data/, api/) that builds in well under a second."""

_LOGS: dict[int, IO[bytes]] = {}
"""Output files of the processes started here, by pid."""

VENV_BIN = Path(sys.executable).parent
OXIGRAPH = VENV_BIN / "oxigraph"
NETKG = VENV_BIN / "netkg"


def build_fixture_release(out: Path, source: Path = FIXTURE_SOURCE) -> Path:
    """Build the release of `source` (default: the service fixture) into `out`; return `out`."""
    from netkg.build import build_release

    build_release(source, out)
    return out


def free_port() -> int:
    """A port nothing listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until_ready(url: str, process: subprocess.Popen[bytes], *, deadline: float = 60.0) -> None:
    """Poll `url` until it answers 200; fail with the process's output if it exits first."""
    stop = time.monotonic() + deadline
    while time.monotonic() < stop:
        if process.poll() is not None:
            raise RuntimeError(
                f"process exited with {process.returncode} before {url}:\n{_output(process)}"
            )
        try:
            if httpx.get(url, timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer 200 within {deadline}s")


def _output(process: subprocess.Popen[bytes]) -> str:
    """What a process we started printed (its stdout is a temporary file)."""
    log = _LOGS.get(process.pid)
    if log is None:
        return ""
    log.seek(0)
    return log.read().decode(errors="replace")[-5000:]


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process group we started, then SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


@contextmanager
def running_netkg(
    dist: Path,
    *,
    env: Mapping[str, str] | None = None,
    args: tuple[str, ...] = (),
    cwd: Path | None = None,
    netkg: Path = NETKG,
) -> Iterator[str]:
    """Run a real `netkg serve --dist DIST` on a free port; yield its base URL (no slash).

    Ready once `/-/health` answers 200 (or, before that route exists, `/sparql`).
    `env` adds NETKG_* settings; `args` adds CLI flags; `netkg` is the script to run (e.g. an
    installed wheel's).
    """
    port = free_port()
    environment = {**os.environ, "NETKG_WORKERS": "2", **(env or {})}
    process = subprocess.Popen(
        [
            str(netkg),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--dist",
            str(dist),
            "--log-level",
            "warning",
            *args,
        ],
        env=environment,
        cwd=cwd,
        stdout=(log := tempfile.TemporaryFile()),  # noqa: SIM115 (closed after the process)
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    _LOGS[process.pid] = log
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for_netkg(base, process)
        yield base
    finally:
        stop_process(process)
        _LOGS.pop(process.pid).close()


def _wait_for_netkg(base: str, process: subprocess.Popen[bytes], deadline: float = 90.0) -> None:
    stop = time.monotonic() + deadline
    while time.monotonic() < stop:
        if process.poll() is not None:
            raise RuntimeError(f"netkg serve exited with {process.returncode}:\n{_output(process)}")
        try:
            health = httpx.get(base + "/-/health", timeout=2.0)
            if health.status_code == 200:
                return
            if health.status_code == 404 and httpx.get(base + "/sparql", timeout=2.0).is_success:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"netkg serve at {base} was not ready within {deadline}s")


@contextmanager
def running_oxigraph(dist: Path, workdir: Path, *, timeout_s: int = 30) -> Iterator[str]:
    """Run a real Oxigraph server (from the `oxigraph` package) loaded with the release in
    `dist` by `netkg load --to`; yield its SPARQL query endpoint URL (…/query)."""
    if not OXIGRAPH.exists():
        raise RuntimeError(f"{OXIGRAPH} is missing: `uv sync` installs the oxigraph dev dependency")
    port = free_port()
    location = workdir / f"oxigraph-{port}"
    location.mkdir(parents=True)
    process = subprocess.Popen(
        [
            str(OXIGRAPH),
            "serve",
            "--location",
            str(location),
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout-s",
            str(timeout_s),
        ],
        stdout=(log := tempfile.TemporaryFile()),  # noqa: SIM115 (closed after the process)
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    _LOGS[process.pid] = log
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(base + "/query?query=ASK%7B%7D", process)
        load = subprocess.run(
            [str(NETKG), "load", "--to", base, "--dist", str(dist)],
            capture_output=True,
            text=True,
            check=False,
        )
        if load.returncode != 0:
            raise RuntimeError(f"netkg load failed:\n{load.stdout}\n{load.stderr}")
        yield base + "/query"
    finally:
        stop_process(process)
        _LOGS.pop(process.pid).close()
        shutil.rmtree(location, ignore_errors=True)


# --- pytest fixtures: import the ones you use into your test module -----------------------------


@pytest.fixture(scope="session")
def service_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture project's release, built once per session (treat it as read-only)."""
    return build_fixture_release(tmp_path_factory.mktemp("service") / "dist")


@pytest.fixture(scope="session")
def oxigraph_url(service_dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The SPARQL endpoint of a real Oxigraph server loaded with `service_dist`."""
    with running_oxigraph(service_dist, tmp_path_factory.mktemp("oxigraph"), timeout_s=5) as url:
        yield url
