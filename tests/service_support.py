"""Helpers for service tests: a fixture release, a real `netkg serve`, a real Oxigraph server,
a real Virtuoso.

Import them from a test module in tests/ (pytest puts tests/ on sys.path):

    from service_support import build_fixture_release, running_netkg, running_oxigraph
    from service_support import running_remote_store, running_virtuoso

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
VIRTUOSO = "virtuoso-t"  # from Debian's virtuoso-opensource-7-bin: scripts/install-virtuoso.sh
VIRTUOSO_ISQL = "isql-vt"
REMOTE_ENGINES = ("oxigraph", "virtuoso")
"""The SPARQL servers the remote store is tested against; test ids use these names."""


def build_fixture_release(out: Path, source: Path = FIXTURE_SOURCE) -> Path:
    """Build the release of `source` (default: the service fixture) into `out`; return `out`."""
    from netkg.release.build import build_release

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


def start_process(
    args: list[str], *, env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> subprocess.Popen[bytes]:
    """Start a server in its own process group (`stop_process` ends the whole group), its output
    kept in a temporary file that `_output` reads when it fails to come up."""
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed after the process)
    process = subprocess.Popen(
        args, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    _LOGS[process.pid] = log
    return process


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
    process = start_process(
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
    )
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


def _netkg_load(gsp_url: str, dist: Path) -> None:
    load = subprocess.run(
        [str(NETKG), "load", "--to", gsp_url, "--dist", str(dist)],
        capture_output=True,
        text=True,
        check=False,
    )
    if load.returncode != 0:
        raise RuntimeError(f"netkg load failed:\n{load.stdout}\n{load.stderr}")


@contextmanager
def running_oxigraph(dist: Path, workdir: Path, *, timeout_s: int = 30) -> Iterator[str]:
    """Run a real Oxigraph server (from the `oxigraph` package) loaded with the release in
    `dist` by `netkg load --to`; yield its SPARQL query endpoint URL (…/query)."""
    if not OXIGRAPH.exists():
        raise RuntimeError(f"{OXIGRAPH} is missing: `uv sync` installs the oxigraph dev dependency")
    port = free_port()
    location = workdir / f"oxigraph-{port}"
    location.mkdir(parents=True)
    process = start_process(
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
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(base + "/query?query=ASK%7B%7D", process)
        _netkg_load(base, dist)
        yield base + "/query"
    finally:
        stop_process(process)
        _LOGS.pop(process.pid).close()
        shutil.rmtree(location, ignore_errors=True)


_VIRTUOSO_INI = """\
; A throw-away Virtuoso for one test run: everything in {home}, bound to 127.0.0.1 only.
[Database]
DatabaseFile = {home}/virtuoso.db
ErrorLogFile = {home}/virtuoso.log
LockFile = {home}/virtuoso.lck
TransactionFile = {home}/virtuoso.trx
xa_persistent_file = {home}/virtuoso.pxa
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {home}/virtuoso-temp.db
TransactionFile = {home}/virtuoso-temp.trx

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
; as in Debian's packaged virtuoso.ini: with another case mode ASK answers a table, not a boolean
CaseMode = 2
DirsAllowed = {home}
NumberOfBuffers = 4000
MaxDirtyBuffers = 3000

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {home}
ServerThreads = 10
Charset = UTF-8

[SPARQL]
ResultSetMaxRows = {max_rows}
MaxQueryExecutionTime = {timeout_s}
"""


def _virtuoso_sql(sql_port: int, statement: str) -> None:
    """Run one SQL statement as the instance's dba (its fresh-database password is "dba")."""
    done = subprocess.run(
        [VIRTUOSO_ISQL, f"127.0.0.1:{sql_port}", "dba", "dba", f"exec={statement}"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if done.returncode != 0 or "Error" in done.stdout:
        raise RuntimeError(f"{VIRTUOSO_ISQL} {statement!r} failed:\n{done.stdout}\n{done.stderr}")


@contextmanager
def running_virtuoso(
    dist: Path,
    workdir: Path,
    *,
    timeout_s: int = 30,
    max_rows: int = 1_000_000,
    read_only: bool = True,
) -> Iterator[str]:
    """Run a real Virtuoso (Debian's virtuoso-t) with its own database and virtuoso.ini in
    `workdir`, loaded with the release in `dist` by `netkg load --to` its Graph Store endpoint;
    yield its SPARQL query endpoint URL (…/sparql).

    Virtuoso's anonymous SPARQL user may write only while `netkg load` runs: granted
    SPARQL_UPDATE before, revoked after (unless not `read_only`), so the endpoint netkg queries
    is read-only. `max_rows` is Virtuoso's ResultSetMaxRows, `timeout_s` its
    MaxQueryExecutionTime. Its Graph Store endpoint is `…/sparql-graph-crud`.
    """
    binary = shutil.which(VIRTUOSO)
    if binary is None or shutil.which(VIRTUOSO_ISQL) is None:
        raise RuntimeError(
            f"{VIRTUOSO} / {VIRTUOSO_ISQL} are missing: run scripts/install-virtuoso.sh "
            "(`make test` does)"
        )
    sql_port, http_port = free_port(), free_port()
    while http_port == sql_port:
        http_port = free_port()
    home = workdir / f"virtuoso-{http_port}"
    home.mkdir(parents=True)
    ini = _VIRTUOSO_INI.format(
        home=home, sql_port=sql_port, http_port=http_port, max_rows=max_rows, timeout_s=timeout_s
    )
    (home / "virtuoso.ini").write_text(ini, encoding="utf-8")
    process = start_process(
        [binary, "+foreground", "+configfile", str(home / "virtuoso.ini")],
        cwd=home,
    )
    base = f"http://127.0.0.1:{http_port}"
    try:
        # a new database compiles Virtuoso's system procedures: seconds idle, more on a busy machine
        wait_until_ready(base + "/sparql?query=ASK%7B%7D", process, deadline=180.0)
        _virtuoso_sql(sql_port, 'GRANT SPARQL_UPDATE TO "SPARQL"')
        _netkg_load(base + "/sparql-graph-crud", dist)
        if read_only:
            _virtuoso_sql(sql_port, 'REVOKE SPARQL_UPDATE FROM "SPARQL"')
        yield base + "/sparql"
    finally:
        stop_process(process)
        _LOGS.pop(process.pid).close()
        shutil.rmtree(home, ignore_errors=True)


@contextmanager
def running_remote_store(engine: str, dist: Path, workdir: Path) -> Iterator[str]:
    """`running_oxigraph` or `running_virtuoso` by name (one of REMOTE_ENGINES)."""
    start = {"oxigraph": running_oxigraph, "virtuoso": running_virtuoso}[engine]
    with start(dist, workdir) as url:
        yield url


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


@pytest.fixture(scope="session")
def virtuoso_url(service_dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The SPARQL endpoint of a real Virtuoso loaded with `service_dist`."""
    with running_virtuoso(service_dist, tmp_path_factory.mktemp("virtuoso"), timeout_s=5) as url:
        yield url
