"""The store protocol: what the service needs from a store (docs/service.md)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal, NamedTuple, Protocol, TypedDict, Unpack

import pyoxigraph as ox

__all__ = ["SPARQL_JSON", "TURTLE", "QueryAnswer", "QueryOptions", "Result", "Store", "Term"]

SPARQL_JSON = "application/sparql-results+json"
TURTLE = "text/turtle"

Term = ox.NamedNode | ox.BlankNode | ox.Literal

Result = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples | list[ox.Triple]
"""A typed answer: solutions (with their variables), a boolean, or a graph's triples."""


class QueryAnswer(NamedTuple):
    """A query's answer, already serialised: `body` is in `media_type`."""

    kind: Literal["solutions", "boolean", "graph"]
    media_type: str
    body: bytes


class QueryOptions(TypedDict, total=False):
    """What a query may come with, every key optional: the one list of `Store.execute` and
    `Store.query` (PEP 692 keyword arguments).

    `substitutions` are bound, never spliced (default: none). `default_graph_uris` and
    `named_graph_uris` are the SPARQL 1.1 Protocol dataset (default: the union of the named
    graphs, unless the query has FROM). `timeout` in seconds (default: the store's, capped by its
    maximum). `trusted` marks netkg's own queries (dereferencing, named queries): they run in the
    serving process like bounded client queries (default: False). `client` names who asks (an
    address), for fairness (default: ""). `base_iri` and `prefixes` are the BASE and PREFIX
    declarations the query starts from (the endpoint's IRI and netkg's prefixes on /sparql); the
    query's own declarations win, and parser errors name the line and column of `sparql` itself.
    """

    substitutions: Mapping[str, Term] | None
    default_graph_uris: Sequence[str]
    named_graph_uris: Sequence[str]
    timeout: float | None
    trusted: bool
    client: str
    base_iri: str | None
    prefixes: Mapping[str, str] | None


class Store(Protocol):
    """A read-only SPARQL store. `execute` gives typed results (serialise them once, with
    `netkg.store.results.serialise`); `query` gives them serialised in the format asked for.
    Both take the same `QueryOptions`.
    """

    max_rows: int  # the most solutions or triples an answer may have

    def execute(self, sparql: str, **options: Unpack[QueryOptions]) -> Result: ...

    def query(
        self,
        sparql: str,
        *,
        solutions_format: str = SPARQL_JSON,
        graph_format: str = TURTLE,
        **options: Unpack[QueryOptions],
    ) -> QueryAnswer: ...

    def runs_inline(self, sparql: str) -> bool:
        """True when `execute(sparql)` runs in this process and answers at once (bounded): the
        caller may call it on its event loop instead of a thread."""
        ...

    def status(self) -> dict[str, int]:
        """Counters for operators (`/-/health`), e.g. workers and long queries in flight."""
        ...

    def close(self, *, drain: bool = False) -> None:
        """Stop taking queries; with `drain`, free resources once the queries in flight end."""
        ...
