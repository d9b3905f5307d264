"""Serving benchmark: `netkg serve` against peers measured in the same run, reported as ratios.

Peers: Oxigraph server over the same on-disk store (read-only) and in memory (loaded with the
release's N-Quads), for SPARQL; nginx serving the same bytes as static files, for `/id/…`. Load
comes from wrk on 127.0.0.1 (1 thread, `--connections` connections). "distinct" sends a textually
new query every request (a counter in a comment), so no cache can answer.

    uv run python bench/bench_service.py [--duration 5] [--connections 16] [--dist dist]

Needs `wrk` and `nginx` on PATH (Debian: `apt-get install wrk nginx-light`); installs nothing.
Prints one table (netkg, its peer, the ratio, the target) and the load average before and after.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SELECT = f"SELECT ?s ?label WHERE {{ ?s <{RDFS}label> ?label }} LIMIT 10"
OPTIONAL_REGEX = (
    f"SELECT ?s ?label ?definition WHERE {{ ?s <{SKOS}prefLabel> ?label "
    f"OPTIONAL {{ ?s <{SKOS}definition> ?definition }} "
    'FILTER(regex(?label, "^[a-m]", "i")) } LIMIT 20'
)
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
DESCRIBE = "DESCRIBE <https://w3id.org/netkg/id/surgery>"
SELECT_JSON = "application/sparql-results+json"
ASK = "ASK%7B%7D"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, timeout: float = 120.0) -> float:
    """Seconds until `url` first answers 200."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return time.monotonic() - start
        except httpx.HTTPError:
            pass
        time.sleep(0.01)
    raise RuntimeError(f"{url} did not come up within {timeout:.0f} s")


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    startup_s: float


@contextmanager
def running(cmd: list[str], url: str, **kwargs: object) -> Iterator[Server]:
    """Start a server, wait for `url` to answer, and stop it and its children afterwards."""
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, **kwargs
    )  # type: ignore[call-overload]
    try:
        yield Server(proc, wait_until_up(url))
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def tree(pid: int) -> list[int]:
    """A process and its descendants."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:  # children are listed per thread (workers are started from a thread pool)
            tasks = list(Path(f"/proc/{current}/task").iterdir())
            for task in tasks:
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except (FileNotFoundError, ProcessLookupError):
            continue
    return found


def rss_mib(pid: int) -> float:
    total = 0
    for current in tree(pid):
        try:
            status = Path(f"/proc/{current}/status").read_text()
        except FileNotFoundError:
            continue
        match = re.search(r"VmRSS:\s+(\d+)", status)
        total += int(match.group(1)) if match else 0
    return total / 1024


def cpu_seconds(pid: int) -> dict[int, float]:
    """utime + stime of each process of the tree."""
    ticks = os.sysconf("SC_CLK_TCK")
    out = {}
    for current in tree(pid):
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        out[current] = (int(fields[11]) + int(fields[12])) / ticks
    return out


@dataclass
class Load:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    cpu_us: float = float("nan")  # server CPU per request
    spread: str = ""  # CPU share of each serving process


WRK_SCRIPT = """
local counter = 0
local prefix = ""
function setup(thread) thread:set("tid", tostring(math.random(1, 1e9))) end
function init(args) prefix = tid end
request = function()
  local q = QUERY
  if DISTINCT then
    counter = counter + 1
    q = QUERY .. " # " .. prefix .. "-" .. counter
  end
  return wrk.format("GET", PATH .. "?query=" .. encode(q), {["Accept"] = ACCEPT})
end
function encode(s)
  return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end
"""


def _latency_ms(out: str, percentile: str) -> float:
    match = re.search(rf"{percentile}%\s+([\d.]+)(us|ms|s)\b", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    return float(match.group(1)) * scale[match.group(2)] if match else float("nan")


def wrk(
    url: str,
    *,
    accept: str,
    duration: int,
    connections: int,
    query: str = "",
    distinct: bool = False,
    server_pid: int | None = None,
) -> Load:
    """Run wrk on `url` (with `query`, a SPARQL GET); CPU of `server_pid`'s tree per request."""
    cmd = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{duration}s",
        "--latency",
        "-H",
        f"Accept: {accept}",
    ]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        if query:
            parts = urllib.parse.urlsplit(url)
            script.write(
                f"QUERY = {query!r}\nPATH = {parts.path!r}\nACCEPT = {accept!r}\n"
                f"DISTINCT = {'true' if distinct else 'false'}\n" + WRK_SCRIPT
            )
            url = f"{parts.scheme}://{parts.netloc}/"
    cmd += ["-s", script.name, url]
    before = cpu_seconds(server_pid) if server_pid else {}
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    after = cpu_seconds(server_pid) if server_pid else {}
    os.unlink(script.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses:\s+(\d+)", out))
    load = Load(rps, _latency_ms(out, "50"), _latency_ms(out, "99"), total, errors)
    if server_pid:
        used = {pid: after[pid] - before.get(pid, 0.0) for pid in after}
        load.cpu_us = sum(used.values()) / max(total, 1) * 1e6
        busy = sorted((v for v in used.values() if v > 0.05), reverse=True)
        load.spread = "/".join(f"{v / sum(busy):.0%}" for v in busy) if busy else ""
    return load


def nginx_conf(root: Path, port: int, workdir: Path) -> Path:
    conf = workdir / "nginx.conf"
    conf.write_text(
        f"""
worker_processes auto;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log;
daemon off;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  types {{ text/turtle ttl; application/ld+json jsonld; }}
  client_body_temp_path {workdir}; proxy_temp_path {workdir}; fastcgi_temp_path {workdir};
  uwsgi_temp_path {workdir}; scgi_temp_path {workdir};
  server {{ listen 127.0.0.1:{port}; root {root}; }}
}}
"""
    )
    return conf


def uncached_id_ms(base: str, iris: list[str]) -> tuple[float, float]:
    """p50 and p99 of `/id/…` for resources asked once each (no cache has them)."""
    times = []
    with httpx.Client() as client:
        for iri in iris:
            start = time.perf_counter()
            client.get(f"{base}/id/{iri}.ttl").raise_for_status()
            times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.99))]


def some_ids(base: str, count: int) -> list[str]:
    query = (
        "SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(STRSTARTS(STR(?s), "
        f'"https://w3id.org/netkg/id/")) }} LIMIT {count}'
    )
    answer = httpx.get(
        f"{base}/sparql", params={"query": query}, headers={"Accept": SELECT_JSON}, timeout=120
    ).raise_for_status()
    return [
        row["s"]["value"].removeprefix("https://w3id.org/netkg/id/")
        for row in answer.json()["results"]["bindings"]
    ]


def runaways(base: str, count: int, stop: threading.Event) -> dict[str, int]:
    """Keep `count` runaway queries in flight until `stop`; tally their answers by status."""
    statuses: dict[str, int] = {}
    lock = threading.Lock()

    def one() -> None:
        with httpx.Client(timeout=120) as client:
            while not stop.is_set():
                try:
                    status = str(
                        client.get(
                            f"{base}/sparql", params={"query": RUNAWAY, "timeout": "60"}
                        ).status_code
                    )
                except httpx.HTTPError as error:
                    status = type(error).__name__
                with lock:
                    statuses[status] = statuses.get(status, 0) + 1
                if status != "503":
                    time.sleep(0.2)

    threads = [threading.Thread(target=one, daemon=True) for _ in range(count)]
    for thread in threads:
        thread.start()
    return statuses


@dataclass
class Row:
    label: str
    ours: str
    peer: str
    theirs: str
    ratio: str
    target: str


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    parser.add_argument("--processes", type=int, default=0, help="netkg processes (0: default)")
    args = parser.parse_args()
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is missing: apt-get install wrk nginx-light")
    if not (args.dist / "release.json").exists():
        sys.exit(f"no release in {args.dist}: run `netkg build --out {args.dist}` first")
    netkg = str(VENV_BIN / "netkg")
    oxigraph = str(VENV_BIN / "oxigraph")
    nquads = args.dist / "netkg.nq"
    run = {"duration": args.duration, "connections": args.connections}
    load_before = os.getloadavg()
    rows: list[Row] = []

    def ratio_row(label: str, ours: Load, peer: str, theirs: Load, target: str) -> None:
        rows.append(
            Row(
                label,
                f"{ours.requests_per_s:,.0f} req/s, p99 {ours.p99_ms:.1f} ms, "
                f"{ours.cpu_us:,.0f} µs CPU/req, {ours.errors} errors"
                + (f", CPU spread {ours.spread}" if ours.spread else ""),
                peer,
                f"{theirs.requests_per_s:,.0f} req/s, {theirs.cpu_us:,.0f} µs CPU/req",
                f"{ours.requests_per_s / theirs.requests_per_s:.2f}x",
                target,
            )
        )

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        ports = {name: free_port() for name in ("netkg", "oxi_disk", "oxi_mem", "nginx")}
        base = f"http://127.0.0.1:{ports['netkg']}"
        serve = [netkg, "serve", "--host", "127.0.0.1", "--port", str(ports["netkg"])]
        serve += ["--dist", str(args.dist), "--no-access-log", "--log-level", "warning"]
        if args.processes:
            serve += ["--processes", str(args.processes)]
        with running(serve, f"{base}/sparql?query={ASK}", cwd=ROOT) as ours:
            time.sleep(3)  # the first answer comes from the first process up; let the others listen
            store = _store_dir(args.dist, base)
            rss_start = rss_mib(ours.process.pid)
            pid = ours.process.pid
            disk = f"http://127.0.0.1:{ports['oxi_disk']}"
            disk_cmd = [oxigraph, "serve-read-only", "--location", str(store)]
            disk_cmd += ["--bind", f"127.0.0.1:{ports['oxi_disk']}", "--union-default-graph"]
            with running(disk_cmd, f"{disk}/query?query={ASK}") as peer:
                rows.append(
                    Row(
                        "start-up to first answer",
                        f"{ours.startup_s:.2f} s",
                        "Oxigraph server (on disk)",
                        f"{peer.startup_s:.2f} s",
                        "",
                        "< 1 s",
                    )
                )
                for label, query, target in (
                    ("small SELECT, distinct", SELECT, ">= 0.5x"),
                    ("OPTIONAL + regex, distinct", OPTIONAL_REGEX, ">= 0.8x"),
                ):
                    mine = wrk(
                        f"{base}/sparql",
                        accept=SELECT_JSON,
                        query=query,
                        distinct=True,
                        server_pid=pid,
                        **run,
                    )
                    theirs = wrk(
                        f"{disk}/query",
                        accept=SELECT_JSON,
                        query=query,
                        distinct=True,
                        server_pid=peer.process.pid,
                        **run,
                    )
                    ratio_row(label, mine, "Oxigraph server (on disk)", theirs, target)
            mem = f"http://127.0.0.1:{ports['oxi_mem']}"
            mem_cmd = [oxigraph, "serve", "--bind", f"127.0.0.1:{ports['oxi_mem']}"]
            with running([*mem_cmd, "--union-default-graph"], f"{mem}/query?query={ASK}") as peer:
                httpx.post(
                    f"{mem}/store",
                    content=nquads.read_bytes(),
                    headers={"Content-Type": "application/n-quads"},
                    timeout=600,
                ).raise_for_status()
                for label, query, accept in (
                    ("small SELECT, repeated", SELECT, SELECT_JSON),
                    ("DESCRIBE, repeated", DESCRIBE, "text/turtle"),
                ):
                    mine = wrk(f"{base}/sparql", accept=accept, query=query, server_pid=pid, **run)
                    theirs = wrk(
                        f"{mem}/query",
                        accept=accept,
                        query=query,
                        server_pid=peer.process.pid,
                        **run,
                    )
                    ratio_row(label, mine, "Oxigraph server (in memory)", theirs, ">= 1.0x")
            static = tmp / "static"
            (static / "id").mkdir(parents=True)
            for suffix in ("ttl", "jsonld"):
                body = httpx.get(f"{base}/id/surgery.{suffix}").raise_for_status().content
                (static / "id" / f"surgery.{suffix}").write_bytes(body)
            conf = nginx_conf(static, ports["nginx"], tmp)
            nginx = f"http://127.0.0.1:{ports['nginx']}"
            with running(["nginx", "-c", str(conf)], f"{nginx}/id/surgery.ttl") as peer:
                for suffix, accept in (("ttl", "text/turtle"), ("jsonld", "application/ld+json")):
                    mine = wrk(f"{base}/id/surgery.{suffix}", accept=accept, server_pid=pid, **run)
                    theirs = wrk(
                        f"{nginx}/id/surgery.{suffix}",
                        accept=accept,
                        server_pid=peer.process.pid,
                        **run,
                    )
                    ratio_row(f"/id/surgery.{suffix}", mine, "nginx, same bytes", theirs, ">= 0.5x")
            p50, p99 = uncached_id_ms(base, some_ids(base, 200))
            rows.append(
                Row(
                    "uncached /id/… (200 resources, one each)",
                    f"p50 {p50:.2f} ms, p99 {p99:.2f} ms",
                    "",
                    "",
                    "",
                    "< 5 ms",
                )
            )
            stop = threading.Event()
            statuses = runaways(base, 4, stop)
            time.sleep(1.0)  # the runaways reach the workers
            light = wrk(
                f"{base}/sparql",
                accept=SELECT_JSON,
                query=SELECT,
                distinct=True,
                server_pid=pid,
                **run,
            )
            stop.set()
            rows.append(
                Row(
                    "light distinct SELECT with 4 runaways in flight",
                    f"p50 {light.p50_ms:.1f} ms, p99 {light.p99_ms:.1f} ms, "
                    f"{light.requests_per_s:,.0f} req/s, {light.errors} refused",
                    "runaway answers by status",
                    ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())),
                    "",
                    "p99 < 50 ms, none refused",
                )
            )
            rss_end = rss_mib(pid)
            processes = len(tree(pid))
    load_after = os.getloadavg()
    print(
        f"wrk -t1 -c{args.connections} -d{args.duration}s on 127.0.0.1, {os.cpu_count()} cores, "
        f"release {args.dist} ({nquads.stat().st_size / 1e6:.1f} MB of N-Quads); "
        f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after\n"
    )
    print("| workload | netkg | peer | peer figure | ratio | target |")
    print("|---|---|---|---|---:|---|")
    for row in rows:
        print(
            f"| {row.label} | {row.ours} | {row.peer} | {row.theirs} | {row.ratio} | {row.target} |"
        )
    print(
        f"\nnetkg serve, all {processes} processes: {rss_start:.0f} MiB resident after start-up, "
        f"{rss_end:.0f} MiB at the end"
    )


def _store_dir(dist: Path, base: str) -> Path:
    """The on-disk store netkg serves, for Oxigraph to serve the very same files."""
    import json

    named = json.loads((dist / "release.json").read_text()).get("store")
    if isinstance(named, dict):
        named = named.get("path")
    if named:
        return dist / str(named)
    etag = httpx.get(f"{base}/-/version").json()["release"]["etag"]
    return Path(tempfile.gettempdir()) / f"netkg-store-{etag}"


if __name__ == "__main__":
    main()
