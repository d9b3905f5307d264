"""Serialising typed results, once, with pyoxigraph's serialisers; counting against the row limit.

A result bounded by its own LIMIT (at most the row limit) is written straight into the format asked
for. Any other result is first written as TSV through a counter that stops the serialiser at the
row limit (an error, never silent truncation), then converted.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterable, Sequence
from typing import IO, Any, cast

import pyoxigraph as ox

from netkg.errors import BadRequest, QueryTimeout, ResultTooLarge
from netkg.prefixes import PREFIXES
from netkg.store.protocol import QueryAnswer, Result

__all__ = [
    "N_TRIPLES",
    "TSV",
    "limited_triples",
    "serialise",
    "timeout_error",
    "too_large",
    "used_prefixes",
]

TSV = "text/tab-separated-values"
N_TRIPLES = "application/n-triples"


def timeout_error(what: str, max_timeout: float) -> QueryTimeout:
    """The one message for a query past its time limit, saying how to get more time."""
    return QueryTimeout(
        f"{what} (the time limit); ask for a longer limit with timeout= "
        f"(at most {max_timeout:g}s) or simplify the query"
    )


def too_large(max_rows: int, what: str) -> ResultTooLarge:
    return ResultTooLarge(
        f"the result has more than {max_rows} {what} (this server's limit); "
        "add LIMIT and OFFSET to page through it, or ask a narrower question"
    )


class _RowCounter(io.RawIOBase):
    """A byte sink for TSV results that stops the serialiser once there are too many rows."""

    def __init__(self, max_rows: int) -> None:
        super().__init__()
        self.chunks: list[bytes] = []
        self.lines = 0
        self.max_lines = max_rows + 1  # the header line
        self.overflow = False

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self.lines += chunk.count(b"\n")
        if self.lines > self.max_lines:
            self.overflow = True
            raise OverflowError("too many rows")
        self.chunks.append(chunk)
        return len(chunk)


def results_format(media_type: str) -> ox.QueryResultsFormat:
    fmt = ox.QueryResultsFormat.from_media_type(media_type)
    if fmt is None:
        raise BadRequest(f"unsupported results format {media_type!r}")
    return fmt


def _rdf_format(media_type: str) -> ox.RdfFormat:
    fmt = ox.RdfFormat.from_media_type(media_type)
    if fmt is None:
        raise BadRequest(f"unsupported RDF format {media_type!r}")
    return fmt


def _answer_from_tsv(tsv: bytes, solutions_format: str) -> QueryAnswer:
    """Solutions already counted (TSV) in the format asked for."""
    if solutions_format == TSV:
        return QueryAnswer("solutions", TSV, tsv)
    parsed = ox.parse_query_results(tsv, ox.QueryResultsFormat.TSV)
    body = parsed.serialize(format=results_format(solutions_format))
    assert body is not None
    return QueryAnswer("solutions", solutions_format, body)


def used_prefixes(triples: Iterable[ox.Triple]) -> dict[str, str]:
    """The PREFIXES a graph uses, so a Turtle answer declares only what it needs."""
    iris: set[str] = set()
    for triple in triples:
        for term in (triple.subject, triple.predicate, triple.object):
            if isinstance(term, ox.NamedNode):
                iris.add(term.value)
            elif isinstance(term, ox.Literal):
                iris.add(term.datatype.value)
    return {p: ns for p, ns in PREFIXES.items() if any(i.startswith(ns) for i in iris)}


def _graph_answer(triples: Sequence[ox.Triple], graph_format: str) -> QueryAnswer:
    fmt = _rdf_format(graph_format)
    prefixes = None
    if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML):
        prefixes = used_prefixes(triples)
    body = ox.serialize(triples, format=fmt, prefixes=prefixes)
    assert body is not None
    return QueryAnswer("graph", graph_format, body)


def limited_triples(triples: Iterable[ox.Triple], max_rows: int) -> list[ox.Triple]:
    """The triples, or ResultTooLarge past `max_rows` (read no further than that)."""
    kept = list(itertools.islice(triples, max_rows + 1))
    if len(kept) > max_rows:
        raise too_large(max_rows, "triples")
    return kept


def serialise(
    result: Result,
    *,
    solutions_format: str,
    graph_format: str,
    max_rows: int,
    bounded: bool = False,
) -> QueryAnswer:
    """Serialise a typed result; `bounded`: its own LIMIT keeps it within `max_rows`."""
    if isinstance(result, ox.QueryBoolean):
        body = result.serialize(format=results_format(solutions_format))
        assert body is not None
        return QueryAnswer("boolean", solutions_format, body)
    if isinstance(result, ox.QuerySolutions):
        fmt = results_format(solutions_format)  # fail before doing the work
        if bounded:
            body = result.serialize(format=fmt)
            assert body is not None
            return QueryAnswer("solutions", solutions_format, body)
        sink = _RowCounter(max_rows)
        try:
            result.serialize(cast(IO[bytes], sink), ox.QueryResultsFormat.TSV)
        except Exception:
            if sink.overflow:
                raise too_large(max_rows, "rows") from None
            raise
        return _answer_from_tsv(b"".join(sink.chunks), solutions_format)
    return _graph_answer(limited_triples(result, max_rows), graph_format)
