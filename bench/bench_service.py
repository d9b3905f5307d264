"""Serving benchmark: `netkg serve` against peers measured in the same run, reported as ratios.

Peers: an Oxigraph server (on disk, and in memory) loaded with the same release, for SPARQL;
nginx serving the same bytes as static files, for dereferencing. Load comes from wrk on 127.0.0.1.

    uv run python bench/bench_service.py [--duration 10] [--connections 16]

Needs `wrk` and `nginx` (Debian packages: `apt-get install wrk nginx-light`).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
SELECT = (
    "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } LIMIT 10"
)
DESCRIBE = "DESCRIBE <https://w3id.org/netkg/id/surgery>"
SELECT_JSON = "application/sparql-results+json"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up within {timeout:.0f} s")


@contextmanager
def running(cmd: list[str], url: str, **kwargs: object) -> Iterator[subprocess.Popen[bytes]]:
    """Start a server, wait for `url` to answer, and stop it and its children afterwards."""
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, **kwargs
    )  # type: ignore[call-overload]
    try:
        wait_until_up(url)
        yield proc
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def tree_rss_kib(pid: int) -> int:
    """Resident memory of a process and its descendants (the service may use workers)."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
            todo.extend(int(c) for c in children)
        except (FileNotFoundError, AttributeError, ProcessLookupError):
            continue
    return total


@dataclass
class Result:
    requests_per_s: float
    p99_ms: float
    errors: int


WRK_DISTINCT = """
local counter = 0
local prefix = ""
function setup(thread) thread:set("tid", tostring(math.random(1, 1e9))) end
function init(args) prefix = tid end
request = function()
  counter = counter + 1
  local q = QUERY .. " # " .. prefix .. "-" .. counter
  return wrk.format("GET", PATH .. "?query=" .. encode(q), {["Accept"] = ACCEPT})
end
function encode(s)
  return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end
"""


def wrk(
    url: str, *, accept: str, duration: int, connections: int, distinct_query: str = ""
) -> Result:
    """Run wrk; with `distinct_query`, each request sends a distinct query (no cache hit)."""
    cmd = [
        "wrk",
        "-t2",
        f"-c{connections}",
        f"-d{duration}s",
        "--latency",
        "-H",
        f"Accept: {accept}",
    ]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        if distinct_query:
            parts = urllib.parse.urlsplit(url)
            script.write(
                f"QUERY = {distinct_query!r}\nPATH = {parts.path!r}\nACCEPT = {accept!r}\n"
                + WRK_DISTINCT
            )
            url = f"{parts.scheme}://{parts.netloc}/"
        else:
            script.write("")
    cmd += ["-s", script.name, url]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    os.unlink(script.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    p99_ms = float(p99.group(1)) * scale[p99.group(2)] if p99 else float("nan")
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses:\s+(\d+)", out))
    return Result(rps, p99_ms, errors)


def query_url(base: str, query: str) -> str:
    return f"{base}?{urllib.parse.urlencode({'query': query})}"


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    parser.add_argument(
        "--processes", type=int, default=2, help="netkg server processes (nginx: one per core)"
    )
    args = parser.parse_args()
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is missing: apt-get install wrk nginx-light")
    netkg = str(VENV_BIN / "netkg")
    oxigraph = str(VENV_BIN / "oxigraph")
    if not (args.dist / "release.json").exists():
        subprocess.run([netkg, "build", "--out", str(args.dist)], check=True, cwd=ROOT)
    nquads = args.dist / "netkg.nq"
    run = {"duration": args.duration, "connections": args.connections}
    rows: list[tuple[str, str, Result, Result]] = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        subprocess.run(
            [oxigraph, "load", "--location", str(tmp / "oxi"), "--file", str(nquads)],
            check=True,
            capture_output=True,
        )
        ports = {name: free_port() for name in ("netkg", "oxi_disk", "oxi_mem", "nginx")}
        netkg_base = f"http://127.0.0.1:{ports['netkg']}"
        serve = [netkg, "serve", "--host", "127.0.0.1", "--port", str(ports["netkg"])]
        serve += ["--dist", str(args.dist), "--processes", str(args.processes), "--no-access-log"]
        with running(serve, f"{netkg_base}/-/health", cwd=ROOT) as netkg_proc:
            rss_start = tree_rss_kib(netkg_proc.pid)
            # The same bytes, as nginx would serve them.
            static = tmp / "static"
            (static / "id").mkdir(parents=True)
            for suffix in ("ttl", "jsonld"):
                body = httpx.get(f"{netkg_base}/id/surgery.{suffix}").raise_for_status().content
                (static / "id" / f"surgery.{suffix}").write_bytes(body)
            oxi_disk = f"http://127.0.0.1:{ports['oxi_disk']}"
            oxi_mem = f"http://127.0.0.1:{ports['oxi_mem']}"
            disk_cmd = [oxigraph, "serve-read-only", "--location", str(tmp / "oxi")]
            disk_cmd += ["--bind", f"127.0.0.1:{ports['oxi_disk']}", "--union-default-graph"]
            mem_cmd = [oxigraph, "serve", "--bind", f"127.0.0.1:{ports['oxi_mem']}"]
            mem_cmd += ["--union-default-graph"]
            with running(disk_cmd, f"{oxi_disk}/query?query=ASK%7B%7D"):
                rows.append(
                    (
                        "small SELECT, distinct queries",
                        "Oxigraph server (on disk)",
                        wrk(
                            f"{netkg_base}/sparql", accept=SELECT_JSON, distinct_query=SELECT, **run
                        ),
                        wrk(f"{oxi_disk}/query", accept=SELECT_JSON, distinct_query=SELECT, **run),
                    )
                )
            with running(mem_cmd, f"{oxi_mem}/query?query=ASK%7B%7D"):
                httpx.post(
                    f"{oxi_mem}/store",
                    content=nquads.read_bytes(),
                    headers={"Content-Type": "application/n-quads"},
                    timeout=60,
                ).raise_for_status()
                for label, query, accept in (
                    ("small SELECT, repeated", SELECT, SELECT_JSON),
                    ("DESCRIBE, repeated", DESCRIBE, "text/turtle"),
                ):
                    rows.append(
                        (
                            label,
                            "Oxigraph server (in memory)",
                            wrk(query_url(f"{netkg_base}/sparql", query), accept=accept, **run),
                            wrk(query_url(f"{oxi_mem}/query", query), accept=accept, **run),
                        )
                    )
            conf = nginx_conf(static, ports["nginx"], tmp)
            nginx_base = f"http://127.0.0.1:{ports['nginx']}"
            with running(["nginx", "-c", str(conf)], f"{nginx_base}/id/surgery.ttl"):
                for suffix, accept in (("ttl", "text/turtle"), ("jsonld", "application/ld+json")):
                    rows.append(
                        (
                            f"dereference /id/surgery ({suffix})",
                            "nginx, same bytes",
                            wrk(f"{netkg_base}/id/surgery.{suffix}", accept=accept, **run),
                            wrk(f"{nginx_base}/id/surgery.{suffix}", accept=accept, **run),
                        )
                    )
            rss_end = tree_rss_kib(netkg_proc.pid)
    print(
        f"wrk -t2 -c{args.connections} -d{args.duration}s, 127.0.0.1, {os.cpu_count()} cores; "
        f"netkg serve --processes {args.processes} --no-access-log\n"
    )
    print("| workload | netkg req/s | netkg p99 ms | peer | peer req/s | ratio | errors |")
    print("|---|---:|---:|---|---:|---:|---:|")
    for label, peer, ours, theirs in rows:
        ratio = ours.requests_per_s / theirs.requests_per_s
        print(
            f"| {label} | {ours.requests_per_s:,.0f} | {ours.p99_ms:.1f} | {peer} | "
            f"{theirs.requests_per_s:,.0f} | {ratio:.2f}x | {ours.errors + theirs.errors} |"
        )
    print(
        f"\nnetkg serve resident memory (all processes): {rss_start / 1024:.0f} MiB before load, "
        f"{rss_end / 1024:.0f} MiB after"
    )


if __name__ == "__main__":
    main()
