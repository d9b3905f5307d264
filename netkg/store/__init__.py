"""The store: the only place that opens a triple store or speaks SPARQL over HTTP.

One narrow protocol (`netkg.store.protocol.Store`) and two implementations chosen by one setting:

- `EmbeddedStore` (default, `embedded.py`): the release's on-disk Oxigraph store, opened read-only
  in every process; bounded queries run in the serving process, the rest in killable workers
  (`workers.py`).
- `RemoteStore` (`remote.py`): any SPARQL 1.1 endpoint, loaded with `load_release_to`.

Both run the query guard first (`guard.py`: UPDATE, SERVICE, size, depth, dataset IRIs), count
results against the row limit (an error, never silent truncation) and serialise typed results
once (`results.py`). `release.py` reads a release and finds its store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from netkg.errors import StoreUnavailable
from netkg.release.read import Release, read_release, store_location
from netkg.store.embedded import EmbeddedStore
from netkg.store.guard import QueryShape, check_dataset, check_query, inline_terms, inspect_query
from netkg.store.protocol import QueryAnswer, Result, Store
from netkg.store.remote import RemoteStore, bind_values, load_release_to, values_block
from netkg.store.results import serialise

if TYPE_CHECKING:  # the query workers import this package; pydantic-settings costs them ~0.15 s
    from netkg.config import Settings

__all__ = [
    "EmbeddedStore",
    "QueryAnswer",
    "QueryShape",
    "Release",
    "RemoteStore",
    "Result",
    "Store",
    "bind_values",
    "check_dataset",
    "check_query",
    "inline_terms",
    "inspect_query",
    "load_release_to",
    "open_store",
    "read_release",
    "serialise",
    "store_location",
    "values_block",
]


def open_store(settings: Settings, release: Release | None = None) -> Store:
    """The store `settings` names, for `release` (default: the one in `settings.dist`)."""
    release = release or read_release(settings.dist)
    limits = {
        "query_timeout": settings.query_timeout,
        "max_query_timeout": settings.max_query_timeout,
        "max_rows": settings.max_result_rows,
        "allow_service": settings.allow_service,
        "max_query_depth": settings.max_query_depth,
        "max_query_bytes": settings.max_query_bytes,
    }
    if settings.store == "remote":
        assert settings.store_url is not None
        if not release.graphs:
            raise StoreUnavailable(
                f"{release.path / 'release.json'} lists no graphs, so a remote store can't be "
                "told the release's dataset: rebuild the release with `netkg build`"
            )
        return RemoteStore(
            settings.store_url,
            graphs=release.graphs,
            **limits,  # type: ignore[arg-type]
        )
    return EmbeddedStore(
        store_location(release),
        workers=settings.workers,
        worker_wait=settings.worker_wait,
        queue_size=settings.queue_size,
        client_limit=settings.client_limit,
        worker_nice=settings.worker_nice,
        **limits,  # type: ignore[arg-type]
    )
