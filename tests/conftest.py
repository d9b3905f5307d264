"""Shared fixtures: the curated sources (ontology/*.ttl + data/*.ttl), loaded once per session, and
the project's own release with a service over it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph
import pytest
import rdflib
from fastapi.testclient import TestClient
from store_support import embedded_store

from netkg.config import Settings
from netkg.release.build import build_release
from netkg.store import EmbeddedStore
from netkg.web.app import create_app

ROOT = Path(__file__).resolve().parent.parent
CURATED_FILES = sorted((ROOT / "ontology").glob("*.ttl")) + sorted((ROOT / "data").glob("*.ttl"))


@pytest.fixture(scope="session")
def curated_graph() -> rdflib.Graph:
    """The ontology and the curated data, merged into one rdflib graph."""
    graph = rdflib.Graph()
    for path in CURATED_FILES:
        graph.parse(path, format="turtle")
    return graph


@pytest.fixture(scope="session")
def curated_store() -> pyoxigraph.Store:
    """The same files in an in-memory pyoxigraph store (default graph), for SPARQL tests."""
    store = pyoxigraph.Store()
    for path in CURATED_FILES:
        store.load(path=path, format=pyoxigraph.RdfFormat.TURTLE)
    return store


@pytest.fixture(scope="session")
def curated_embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStore]:
    """The same files in the real store (netkg.store.EmbeddedStore), for netkg's own queries."""
    store = embedded_store(tmp_path_factory.mktemp("curated") / "store", *CURATED_FILES)
    yield store
    store.close()


@pytest.fixture(scope="session")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's own release, built once per session (SHACL has its own tests, so it is not
    run again here). Tests only read it: one that needs a changed release copies it first."""
    return build_release(ROOT, tmp_path_factory.mktemp("project") / "dist", validate=False)


@pytest.fixture(scope="module")
def client(dist: Path) -> Iterator[TestClient]:
    """The service over `dist`, in process (one query worker)."""
    with TestClient(create_app(Settings(dist=dist, workers=1))) as test_client:
        yield test_client
