"""`netkg stats`: counts per class and property, mappings per vocabulary, citations per type."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netkg.build import build_release
from netkg.errors import SourceError
from netkg.stats import render, stats_of

SRC = Path(__file__).parent / "fixtures" / "release" / "src"


def test_counts_of_the_source_tree() -> None:
    data = stats_of(SRC)
    assert data["triples"] == 57
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
    assert stats_of(dist) == stats_of(SRC)


def test_table_and_json_render() -> None:
    data = stats_of(SRC)
    table = render(data, "table")
    assert table.startswith("57 triples")
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
