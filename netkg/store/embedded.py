"""The embedded store: the release's on-disk Oxigraph store, opened read-only in every process.

Nothing is loaded at start-up and memory does not multiply with processes: every serving process
and every worker opens the same folder with `pyoxigraph.Store.read_only`, and the OS page cache
is shared. A bounded query (netkg.store.guard: a dereference, a named query, a small query with
a LIMIT) runs here, in the serving process, and its typed result is serialised once; any other
query goes to a killable worker (netkg.store.workers).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pyoxigraph as ox

from netkg.errors import StoreUnavailable
from netkg.store.engine import Request, evaluate
from netkg.store.guard import QueryShape, check_dataset, check_query, inspect_query
from netkg.store.protocol import SPARQL_JSON, TURTLE, Lifetime, QueryAnswer, Result, Term
from netkg.store.results import N_TRIPLES, TSV, serialise
from netkg.store.workers import Job, WorkerPool

__all__ = ["EmbeddedStore"]


class EmbeddedStore:
    """The on-disk store at `location`, read-only; see the module docstring."""

    def __init__(
        self,
        location: Path,
        *,
        workers: int = 2,
        query_timeout: float = 10.0,
        max_query_timeout: float = 60.0,
        max_rows: int = 10_000,
        allow_service: bool = False,
        worker_wait: float = 10.0,
        queue_size: int = 8,
        client_limit: int = 2,
        max_query_depth: int = 64,
        max_query_bytes: int = 100_000,
        worker_nice: int = 10,
    ) -> None:
        try:
            self._store: ox.Store | None = ox.Store.read_only(str(location))
        except OSError as error:
            raise StoreUnavailable(f"can't open the query store {location}: {error}") from None
        self.location = location
        self.query_timeout = query_timeout
        self.max_query_timeout = max_query_timeout
        self.max_rows = max_rows
        self.allow_service = allow_service
        self.max_query_depth = max_query_depth
        self.max_query_bytes = max_query_bytes
        self.pool = WorkerPool(
            location,
            size=workers,
            queue_size=queue_size,
            per_client=client_limit,
            wait=worker_wait,
            nice=worker_nice,
            max_timeout=max_query_timeout,
        )
        self._lifetime = Lifetime(self._release)

    def _prepare(
        self,
        sparql: str,
        substitutions: Mapping[str, Term] | None,
        default_graph_uris: Sequence[str],
        named_graph_uris: Sequence[str],
        base_iri: str | None,
        prefixes: Mapping[str, str] | None,
    ) -> tuple[QueryShape, Request]:
        """The guard's verdict on the query, and the request to evaluate (here or in a worker)."""
        shape = check_query(
            sparql,
            allow_service=self.allow_service,
            max_depth=self.max_query_depth,
            max_bytes=self.max_query_bytes,
        )
        check_dataset(default_graph_uris, named_graph_uris)
        request = Request.of(
            sparql,
            substitutions,
            default_graph_uris,
            named_graph_uris,
            shape.has_from,
            base_iri,
            prefixes,
        )
        return shape, request

    def _bounded(self, shape: QueryShape) -> bool:
        """The query's own LIMIT keeps its result within the row limit (nothing to count)."""
        return shape.form == "ASK" or (shape.limit is not None and shape.limit <= self.max_rows)

    def _limit(self, timeout: float | None) -> float:
        return min(timeout or self.query_timeout, self.max_query_timeout)

    def runs_inline(self, sparql: str) -> bool:
        return (
            self._store is not None
            and len(sparql) <= self.max_query_bytes
            and (inspect_query(sparql).light)
        )

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
    ) -> Result:
        shape, request = self._prepare(
            sparql, substitutions, default_graph_uris, named_graph_uris, base_iri, prefixes
        )
        with self._lifetime.query():
            if (trusted or shape.light) and self._store is not None:
                return evaluate(self._store, request)
            answer = self.pool.answer(
                Job(request, TSV, N_TRIPLES, self.max_rows, self._bounded(shape)),
                limit=self._limit(timeout),
                client=client,
            )
        if answer.kind == "graph":
            return [q.triple for q in ox.parse(answer.body, format=ox.RdfFormat.N_TRIPLES)]
        return ox.parse_query_results(answer.body, ox.QueryResultsFormat.TSV)

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
    ) -> QueryAnswer:
        shape, request = self._prepare(
            sparql, substitutions, default_graph_uris, named_graph_uris, base_iri, prefixes
        )
        bounded = self._bounded(shape)
        with self._lifetime.query():
            if (trusted or shape.light) and self._store is not None:
                return serialise(
                    evaluate(self._store, request),
                    solutions_format=solutions_format,
                    graph_format=graph_format,
                    max_rows=self.max_rows,
                    bounded=bounded,
                )
            return self.pool.answer(
                Job(request, solutions_format, graph_format, self.max_rows, bounded),
                limit=self._limit(timeout),
                client=client,
            )

    @property
    def worker_count(self) -> int:
        return self.pool.worker_count

    def status(self) -> dict[str, int]:
        return self.pool.status()

    def _release(self) -> None:
        self.pool.close()
        self._store = None  # results still being read keep the database open until they end

    def close(self, *, drain: bool = False) -> None:
        self._lifetime.close(drain=drain)
