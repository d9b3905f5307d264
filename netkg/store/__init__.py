"""The store: the only place that opens a triple store or speaks SPARQL over HTTP.

One narrow protocol (`netkg.store.protocol.Store`) and two implementations chosen by one setting:

- `EmbeddedStore` (default, `embedded.py`): the release's on-disk Oxigraph store, opened read-only
  in every process; bounded queries run in the serving process, the rest in killable workers
  (`workers.py`).
- `RemoteStore` (`remote.py`): any SPARQL 1.1 endpoint, loaded with `load_release_to`.

Both share `base.py` (`GuardedStore`): the query guard first (`guard.py`: UPDATE, SERVICE, size,
depth, dataset IRIs) against their `Limits`, the queries in flight, and the typed results
counted against the row limit (an error, never silent truncation) and serialised once
(`results.py`). `netkg.release.read` reads a release and finds its store.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, TypeVar

from netkg.errors import StoreUnavailable
from netkg.release.read import Release, read_release, store_location
from netkg.store.base import Limits
from netkg.store.embedded import EmbeddedStore
from netkg.store.guard import QueryShape, check_dataset, check_query, inline_terms, inspect_query
from netkg.store.protocol import QueryAnswer, QueryOptions, Result, Store
from netkg.store.remote import RemoteStore, bind_values, load_release_to, values_block
from netkg.store.results import serialise
from netkg.store.workers import Admission

if TYPE_CHECKING:  # the query workers import this package; pydantic-settings costs them ~0.15 s
    from netkg.config import Settings

__all__ = [
    "Admission",
    "EmbeddedStore",
    "Limits",
    "QueryAnswer",
    "QueryOptions",
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
    limits = _from_settings(Limits, settings)
    if settings.store == "remote":
        assert settings.store_url is not None
        if not release.graphs:
            raise StoreUnavailable(
                f"{release.path / 'release.json'} lists no graphs, so a remote store can't be "
                "told the release's dataset: rebuild the release with `netkg build`"
            )
        return RemoteStore(settings.store_url, limits, graphs=release.graphs)
    return EmbeddedStore(store_location(release), limits, _from_settings(Admission, settings))


_Options = TypeVar("_Options", Limits, Admission)


def _from_settings(kind: type[_Options], settings: Settings) -> _Options:
    """`kind` with the values of the settings of the same names."""
    return kind(**{field.name: getattr(settings, field.name) for field in dataclasses.fields(kind)})
