"""The store protocol: what the service needs from a store (docs/service.md)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Literal, NamedTuple, Protocol

import pyoxigraph as ox

from netkg.errors import StoreUnavailable

__all__ = ["SPARQL_JSON", "TURTLE", "Lifetime", "QueryAnswer", "Result", "Store", "Term"]

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


class Store(Protocol):
    """A read-only SPARQL store. `execute` gives typed results (serialise them once, with
    `netkg.store.results.serialise`); `query` gives them serialised in the format asked for.

    `trusted` marks netkg's own queries (dereferencing, named queries): they run in the serving
    process like bounded client queries. `client` names who asks (an address), for fairness.
    `base_iri` and `prefixes` are the BASE and PREFIX declarations the query starts from (the
    endpoint's IRI and netkg's prefixes on /sparql); the query's own declarations win, and
    parser errors name the line and column of `sparql` itself.
    """

    max_rows: int  # the most solutions or triples an answer may have

    def execute(
        self,
        sparql: str,
        *,
        substitutions: Mapping[str, Term] | None = None,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        timeout: float | None = None,
        trusted: bool = False,
        client: str = "",
        base_iri: str | None = None,
        prefixes: Mapping[str, str] | None = None,
    ) -> Result: ...

    def query(
        self,
        sparql: str,
        *,
        solutions_format: str = SPARQL_JSON,
        graph_format: str = TURTLE,
        substitutions: Mapping[str, Term] | None = None,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        timeout: float | None = None,
        trusted: bool = False,
        client: str = "",
        base_iri: str | None = None,
        prefixes: Mapping[str, str] | None = None,
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


class Lifetime:
    """Counts a store's queries in flight, so that hot reload can close the old store when its
    last query ends. A draining store still answers for `grace` seconds (a request that picked
    it just before the swap is served), then closes as soon as nothing is in flight."""

    def __init__(self, release: Callable[[], None], *, grace: float = 2.0) -> None:
        self._release = release
        self.grace = grace
        self._lock = threading.Lock()
        self._in_flight = 0
        self._draining = False
        self._grace_over = False
        self.closed = False

    @contextmanager
    def query(self) -> Iterator[None]:
        with self._lock:
            if self.closed:
                raise StoreUnavailable("the store was closed (a newer release replaced it)")
            self._in_flight += 1
        try:
            yield
        finally:
            with self._lock:
                self._in_flight -= 1
            self._release_if_done()

    def _release_if_done(self) -> None:
        with self._lock:
            done = self._grace_over and self._in_flight == 0 and not self.closed
            if done:
                self.closed = True
        if done:
            self._release()

    def _end_grace(self) -> None:
        with self._lock:
            self._grace_over = True
        self._release_if_done()

    def close(self, *, drain: bool = False) -> None:
        if drain:
            with self._lock:
                if self._draining or self.closed:
                    return
                self._draining = True
            timer = threading.Timer(self.grace, self._end_grace)
            timer.daemon = True
            timer.start()
            return
        with self._lock:
            if self.closed:
                return
            self.closed = True
        self._release()
