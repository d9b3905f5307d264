"""Serialising one page of a named query's answer in the format the client asked for.

Friendly JSON (rows of plain values with paging links), JSON-LD, or the standard SPARQL results
formats, which pyoxigraph writes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

import pyoxigraph as ox

from netkg.errors import NotAcceptable
from netkg.prefixes import PREFIXES
from netkg.web.api_run import QueryResult

__all__ = ["FORMATS", "plain", "render"]

XSD = PREFIXES["xsd"]

FORMATS: dict[str, str] = {
    "json": "application/json",
    "jsonld": "application/ld+json",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "srj": "application/sparql-results+json",
    "srx": "application/sparql-results+xml",
}
"""Suffix / `?format=` name -> media type of a named query's answer; JSON first (the default)."""
RESULTS_MEDIA_TYPES = frozenset({FORMATS[f] for f in ("csv", "tsv", "srj", "srx")})
"""The standard SPARQL results formats among them: pyoxigraph writes these."""


def plain(term: ox.NamedNode | ox.Literal | ox.BlankNode | None) -> Any:
    """A term as a plain JSON value: IRIs and strings as text, numbers and booleans as such."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    datatype = term.datatype.value
    if datatype in (XSD + "integer", XSD + "int", XSD + "long", XSD + "nonNegativeInteger"):
        try:
            return int(term.value)
        except ValueError:
            return term.value
    if datatype in (XSD + "decimal", XSD + "double", XSD + "float"):
        try:
            return float(term.value)
        except ValueError:
            return term.value
    if datatype == XSD + "boolean":
        return term.value in ("true", "1")
    return term.value


def _jsonld_value(term: Any) -> Any:
    if isinstance(term, ox.NamedNode):
        return {"@id": term.value}
    if isinstance(term, ox.BlankNode):
        return {"@id": "_:" + term.value}
    if term.language:
        return {"@value": term.value, "@language": term.language}
    if term.datatype.value == XSD + "string":
        return term.value
    return {"@value": term.value, "@type": term.datatype.value}


def _friendly(result: QueryResult, links: Mapping[str, str | None]) -> dict[str, Any]:
    return {
        "query": result.query.name,
        "columns": list(result.columns),
        "rows": [{c: plain(row.get(c)) for c in result.columns} for row in result.rows],
        "count": len(result.rows),
        "limit": result.limit,
        "offset": result.offset,
        "truncated": result.truncated,
        "next": links.get("next"),
        "links": dict(links),
    }


def render(
    result: QueryResult, media_type: str, base: str, links: Mapping[str, str | None]
) -> bytes:
    """Serialise one page in `media_type` (one of FORMATS' values)."""
    columns = list(result.columns)
    if media_type == "application/json":
        return _dumps(_friendly(result, links))
    if media_type == "application/ld+json":
        vocab = f"{base}api/{result.query.name}#"
        graph = [{c: _jsonld_value(t) for c, t in row.items()} for row in result.rows]
        return _dumps({"@context": {"@vocab": vocab}, "@graph": graph})
    if media_type in RESULTS_MEDIA_TYPES:
        body = _page_solutions(columns, result.rows).serialize(
            format=ox.QueryResultsFormat.from_media_type(media_type)
        )
        assert body is not None
        return body
    raise NotAcceptable(f"no serialisation {media_type!r} for named queries")


def _page_solutions(
    columns: Sequence[str], rows: Iterable[Mapping[str, ox.NamedNode | ox.Literal | ox.BlankNode]]
) -> ox.QuerySolutions:
    """One page as pyoxigraph solutions, for its SPARQL results serialisers.

    The page is a slice of the store's answer without the `?_` inputs, and pyoxigraph makes
    solutions only by parsing; so the rows go through SPARQL TSV, whose cells are exactly the
    terms' N-Triples form (`str(term)`): nothing is escaped or written by hand here.
    """
    lines = ["\t".join("?" + c for c in columns)]
    lines.extend("\t".join(str(row[c]) if c in row else "" for c in columns) for row in rows)
    tsv = ("\n".join(lines) + "\n").encode("utf-8")
    return cast(ox.QuerySolutions, ox.parse_query_results(tsv, ox.QueryResultsFormat.TSV))


def _dumps(document: object) -> bytes:
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
