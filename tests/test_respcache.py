"""The whole-response cache: repeated reads are answered without the app, and only when honest."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from service_support import build_fixture_release

from netkg.config import Settings
from netkg.store import QueryAnswer, Result, Store, open_store
from netkg.web.app import create_app
from netkg.web.respcache import ResponseCache


class CountingStore:
    """A real embedded store that counts the queries it is asked (to see what the cache saves)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.calls = 0
        self.max_rows = store.max_rows

    def query(self, sparql: str, **options: Any) -> QueryAnswer:
        self.calls += 1
        return self.store.query(sparql, **options)

    def execute(self, sparql: str, **options: Any) -> Result:
        self.calls += 1
        return self.store.execute(sparql, **options)

    def runs_inline(self, sparql: str) -> bool:
        return self.store.runs_inline(sparql)

    def status(self) -> dict[str, int]:
        return self.store.status()

    def close(self, *, drain: bool = False) -> None:
        self.store.close(drain=drain)


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_fixture_release(tmp_path_factory.mktemp("respcache") / "dist")


@pytest.fixture
def counted(dist: Path) -> Iterator[tuple[TestClient, CountingStore]]:
    # cache_size=0: create_app's own ResponseCache is off
    settings = Settings(dist=dist, workers=1, cache_size=0)
    store = CountingStore(open_store(settings))
    app = create_app(settings, store=store)
    app.add_middleware(ResponseCache, max_entries=8)
    with TestClient(app) as client:
        yield client, store
    store.close()


QUERY = {"query": "SELECT ?s WHERE { ?s ?p ?o } LIMIT 3"}
JSON = {"Accept": "application/sparql-results+json"}


def test_a_repeated_read_is_answered_without_the_store(
    counted: tuple[TestClient, CountingStore],
) -> None:
    client, store = counted
    first = client.get("/sparql", params=QUERY, headers=JSON)
    calls = store.calls
    again = client.get("/sparql", params=QUERY, headers=JSON)
    assert store.calls == calls
    assert again.status_code == 200 and again.content == first.content
    assert again.headers["etag"] == first.headers["etag"]


def test_the_key_includes_the_headers_the_response_varies_on(
    counted: tuple[TestClient, CountingStore],
) -> None:
    client, store = counted
    client.get("/sparql", params=QUERY, headers=JSON)
    calls = store.calls
    xml = client.get("/sparql", params=QUERY, headers={"Accept": "application/sparql-results+xml"})
    assert store.calls == calls + 1
    assert xml.headers["content-type"].startswith("application/sparql-results+xml")


def test_hits_honour_if_none_match_and_head(counted: tuple[TestClient, CountingStore]) -> None:
    client, store = counted
    first = client.get("/sparql", params=QUERY, headers=JSON)
    calls = store.calls
    not_modified = client.get(
        "/sparql", params=QUERY, headers={**JSON, "If-None-Match": first.headers["etag"]}
    )
    head = client.head("/sparql", params=QUERY, headers=JSON)
    assert store.calls == calls
    assert not_modified.status_code == 304 and not_modified.content == b""
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == first.headers["etag"]


def test_a_new_release_is_never_answered_from_the_old_one(
    counted: tuple[TestClient, CountingStore],
) -> None:
    client, store = counted
    client.get("/sparql", params=QUERY, headers=JSON)
    calls = store.calls
    state = client.app.state.netkg  # type: ignore[attr-defined]
    new_release = dataclasses.replace(state.release, etag="another-release")
    client.app.state.netkg = dataclasses.replace(state, release=new_release)  # type: ignore[attr-defined]
    client.get("/sparql", params=QUERY, headers=JSON)
    assert store.calls == calls + 1


def test_errors_and_personal_responses_are_not_kept(
    counted: tuple[TestClient, CountingStore],
) -> None:
    client, _ = counted
    bad = {"query": "SELECT WHERE {"}
    assert client.get("/sparql", params=bad).status_code == 400
    cache = _cache(client)
    assert all(key[1] != b"query=SELECT+WHERE+%7B" for key in cache.entries)
    client.get("/guide", params={"lang": "fr"})  # sets the language cookie
    assert not any(key[0] == "/guide" and key[1] == b"lang=fr" for key in cache.entries)


def test_the_cache_is_bounded(counted: tuple[TestClient, CountingStore]) -> None:
    client, _ = counted
    for n in range(20):
        query = {"query": f"SELECT ?s WHERE {{ ?s ?p ?o }} LIMIT {n + 1}"}
        assert client.get("/sparql", params=query, headers=JSON).status_code == 200
    assert len(_cache(client).entries) <= 8


def _cache(client: TestClient) -> ResponseCache:
    """The ResponseCache instance in the built middleware stack."""
    app: Any = client.app.middleware_stack  # type: ignore[attr-defined]
    while app is not None and not isinstance(app, ResponseCache):
        app = getattr(app, "app", None)
    assert isinstance(app, ResponseCache)
    return app
