"""`netkg stats`: what the graph holds — instances per class, triples per property, mappings per
target vocabulary and citations per bibliographic type — so a curator sees at a glance what a change
added and a reviewer can spot a class that suddenly emptied.

>>> s = stats(open_store(Path("tests/fixtures/release/src")))
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

from netkg import queries
from netkg.curate.query import open_store, shorten
from netkg.prefixes import BASE, PREFIXES

__all__ = ["FORMATS", "VOCABULARIES", "headline", "open_store", "render", "stats", "stats_of"]

FORMATS = ("table", "json")

#: Target vocabularies of mappings (docs/model.md): display name by IRI namespace.
VOCABULARIES: dict[str, str] = {
    "http://purl.obolibrary.org/obo/NCIT_": "NCIt",
    "http://purl.obolibrary.org/obo/MONDO_": "Mondo",
    "http://id.nlm.nih.gov/mesh/": "MeSH",
    "http://snomed.info/id/": "SNOMED CT",
    "https://w3id.org/netkg/external/icdo3/": "ICD-O-3",
}

GRAPH_BASE = BASE + "graph/"
#: The release's named graphs (docs/model.md) by what they hold: the curated sources, what the
#: build generates from api/, and the VoID description, which describes the counts, so is not one.
CURATED = ("ontology", "data")
GENERATED = {"queries": "named-query examples"}
DESCRIPTION = "void"


def _count(term: object) -> int:
    return int(term.value) if isinstance(term, ox.Literal) else 0


def _vocabulary(iri: str) -> str:
    for namespace, name in VOCABULARIES.items():
        if iri.startswith(namespace):
            return name
    return "other"


def _graph_name(term: object) -> str:
    iri = term.value if isinstance(term, ox.NamedNode) else ""
    return iri[len(GRAPH_BASE) :] if iri.startswith(GRAPH_BASE) else shorten(term)


def stats(store: ox.Store) -> dict[str, Any]:
    """Counts as plain data (sorted, so the JSON is stable): triples per named graph, then the
    triples, classes, properties, mappings (vocabulary x relation) and citations per type of
    every graph but the VoID description (`triples` counts exactly those; `curated` the
    ontology and data graphs, which is what the sources hold)."""
    graphs = {_graph_name(r["graph"]): _count(r["n"]) for r in _solutions(store, "graphs", None)}
    counted = [g for g in store.named_graphs() if _graph_name(g) != DESCRIPTION]

    def run(name: str) -> ox.QuerySolutions:
        return _solutions(store, name, counted)

    triples = _count(next(iter(run("triples")))["n"])
    classes, properties = run("classes"), run("properties")
    mappings, citations = run("mappings"), run("citations")
    by_vocabulary: dict[tuple[str, str], int] = {}
    for row in mappings:
        target, relation = row["target"], row["relation"]
        assert isinstance(target, ox.NamedNode)
        key = (_vocabulary(target.value), shorten(relation))
        by_vocabulary[key] = by_vocabulary.get(key, 0) + 1
    return {
        "triples": triples,
        "curated": sum(graphs.get(g, 0) for g in CURATED),
        "graphs": dict(sorted(graphs.items())),
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


def _solutions(store: ox.Store, name: str, graphs: list[Any] | None) -> ox.QuerySolutions:
    """Run `queries/stats/<name>.rq` with `graphs` as its default graph (None: none)."""
    query = queries.text(__name__, name)
    options: dict[str, Any] = {"prefixes": dict(PREFIXES)}
    if graphs is not None:
        options["default_graph"] = graphs
    result = store.query(query, **options)
    assert isinstance(result, ox.QuerySolutions)
    return result


def headline(graphs: dict[str, int], triples: int) -> str:
    """What a count of `triples` counts, from the triples per graph: e.g. `1,926 curated triples
    (ontology 325 + data 1,601)` for sources; for a release (it has a VoID graph), the curated
    part, what the build generated, and the VoID description, which `triples` leaves out."""
    graphs = {g: n for g, n in graphs.items() if n}
    parts = " + ".join(f"{g} {graphs[g]:,}" for g in CURATED if g in graphs)
    total = sum(graphs.get(g, 0) for g in CURATED)
    curated = f"{total:,} curated triples" + (f" ({parts})" if parts else "")
    known = {*CURATED, *GENERATED, DESCRIPTION}
    added = [f"{graphs[g]:,} generated ({what})" for g, what in GENERATED.items() if graphs.get(g)]
    added += [f"{n:,} in graph {g}" for g, n in sorted(graphs.items()) if g not in known]
    if DESCRIPTION not in graphs:  # a source tree or one file
        return " + ".join([curated, *added])
    return (
        f"release: {triples:,} triples = {' + '.join([curated, *added])}; its VoID description "
        f"adds {graphs[DESCRIPTION]:,} ({sum(graphs.values()):,} in all {len(graphs)} named graphs)"
    )


def render(data: dict[str, Any], fmt: str) -> str:
    """`table` (rich, one table per section) or `json`."""
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    buffer = io.StringIO()
    console = Console(file=buffer, width=120, no_color=True)
    console.print(headline(data["graphs"], data["triples"]), soft_wrap=True)
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
    """Stats of a source tree, a release folder (its VoID graph counted apart) or one RDF file."""
    return stats(open_store(path))
