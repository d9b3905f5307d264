"""The embedded store: the release's on-disk Oxigraph store, opened read-only in every process.

Nothing is loaded at start-up and memory does not multiply with processes: every serving process
and every worker opens the same folder with `pyoxigraph.Store.read_only`, and the OS page cache
is shared. A bounded query (netkg.store.guard: a dereference, a named query, a small query with
a LIMIT) runs here, in the serving process, and its typed result is serialised once; any other
query goes to a killable worker (netkg.store.workers).
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from netkg.errors import StoreUnavailable
from netkg.store.base import Checked, GuardedStore, Limits
from netkg.store.engine import Request, evaluate
from netkg.store.guard import inspect_query
from netkg.store.protocol import QueryAnswer, Result
from netkg.store.workers import Admission, Job, WorkerPool

__all__ = ["EmbeddedStore"]


class EmbeddedStore(GuardedStore):
    """The on-disk store at `location`, read-only; see the module docstring."""

    def __init__(
        self, location: Path, limits: Limits | None = None, admission: Admission | None = None
    ) -> None:
        try:
            self._store: ox.Store | None = ox.Store.read_only(str(location))
        except OSError as error:
            raise StoreUnavailable(f"can't open the query store {location}: {error}") from None
        super().__init__(limits or Limits(), self._release)
        self.location = location
        self.pool = WorkerPool(
            location, admission or Admission(), max_timeout=self.limits.max_query_timeout
        )

    def runs_inline(self, sparql: str) -> bool:
        return (
            self._store is not None
            and len(sparql) <= self.limits.max_query_bytes
            and (inspect_query(sparql).light)
        )

    def _answer(self, query: Checked) -> Result | QueryAnswer:
        """Typed results when the query runs here (netkg's own, or bounded); else a worker's."""
        shape, options = query.shape, query.options
        request = Request.of(query.sparql, shape.has_from, options)
        if (shape.light or options.get("trusted")) and self._store is not None:
            return evaluate(self._store, request)
        bounded = self.limits.bounded(shape)
        return self.pool.answer(
            Job(request, query.solutions_format, query.graph_format, self.max_rows, bounded),
            limit=self.limits.timeout(options.get("timeout")),
            client=options.get("client", ""),
        )

    @property
    def worker_count(self) -> int:
        return self.pool.worker_count

    def status(self) -> dict[str, int]:
        return self.pool.status()

    def _release(self) -> None:
        self.pool.close()
        self._store = None  # results still being read keep the database open until they end
