"""Curation benchmark: wall time, CPU time and peak memory of `netkg validate` and `netkg build`,
each run as a fresh process (Python start-up included), on the curated graph, on synthetic source
trees of the same shape (validated in full), and on bulk builds (`netkg build --bulk`: the curated
tree plus a synthetic N-Triples file, bench/generate.py), each bulk build next to `oxigraph load`
of the same release's netkg.nq, run just after it. Every row carries the load average (1 min) at
its end: the machine is shared. Not a test: it records numbers in bench/RESULTS.md (`## Curation`).

    uv run python bench/bench_curation.py                       # curated + 10k + 100k trees
    uv run python bench/bench_curation.py --sizes 10000 --bulk-sizes 1000000 10000000 --write

Bytecode: this environment sets PYTHONDONTWRITEBYTECODE, which makes every start compile netkg,
rdflib and pyshacl from source (~3 s). A normal install has .pyc files, so the benchmark keeps a
bytecode cache in bench/out/pycache and warms it before measuring.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate, generate_bulk

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
RESULTS = ROOT / "bench" / "RESULTS.md"


@dataclass
class Run:
    seconds: float
    cpu_seconds: float
    peak_mb: float
    exit_code: int
    load: float  # 1-minute load average when the run ended


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(OUT / "pycache")
    env["SOURCE_DATE_EPOCH"] = "1767225600"  # 2026-01-01: builds are comparable run to run
    return env


TIMEOUT = 3600.0


def measure(args: list[str]) -> Run:
    """Run `python -m netkg.cli ARGS` (see `measure_command`)."""
    return measure_command([sys.executable, "-m", "netkg.cli", *args])


def measure_command(command: list[str]) -> Run:
    """Run `command` and return its wall time, CPU time and peak resident memory (of it or its
    largest child); a run longer than TIMEOUT seconds is stopped and reported as exit -9."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command,
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() - start > TIMEOUT:
            process.kill()
            _, status, usage = os.wait4(process.pid, 0)
            break
        time.sleep(0.05)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    stderr = process.stderr.read().decode() if process.stderr else ""
    if process.returncode not in (0, 1):
        print(f"  ! {' '.join(command)} exited {process.returncode}: {stderr[-400:]}")
    cpu = usage.ru_utime + usage.ru_stime
    return Run(seconds, cpu, usage.ru_maxrss / 1024, process.returncode, os.getloadavg()[0])


def triples_of(root: Path) -> int:
    from rdflib import Graph

    graph = Graph()
    for folder in ("ontology", "data"):
        for path in sorted((root / folder).glob("*.ttl")):
            graph.parse(path, format="turtle")
    return len(graph)


def bench(name: str, root: Path, triples: int, repeat: int) -> list[str]:
    rows = []
    for command in ("validate", "build"):
        args = [command, "--root", str(root)]
        if command == "build":
            args += ["--out", str(OUT / f"dist-{name}")]
        rows.append(row(name, triples, f"`{command}`", [measure(args) for _ in range(repeat)]))
    return rows


def row(name: str, triples: int, command: str, runs: list[Run], vs: Run | None = None) -> str:
    """One table row: medians over `runs`, and against `vs` (a peer run) the wall-time and the
    CPU-time ratios (CPU time depends less on what else the shared machine runs)."""
    best = min(runs, key=lambda r: r.seconds)
    median = statistics.median(r.seconds for r in runs)
    cpu = statistics.median(r.cpu_seconds for r in runs)
    peak = max(r.peak_mb for r in runs)
    codes = ",".join(map(str, sorted({r.exit_code for r in runs})))
    load = ", ".join(f"{r.load:.1f}" for r in runs)
    ratio = f"{median / vs.seconds:.2f}x / {cpu / vs.cpu_seconds:.2f}x" if vs else ""
    text = (
        f"| {name} | {triples:,} | {command} | {median:.2f} | {best.seconds:.2f} | {cpu:.1f} | "
        f"{peak:,.0f} | {ratio} | {load} | {codes} |"
    )
    print(text, flush=True)
    return text


def bench_bulk(size: int) -> list[str]:
    """`netkg build --bulk` of the curated tree plus a synthetic file of about `size` triples in
    all, then `oxigraph load` of the netkg.nq it wrote into a fresh store, one after the other."""
    bulk = OUT / f"bulk-{size}.nt"
    generate_bulk(size, bulk)
    out = OUT / f"dist-bulk-{size}"
    build = measure(["build", "--root", str(ROOT), "--out", str(out), "--bulk", str(bulk)])
    location = OUT / f"oxigraph-load-{size}"
    shutil.rmtree(location, ignore_errors=True)
    oxigraph = shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or "oxigraph"
    peer = measure_command(
        [oxigraph, "load", "--location", str(location), "--file", str(out / "netkg.nq")]
    )
    shutil.rmtree(location, ignore_errors=True)
    triples = json.loads((out / "release.json").read_text(encoding="utf-8"))["triples"]
    quads = (out / "netkg.nq").read_bytes().count(b"\n")
    return [
        row(f"curated + bulk-{size}", triples, "`build --bulk`", [build], vs=peer),
        row("its netkg.nq", quads, "`oxigraph load`", [peer]),
    ]


HEADER = [
    "| graph | triples | command | wall s (median) | wall s (best) | CPU s | peak RSS MB "
    "| vs oxigraph load (wall / CPU) | load avg | exit |",
    "|---|---:|---|---:|---:|---:|---:|---:|---|---|",
]


START, END = "<!-- curation-table:start -->", "<!-- curation-table:end -->"


def write_results(rows: list[str], command: str) -> None:
    """Replace the table of RESULTS.md's `## Curation` section (between its markers), keeping
    the written findings around it and every other section."""
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    table = "\n".join(
        [
            START,
            f"`{command}` ({machine}; each command a fresh process, start-up included)",
            "",
            *HEADER,
            *rows,
            END,
        ]
    )
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmarks\n"
    if START in text and END in text:
        before, rest = text.split(START, 1)
        text = before + table + rest.split(END, 1)[1]
    elif "## Curation" in text:
        text = text.replace("## Curation", "## Curation\n\n" + table, 1)
    else:
        text = text.rstrip("\n") + "\n\n## Curation\n\n" + table + "\n"
    RESULTS.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time netkg validate and build.")
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000], help="trees")
    parser.add_argument("--bulk-sizes", type=int, nargs="*", default=[], help="bulk builds")
    parser.add_argument("--repeat", type=int, default=3, help="runs per graph of <= 10k triples")
    parser.add_argument("--write", action="store_true", help="update bench/RESULTS.md")
    parser.add_argument("--timeout", type=float, default=TIMEOUT, help="seconds per run")
    args = parser.parse_args(argv)
    globals()["TIMEOUT"] = args.timeout
    OUT.mkdir(parents=True, exist_ok=True)
    measure(["--help"])  # fill the bytecode cache
    measure(["validate", "--root", str(ROOT)])
    print("\n".join(HEADER))
    rows = bench("curated", ROOT, triples_of(ROOT), args.repeat)
    for size in args.sizes:
        root = OUT / f"synthetic-{size}"
        count = generate(size, root)
        rows += bench(f"synthetic-{size}", root, count, args.repeat if size <= 10_000 else 1)
    for size in args.bulk_sizes:
        rows += bench_bulk(size)
    if args.write:
        command = "uv run python bench/bench_curation.py " + " ".join(
            (["--sizes", *map(str, args.sizes)] if args.sizes else [])
            + (["--bulk-sizes", *map(str, args.bulk_sizes)] if args.bulk_sizes else [])
            + ["--write"]
        )
        write_results(rows, command)
    return 0


if __name__ == "__main__":
    sys.exit(main())
