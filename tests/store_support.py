"""The real store on test data: an `EmbeddedStore` over RDF files or text, for tests that run
netkg's own queries (named queries, partner views) the way the service runs them."""

from __future__ import annotations

import gc
from pathlib import Path

import pyoxigraph as ox

from netkg.store import EmbeddedStore


def embedded_store(location: Path, *sources: Path | bytes) -> EmbeddedStore:
    """Load Turtle `sources` (files or text) into a new on-disk store at `location`, close it, and
    open it read-only as the service does (bounded and trusted queries run in this process)."""
    writer = ox.Store(str(location))
    for source in sources:
        if isinstance(source, Path):
            writer.bulk_load(path=source, format=ox.RdfFormat.TURTLE)
        else:
            writer.bulk_load(source, format=ox.RdfFormat.TURTLE)
    writer.flush()
    del writer
    gc.collect()  # close the database before it is opened read-only
    return EmbeddedStore(location)
