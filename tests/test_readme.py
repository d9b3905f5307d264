"""What the README promises about running netkg holds: the default graph it describes, the port
of `make serve`, serving without node, and no dependency that nothing uses."""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import tomllib
from pathlib import Path

import pyoxigraph as ox

from netkg.release.build import build_release

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_default_graph_is_the_union_of_the_graphs_the_readme_names(tmp_path: Path) -> None:
    dist = build_release(ROOT, tmp_path / "dist", validate=False)
    store = ox.Store()
    store.load(path=dist / "netkg.nq", format=ox.RdfFormat.N_QUADS)
    graphs = {g.value for g in store.named_graphs()}
    section = README[README.index("The default graph is the union") :].split("It is read-only")[0]
    named = {"https://w3id.org/netkg/graph/" + g for g in re.findall(r"…/graph/(\w+)", section)}
    named |= set(re.findall(r"`(https://w3id\.org/netkg/graph/\w+)`", section))
    assert named == graphs and len(graphs) == 4
    assert "four named graphs" in section
    union = store.query("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", use_default_graph_as_union=True)
    each = store.query("SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }")
    assert isinstance(union, ox.QuerySolutions) and isinstance(each, ox.QuerySolutions)
    size = next(iter(union))["n"]
    assert size == next(iter(each))["n"]  # the graphs share no triple
    stated = re.search(r"= ([\d,]+) triples in release", section)
    assert stated is not None, "the README gives the union's size"
    assert int(stated.group(1).replace(",", "")) == int(size.value)


def test_make_serve_takes_a_port() -> None:
    assert "make serve PORT=8080" in README
    dry = subprocess.run(
        ["make", "-n", "serve", "PORT=8123"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert "uv run netkg serve --port 8123" in dry.stdout


def test_setting_up_to_serve_needs_no_node() -> None:
    """npm is for the browser tests only (scripts/install-browser.sh, run by `make test`)."""
    setup = (ROOT / "scripts" / "setup.sh").read_text(encoding="utf-8")
    commands = [line for line in setup.splitlines() if not line.lstrip().startswith("#")]
    assert not [line for line in commands if "npm" in line or "node" in line]
    assert "npm ci" in (ROOT / "scripts" / "install-browser.sh").read_text(encoding="utf-8")


def test_every_runtime_dependency_is_used() -> None:
    """Each [project] dependency is imported (or, for swagger-ui-py, located) by netkg."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    modules = importlib.metadata.packages_distributions()
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "netkg").rglob("*.py"))
    for requirement in project["dependencies"]:
        name = re.split(r"[\[=<>~ ]", requirement)[0].lower()
        imports = [m for m, dists in modules.items() if name in {d.lower() for d in dists}]
        assert imports, requirement
        used = [
            m
            for m in imports
            if re.search(rf"^\s*(?:import|from) {m}\b|find_spec\(\"{m}\"\)", source, re.MULTILINE)
        ]
        assert used, f"{requirement} is a dependency but netkg never imports {imports}"
