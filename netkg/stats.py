"""`netkg stats`: what the graph holds — instances per class, triples per property, mappings per
target vocabulary and citations per bibliographic type — so a curator sees at a glance what a change
added and a reviewer can spot a class that suddenly emptied.

>>> s = stats(open_store(Path("tests/fixtures/release/src"), include_void=False))
>>> s["mappings"][0]["vocabulary"]
'MeSH'
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rich.console import Console
from rich.table import Table

from netkg.localquery import open_store, run_query, shorten

__all__ = ["FORMATS", "VOCABULARIES", "open_store", "render", "stats", "stats_of"]

FORMATS = ("table", "json")

#: Target vocabularies of mappings (docs/model.md): display name by IRI namespace.
VOCABULARIES: dict[str, str] = {
    "http://purl.obolibrary.org/obo/NCIT_": "NCIt",
    "http://purl.obolibrary.org/obo/MONDO_": "Mondo",
    "http://id.nlm.nih.gov/mesh/": "MeSH",
    "http://snomed.info/id/": "SNOMED CT",
    "https://w3id.org/netkg/external/icdo3/": "ICD-O-3",
}

_CLASSES = """
SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class }
GROUP BY ?class ORDER BY DESC(?n) ?class
"""
_PROPERTIES = """
SELECT ?property (COUNT(*) AS ?n) WHERE { ?s ?property ?o }
GROUP BY ?property ORDER BY DESC(?n) ?property
"""
_MAPPINGS = """
SELECT ?relation ?target WHERE {
  VALUES ?relation { skos:exactMatch skos:closeMatch skos:broadMatch skos:narrowMatch
                     skos:relatedMatch }
  ?s ?relation ?target .
  FILTER (isIRI(?target))
}
"""
_CITATIONS = """
SELECT ?type (COUNT(DISTINCT ?ref) AS ?n) WHERE {
  ?ref a net:Reference .
  OPTIONAL { ?ref a ?other . ?other rdfs:subClassOf+ net:Reference }
  BIND (COALESCE(?other, net:Reference) AS ?type)
}
GROUP BY ?type ORDER BY DESC(?n) ?type
"""


def _count(term: object) -> int:
    return int(term.value) if isinstance(term, ox.Literal) else 0


def _vocabulary(iri: str) -> str:
    for namespace, name in VOCABULARIES.items():
        if iri.startswith(namespace):
            return name
    return "other"


def stats(store: ox.Store) -> dict[str, Any]:
    """Counts as plain data (sorted, so the JSON is stable): triples, classes, properties,
    mappings (vocabulary x relation) and citations per type."""
    total = run_query(store, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")
    assert isinstance(total, ox.QuerySolutions)
    triples = _count(next(iter(total))["n"])
    classes = run_query(store, _CLASSES)
    properties = run_query(store, _PROPERTIES)
    mappings = run_query(store, _MAPPINGS)
    citations = run_query(store, _CITATIONS)
    assert isinstance(classes, ox.QuerySolutions)
    assert isinstance(properties, ox.QuerySolutions)
    assert isinstance(mappings, ox.QuerySolutions)
    assert isinstance(citations, ox.QuerySolutions)
    by_vocabulary: dict[tuple[str, str], int] = {}
    for row in mappings:
        target, relation = row["target"], row["relation"]
        assert isinstance(target, ox.NamedNode)
        key = (_vocabulary(target.value), shorten(relation))
        by_vocabulary[key] = by_vocabulary.get(key, 0) + 1
    return {
        "triples": triples,
        "classes": [{"class": shorten(r["class"]), "instances": _count(r["n"])} for r in classes],
        "properties": [
            {"property": shorten(r["property"]), "triples": _count(r["n"])} for r in properties
        ],
        "mappings": [
            {"vocabulary": v, "relation": rel, "mappings": n}
            for (v, rel), n in sorted(by_vocabulary.items())
        ],
        "citations": [{"type": shorten(r["type"]), "citations": _count(r["n"])} for r in citations],
    }


def render(data: dict[str, Any], fmt: str) -> str:
    """`table` (rich, one table per section) or `json`."""
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    buffer = io.StringIO()
    console = Console(file=buffer, width=120, no_color=True)
    console.print(f"{data['triples']} triples")
    sections = (
        ("Instances per class", "classes", ("class", "instances")),
        ("Triples per property", "properties", ("property", "triples")),
        ("Mappings per vocabulary", "mappings", ("vocabulary", "relation", "mappings")),
        ("Citations per type", "citations", ("type", "citations")),
    )
    for title, key, columns in sections:
        table = Table(*columns, title=title, title_justify="left")
        for row in data[key]:
            table.add_row(*(str(row[c]) for c in columns))
        if not data[key]:
            table.add_row(*(["(none)"] + [""] * (len(columns) - 1)))
        console.print(table)
    return buffer.getvalue()


def stats_of(path: Path) -> dict[str, Any]:
    """Stats of a source tree, a release folder (without its VoID graph) or one RDF file."""
    return stats(open_store(path, include_void=False))
