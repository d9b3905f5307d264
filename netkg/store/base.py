"""What every store does around its engine: the limits, the guard, the queries in flight.

`GuardedStore` is the shared half of the `Store` protocol (netkg.store.protocol): its `execute`
and `query` check the query against the `Limits` (netkg.store.guard: UPDATE, SERVICE, size,
depth, dataset IRIs), count it in flight (`Lifetime`, for hot reload) and hand it to the one
engine-specific method, `_answer`, which gives typed results (run here) or serialised ones (run
elsewhere, e.g. in a worker); each is turned into what the caller asked for, once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import NamedTuple, Unpack

import pyoxigraph as ox

from netkg.errors import StoreUnavailable
from netkg.store.guard import QueryShape, check_dataset, check_query
from netkg.store.protocol import SPARQL_JSON, TURTLE, QueryAnswer, QueryOptions, Result
from netkg.store.results import N_TRIPLES, TSV, serialise

__all__ = ["Checked", "GuardedStore", "Lifetime", "Limits"]


@dataclass(frozen=True)
class Limits:
    """What a store accepts, and for how long; named as the settings are (NETKG_QUERY_TIMEOUT…)."""

    query_timeout: float = 10.0  # seconds, when the query asks for no timeout
    max_query_timeout: float = 60.0  # the most a query may ask for
    max_result_rows: int = 10_000  # the most solutions or triples an answer may have
    allow_service: bool = False
    max_query_depth: int = 64
    max_query_bytes: int = 100_000

    def check(self, sparql: str, options: QueryOptions) -> QueryShape:
        """Refuse what must not reach the engine (the guard, the dataset); the query's shape."""
        shape = check_query(
            sparql,
            allow_service=self.allow_service,
            max_depth=self.max_query_depth,
            max_bytes=self.max_query_bytes,
        )
        check_dataset(options.get("default_graph_uris", ()), options.get("named_graph_uris", ()))
        return shape

    def timeout(self, asked: float | None) -> float:
        """The seconds a query may run: what it asks for (or the default), at most the maximum."""
        return min(asked or self.query_timeout, self.max_query_timeout)

    def bounded(self, shape: QueryShape) -> bool:
        """The query's own LIMIT keeps its result within the row limit (nothing to count)."""
        return shape.form == "ASK" or (
            shape.limit is not None and shape.limit <= self.max_result_rows
        )


class Checked(NamedTuple):
    """A query past the guard, as a store's engine-specific step `_answer` gets it."""

    sparql: str
    shape: QueryShape
    options: QueryOptions
    solutions_format: str  # the formats asked for, should the engine serialise (e.g. a worker)
    graph_format: str


class GuardedStore:
    """The steps `execute` and `query` share; a store implements `_answer` (and `runs_inline`,
    `status`). `counts_rows`: its typed answers are already counted against the row limit."""

    counts_rows = False

    def __init__(self, limits: Limits, release: Callable[[], None]) -> None:
        self.limits = limits
        self.max_rows = limits.max_result_rows
        self._lifetime = Lifetime(release)

    def _answer(self, query: Checked) -> Result | QueryAnswer:
        """Run the checked query: typed results, or results already serialised in the formats
        asked for (by whoever ran it, counted against the row limit)."""
        raise NotImplementedError

    def execute(self, sparql: str, **options: Unpack[QueryOptions]) -> Result:
        shape = self.limits.check(sparql, options)
        with self._lifetime.query():
            answer = self._answer(Checked(sparql, shape, options, TSV, N_TRIPLES))
        if not isinstance(answer, QueryAnswer):
            return answer
        if answer.kind == "graph":
            return [q.triple for q in ox.parse(answer.body, format=ox.RdfFormat.N_TRIPLES)]
        return ox.parse_query_results(answer.body, ox.QueryResultsFormat.TSV)

    def query(
        self,
        sparql: str,
        *,
        solutions_format: str = SPARQL_JSON,
        graph_format: str = TURTLE,
        **options: Unpack[QueryOptions],
    ) -> QueryAnswer:
        shape = self.limits.check(sparql, options)
        with self._lifetime.query():
            answer = self._answer(Checked(sparql, shape, options, solutions_format, graph_format))
            if isinstance(answer, QueryAnswer):
                return answer
            return serialise(
                answer,
                solutions_format=solutions_format,
                graph_format=graph_format,
                max_rows=self.max_rows,
                bounded=self.counts_rows or self.limits.bounded(shape),
            )

    def close(self, *, drain: bool = False) -> None:
        self._lifetime.close(drain=drain)


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
