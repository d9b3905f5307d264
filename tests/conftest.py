"""Shared fixtures: the curated sources (ontology/*.ttl + data/*.ttl), loaded once per session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph
import pytest
import rdflib
from store_support import embedded_store

from netkg.store import EmbeddedStore

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
