"""`netkg stats`: counts per class and property, mappings per vocabulary, citations per type."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netkg.cli import app
from netkg.curate.stats import headline, render, stats_of
from netkg.errors import SourceError
from netkg.release.build import build_release

ROOT = Path(__file__).resolve().parent.parent
SRC = Path(__file__).parent / "fixtures" / "release" / "src"


def run(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_counts_of_the_source_tree() -> None:
    data = stats_of(SRC)
    assert data["triples"] == data["curated"] == 57
    assert data["graphs"] == {"data": 25, "ontology": 32}
    classes = {row["class"]: row["instances"] for row in data["classes"]}
    assert classes["net:Treatment"] == 2
    assert classes["owl:Class"] == 4
    properties = {row["property"]: row["triples"] for row in data["properties"]}
    assert properties["skos:prefLabel"] == 4
    assert data["mappings"] == [
        {"vocabulary": "MeSH", "relation": "skos:exactMatch", "mappings": 1},
        {"vocabulary": "NCIt", "relation": "skos:exactMatch", "mappings": 1},
    ]
    assert data["citations"] == [{"type": "net:JournalArticle", "citations": 1}]


def test_a_release_gives_the_same_counts_without_its_void_graph(tmp_path: Path) -> None:
    dist = build_release(SRC, tmp_path / "dist", date="2026-01-01")
    release, sources = stats_of(dist), stats_of(SRC)
    void = release["graphs"].pop("void")
    assert void > 0 and release == sources
    assert headline({**release["graphs"], "void": void}, release["triples"]) == (
        f"release: 57 triples = 57 curated triples (ontology 32 + data 25); "
        f"its VoID description adds {void} ({57 + void} in all 3 named graphs)"
    )


def test_every_count_says_what_it_counts(tmp_path: Path) -> None:
    """validate, build and stats give different totals for the same sources: each says which
    part it counts, and the parts add up (curated + generated = release; + VoID = all graphs)."""
    src = tmp_path / "src"
    shutil.copytree(SRC, src)
    shutil.copytree(ROOT / "api", src / "api")  # the build publishes the named queries
    code, out = run("validate", "--root", src)
    assert code == 0, out
    assert out.splitlines()[-1].endswith(
        ": 57 curated triples (ontology + data) + 8 shapes triples"
    )
    code, out = run("build", "--root", src, "--out", tmp_path / "dist", "--date", "2026-01-01")
    assert code == 0, out
    index = json.loads((tmp_path / "dist" / "release.json").read_text(encoding="utf-8"))
    graphs = index["graphs"]
    assert (graphs["ontology"], graphs["data"]) == (32, 25) and graphs["queries"] > 0
    assert index["triples"] == 57 + graphs["queries"]
    release = (
        f"release: {index['triples']} triples = 57 curated triples (ontology 32 + data 25) + "
        f"{graphs['queries']} generated (named-query examples); its VoID description adds "
        f"{graphs['void']} ({sum(graphs.values()):,} in all 4 named graphs)"
    )
    assert out.splitlines()[-1] == release
    code, out = run("stats", src)
    assert code == 0 and out.startswith("57 curated triples (ontology 32 + data 25)\n")
    code, out = run("stats", tmp_path / "dist")
    assert code == 0 and out.startswith(release + "\n")
    nquads = (tmp_path / "dist" / "netkg.nq").read_text(encoding="utf-8").splitlines()
    assert len(nquads) == sum(graphs.values())


def test_table_and_json_render() -> None:
    data = stats_of(SRC)
    table = render(data, "table")
    assert table.startswith("57 curated triples (ontology 32 + data 25)\n")
    for title in (
        "Instances per class",
        "Triples per property",
        "Mappings per vocabulary",
        "Citations per type",
    ):
        assert title in table
    assert json.loads(render(data, "json")) == data


def test_a_folder_that_is_no_graph_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="neither a release"):
        stats_of(tmp_path)


def test_a_syntax_error_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "bad.ttl").write_text("<a> <b> .\n", encoding="utf-8")
    with pytest.raises(SourceError, match=r"bad\.ttl"):
        stats_of(tmp_path)
