"""Reading a release: `release.json`, its etag, and where its on-disk query store is.

`netkg build` writes the store into the release (`store/`, named by release.json's `"store"`).
A release built before that has only `netkg.nq`: its store is built once from it (pyoxigraph's
bulk loader) into the system's temporary folder, keyed by the release's etag, and shared by every
serving process. That keeps older releases servable at the cost of one load, instead of failing;
the load is logged so an operator knows to rebuild.
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from netkg.errors import NotFound, StoreUnavailable
from netkg.prefixes import BASE

__all__ = ["Release", "read_release", "store_location"]

log = logging.getLogger(__name__)

GRAPH_BASE = BASE + "graph/"  # the release's named graphs (docs/model.md)


@dataclass(frozen=True)
class Release:
    """The release the service answers from: `release.json` of `dist/` (docs/model.md)."""

    version: str
    etag: str  # a short hash of release.json: changes exactly when the release does
    files: dict[str, str] = field(default_factory=dict)  # name -> sha256
    path: Path = Path("dist")
    store: str | None = None  # the on-disk query store's folder, relative to `path`
    graphs: tuple[str, ...] = ()  # its named graphs' IRIs; the default graph is their union


def read_release(dist: Path) -> Release:
    """Read `dist/release.json`; NotFound (with the fix) when there is no release there."""
    index = dist / "release.json"
    try:
        raw = index.read_bytes()
    except FileNotFoundError:
        raise NotFound(f"no release at {dist}: run `netkg build` first") from None
    try:
        meta = json.loads(raw)
    except json.JSONDecodeError as error:
        raise StoreUnavailable(f"{index} is not valid JSON: {error}") from None
    etag = hashlib.sha256(raw).hexdigest()[:16]
    files = {str(k): str(v) for k, v in dict(meta.get("files", {})).items()}
    # "graphs": triples per named graph, by the last part of its IRI (docs/model.md)
    counts = dict(meta.get("graphs", {}))
    graphs = tuple(GRAPH_BASE + str(name) for name, n in sorted(counts.items()) if n)
    store = meta.get("store")
    if isinstance(store, dict):
        store = store.get("path")
    return Release(
        version=str(meta.get("version") or etag),
        etag=etag,
        files=files,
        path=dist,
        store=str(store) if store else None,
        graphs=graphs,
    )


def store_location(release: Release) -> Path:
    """The folder of the release's on-disk store, to open with `pyoxigraph.Store.read_only`."""
    if release.store:
        location = release.path / release.store
        if not location.is_dir():
            raise StoreUnavailable(
                f"release.json names the store {release.store!r}, but {location} is missing: "
                "rebuild the release with `netkg build`"
            )
        return location
    nquads = release.path / "netkg.nq"
    if not nquads.is_file():
        raise NotFound(f"no netkg.nq in {release.path}: run `netkg build` first")
    location = Path(tempfile.gettempdir()) / f"netkg-store-{release.etag}"
    if not location.is_dir():
        _build_store(nquads, location)
    return location


def _build_store(nquads: Path, location: Path) -> None:
    """Bulk-load `nquads` into a new store at `location` (atomically: built aside, renamed)."""
    log.warning("%s has no query store: loading %s once into %s", nquads.parent, nquads, location)
    work = Path(tempfile.mkdtemp(prefix=location.name + ".", dir=location.parent))
    try:
        store = ox.Store(str(work))
        store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
        store.flush()
        del store
        gc.collect()  # close the database before anyone opens it read-only
        try:
            os.rename(work, location)
        except OSError:  # another process built it first: use theirs
            if not location.is_dir():
                raise
    except (OSError, SyntaxError, ValueError) as error:
        raise StoreUnavailable(f"can't build a query store from {nquads}: {error}") from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
