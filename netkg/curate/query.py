"""`netkg query`: run SPARQL on the local graph (a source tree or a built release) with pyoxigraph.

Curators check a question against their working copy before they push, with the same engine the
service uses, and get a table, JSON, CSV, TSV or Turtle.

>>> store = open_store(Path("tests/fixtures/release/src"))
>>> bool(run_query(store, "ASK { ?s a <https://w3id.org/netkg/ontology#Treatment> }"))
True
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox
from rich.console import Console
from rich.table import Table

from netkg.errors import BadRequest, NetkgError, SourceError
from netkg.prefixes import BASE, PREFIXES, curie
from netkg.store import check_query

ONTOLOGY_GRAPH = ox.NamedNode(BASE + "graph/ontology")
DATA_GRAPH = ox.NamedNode(BASE + "graph/data")
VOID_GRAPH = ox.NamedNode(BASE + "graph/void")
FORMATS = ("table", "json", "csv", "tsv", "turtle")

_SUFFIX_FORMATS = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".trig": ox.RdfFormat.TRIG,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".rdf": ox.RdfFormat.RDF_XML,
}


class QueryError(BadRequest):
    """A malformed query, or a format that does not fit its result."""

    exit_code = 2


def _load_file(store: ox.Store, path: Path, graph: ox.NamedNode | None) -> None:
    fmt = _SUFFIX_FORMATS.get(path.suffix)
    if fmt is None:
        raise SourceError(f"{path}: not an RDF file netkg can read (use .ttl, .nt, .nq, .jsonld)")
    try:
        if graph is None or fmt in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG):
            store.load(path=path, format=fmt)
        else:
            store.load(path=path, format=fmt, to_graph=graph)
    except SyntaxError as error:
        raise SourceError(f"{path}: {error}") from error
    except OSError as error:
        raise SourceError(f"{path}: cannot read: {error.strerror or error}") from error


def open_store(path: Path, *, include_void: bool = True) -> ox.Store:
    """An in-memory store holding the graph at `path`.

    `path` is a release folder (its `netkg.nq`, one named graph per part), a source tree (its
    `ontology/` and `data/` Turtle, as the release's ontology and data graphs) or one RDF file.
    """
    store = ox.Store()
    if path.is_file():
        _load_file(store, path, DATA_GRAPH)
        return store
    if not path.is_dir():
        raise SourceError(f"{path}: no such file or folder")
    release = path / "netkg.nq"
    if release.is_file():
        _load_file(store, release, None)
        if not include_void and store.contains_named_graph(VOID_GRAPH):
            store.remove_graph(VOID_GRAPH)
        return store
    folders = [(path / "ontology", ONTOLOGY_GRAPH), (path / "data", DATA_GRAPH)]
    if not any(folder.is_dir() for folder, _ in folders):
        raise SourceError(
            f"{path}: neither a release (netkg.nq) nor a source tree (ontology/, data/)"
        )
    for folder, graph in folders:
        for file in sorted(folder.rglob("*")):
            if file.suffix in (".ttl", ".nt") and file.is_file():
                _load_file(store, file, graph)
    return store


def run_query(store: ox.Store, query: str) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
    """Run a read-only query over the union of the store's graphs; bad SPARQL is a QueryError.

    UPDATE and SERVICE are refused by the service's own guard, so a query never fetches a URL.
    """
    try:
        check_query(query, allow_service=False)
    except NetkgError as error:
        raise QueryError(f"netkg query: {error.message}") from None
    try:
        return store.query(query, use_default_graph_as_union=True, prefixes=dict(PREFIXES))
    except SyntaxError as error:
        raise QueryError(f"malformed SPARQL query: {error}") from error


def shorten(term: object) -> str:
    """A term as a person reads it: CURIEs for netkg's prefixes, plain text for literals."""
    if isinstance(term, ox.NamedNode):
        return curie(term.value) or f"<{term.value}>"
    if isinstance(term, ox.Literal):
        return term.value + (f"@{term.language}" if term.language else "")
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return "" if term is None else str(term)


def _table(columns: list[str], rows: Iterable[list[str]]) -> str:
    table = Table(*columns, show_lines=False)
    count = 0
    for row in rows:
        table.add_row(*row)
        count += 1
    buffer = io.StringIO()
    Console(file=buffer, width=160, no_color=True, soft_wrap=False).print(table)
    return buffer.getvalue() + f"{count} row(s)\n"


def _bytes(data: bytes | None) -> str:
    return (data or b"").decode("utf-8")


def _turtle(triples: list[ox.Triple]) -> str:
    """Turtle via rdflib, which writes only the prefixes used, in a stable order."""
    from rdflib import Graph

    graph = Graph(bind_namespaces="none")
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    graph.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    return str(graph.serialize(format="turtle"))


_RESULT_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}


def render(result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples, fmt: str) -> str:
    """The result as text in `fmt` (table, json, csv, tsv, turtle); a misfit is a QueryError."""
    if fmt not in FORMATS:
        raise QueryError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    if isinstance(result, ox.QueryBoolean):
        if fmt == "turtle":
            raise QueryError("--format turtle needs a CONSTRUCT or DESCRIBE query; this is ASK")
        if fmt == "table":
            return ("true" if bool(result) else "false") + "\n"
        return _bytes(result.serialize(format=_RESULT_FORMATS[fmt])) + "\n"
    if isinstance(result, ox.QuerySolutions):
        if fmt == "turtle":
            raise QueryError("--format turtle needs a CONSTRUCT or DESCRIBE query; this is SELECT")
        if fmt == "table":
            names = [v.value for v in result.variables]
            return _table(names, ([shorten(sol[name]) for name in names] for sol in result))
        return _bytes(result.serialize(format=_RESULT_FORMATS[fmt]))
    triples = list(result)
    if fmt == "turtle":
        return _turtle(triples)
    if fmt == "json":
        return _bytes(ox.serialize(triples, format=ox.RdfFormat.JSON_LD)) + "\n"
    rows = [[shorten(t.subject), shorten(t.predicate), shorten(t.object)] for t in triples]
    if fmt == "table":
        return _table(["subject", "predicate", "object"], rows)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(["subject", "predicate", "object"])
        writer.writerows(rows)
        return buffer.getvalue()
    lines = ["?subject\t?predicate\t?object"]
    lines += [f"{t.subject}\t{t.predicate}\t{t.object}" for t in triples]
    return "\n".join(lines) + "\n"
