"""Shared fixtures: the curated sources (ontology/*.ttl + data/*.ttl), loaded once per session."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph
import pytest
import rdflib

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
