"""`netkg query`: SPARQL on the local graph, printed as table, JSON, CSV, TSV or Turtle."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef

from netkg.curate.query import QueryError, open_store, render, run_query
from netkg.release.build import build_release

SRC = Path(__file__).parent / "fixtures" / "release" / "src"
SELECT = "SELECT ?t ?label WHERE { ?t a net:Treatment ; skos:prefLabel ?label } ORDER BY ?t"
CONSTRUCT = "CONSTRUCT { ?t a net:Treatment } WHERE { ?t a net:Treatment }"


@pytest.fixture(scope="module")
def store() -> ox.Store:
    return open_store(SRC)


def select(store: ox.Store, fmt: str) -> str:
    return render(run_query(store, SELECT), fmt)


def test_table(store: ox.Store) -> None:
    text = select(store, "table")
    assert "id:radiation-therapy" in text and "surgery@en" in text
    assert text.rstrip().endswith("2 row(s)")


def test_json_is_sparql_results_json(store: ox.Store) -> None:
    document = json.loads(select(store, "json"))
    assert document["head"]["vars"] == ["t", "label"]
    values = [b["t"]["value"] for b in document["results"]["bindings"]]
    assert values == [
        "https://w3id.org/netkg/id/radiation-therapy",
        "https://w3id.org/netkg/id/surgery",
    ]


def test_csv_and_tsv(store: ox.Store) -> None:
    rows = list(csv.reader(io.StringIO(select(store, "csv"))))
    assert rows == [
        ["t", "label"],
        ["https://w3id.org/netkg/id/radiation-therapy", "radiation therapy"],
        ["https://w3id.org/netkg/id/surgery", "surgery"],
    ]
    lines = select(store, "tsv").splitlines()
    assert lines[0] == "?t\t?label"
    assert lines[2] == '<https://w3id.org/netkg/id/surgery>\t"surgery"@en'


def test_construct_as_turtle(store: ox.Store) -> None:
    text = render(run_query(store, CONSTRUCT), "turtle")
    graph = Graph().parse(data=text, format="turtle")
    assert len(graph) == 2
    assert (URIRef("https://w3id.org/netkg/id/surgery"), None, None) in graph
    assert "@prefix net:" in text and "@prefix bibo:" not in text  # only the prefixes used


def test_construct_as_table_and_csv(store: ox.Store) -> None:
    assert "id:surgery" in render(run_query(store, CONSTRUCT), "table")
    rows = list(csv.reader(io.StringIO(render(run_query(store, CONSTRUCT), "csv"))))
    assert rows[0] == ["subject", "predicate", "object"] and len(rows) == 3


def test_ask(store: ox.Store) -> None:
    assert render(run_query(store, "ASK { id:surgery a net:Treatment }"), "table") == "true\n"
    assert json.loads(render(run_query(store, "ASK { id:nothing ?p ?o }"), "json")) == {
        "head": {},
        "boolean": False,
    }


def test_a_malformed_query_is_a_query_error(store: ox.Store) -> None:
    with pytest.raises(QueryError, match="malformed SPARQL query"):
        run_query(store, "SELECT ?x WHERE { ?x ")
    assert QueryError("x").exit_code == 2


def test_an_update_is_refused(store: ox.Store) -> None:
    with pytest.raises(QueryError, match="read-only"):
        run_query(store, "INSERT DATA { id:a id:b id:c }")


def test_turtle_for_a_select_is_a_query_error(store: ox.Store) -> None:
    with pytest.raises(QueryError, match="CONSTRUCT or DESCRIBE"):
        select(store, "turtle")


def test_a_release_folder_is_queried_across_its_named_graphs(tmp_path: Path) -> None:
    dist = build_release(SRC, tmp_path / "dist", date="2026-01-01")
    store = open_store(dist)
    assert render(run_query(store, "ASK { ?d a void:Dataset }"), "table") == "true\n"
    assert render(run_query(store, "ASK { id:surgery a net:Treatment }"), "table") == "true\n"
    without = open_store(dist, include_void=False)
    assert render(run_query(without, "ASK { ?d a void:Dataset }"), "table") == "false\n"


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
    ],
)
def test_query_never_fetches_a_url_nor_updates(query: str) -> None:
    with pytest.raises(QueryError, match=r"SERVICE|read-only"):
        run_query(ox.Store(), query)
