"""A real `netkg serve` process on 127.0.0.1, driven by SPARQL clients nobody here wrote:
SPARQLWrapper and rdflib's SPARQLStore. Also: the runaway-query guard seen from outside, and
`netkg serve` on a fresh checkout."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.error import HTTPError

import httpx
import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from service_support import (
    FIXTURE_SOURCE,
    NETKG,
    REMOTE_ENGINES,
    oxigraph_url,
    running_netkg,
    running_virtuoso,
    service_dist,
    virtuoso_url,
)
from SPARQLWrapper import CSV, JSON, POST, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

__all__ = ["oxigraph_url", "service_dist", "virtuoso_url"]  # fixtures used here

ID = "https://w3id.org/netkg/id/"
TREATMENTS = (
    "PREFIX net: <https://w3id.org/netkg/ontology#> "
    "SELECT ?t WHERE { ?t a net:Treatment } ORDER BY ?t"
)
FIVE = [
    ID + s
    for s in (
        "biological-therapy",
        "drug-therapy",
        "liver-directed-therapy",
        "radiation-therapy",
        "surgery",
    )
]
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"


@pytest.fixture(scope="module")
def embedded_server(service_dist: Path) -> Iterator[str]:
    with running_netkg(service_dist, env={"NETKG_WORKERS": "2"}) as base:
        yield base


@pytest.fixture(scope="module")
def oxigraph_server(service_dist: Path, oxigraph_url: str) -> Iterator[str]:
    args = ("--store", "remote", "--store-url", oxigraph_url)
    with running_netkg(service_dist, args=args) as base:
        yield base


@pytest.fixture(scope="module")
def virtuoso_server(service_dist: Path, virtuoso_url: str) -> Iterator[str]:
    args = ("--store", "remote", "--store-url", virtuoso_url)
    with running_netkg(service_dist, args=args) as base:
        yield base


@pytest.fixture(params=["embedded", *REMOTE_ENGINES])
def endpoint(request: pytest.FixtureRequest) -> str:
    base: str = request.getfixturevalue(f"{request.param}_server")
    return base + "/sparql"


def _wrapper(endpoint: str, query: str, return_format: str) -> SPARQLWrapper:
    sparql = SPARQLWrapper(endpoint)
    sparql.setQuery(query)
    sparql.setReturnFormat(return_format)
    return sparql


# --- SPARQLWrapper ---------------------------------------------------------------------------


def test_sparqlwrapper_select_json(endpoint: str) -> None:
    result = _wrapper(endpoint, TREATMENTS, JSON).queryAndConvert()
    assert [row["t"]["value"] for row in result["results"]["bindings"]] == FIVE  # type: ignore[index]


def test_sparqlwrapper_select_xml_by_post(endpoint: str) -> None:
    sparql = _wrapper(endpoint, TREATMENTS, XML)
    sparql.setMethod(POST)
    document = sparql.queryAndConvert()
    uris = [node.firstChild.data for node in document.getElementsByTagName("uri")]  # type: ignore[union-attr]
    assert uris == FIVE


def test_sparqlwrapper_select_csv_post_directly(endpoint: str) -> None:
    sparql = _wrapper(endpoint, TREATMENTS, CSV)
    sparql.setMethod(POST)
    sparql.setRequestMethod("postdirectly")
    text = sparql.queryAndConvert().decode()  # type: ignore[union-attr]
    assert text.split("\r\n")[1:6] == FIVE


def test_sparqlwrapper_ask_and_construct(endpoint: str) -> None:
    assert _wrapper(endpoint, "ASK { ?s ?p ?o }", JSON).queryAndConvert()["boolean"] is True  # type: ignore[index]
    graph = _wrapper(
        endpoint, f"CONSTRUCT WHERE {{ <{ID}surgery> ?p ?o }}", TURTLE
    ).queryAndConvert()
    parsed = rdflib.Graph().parse(data=graph, format="turtle")  # type: ignore[arg-type]
    assert (rdflib.URIRef(ID + "surgery"), rdflib.RDF.type, None) in parsed


def test_sparqlwrapper_sees_a_malformed_query_as_a_400(endpoint: str) -> None:
    with pytest.raises(QueryBadFormed):
        _wrapper(endpoint, "SELECT * WHERE { ?s ", JSON).queryAndConvert()


def test_sparqlwrapper_update_is_refused(endpoint: str) -> None:
    sparql = SPARQLWrapper(endpoint)
    sparql.setQuery("INSERT DATA { <http://a> <http://b> <http://c> }")
    sparql.setMethod(POST)
    with pytest.raises(HTTPError) as raised:  # SPARQLWrapper has no class of its own for 403
        sparql.query()
    assert raised.value.code == 403
    assert b"read-only" in raised.value.read()


# --- rdflib's SPARQLStore --------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST", "POST_FORM"])
def test_rdflib_sparqlstore(endpoint: str, method: str) -> None:
    graph = rdflib.Graph(store=SPARQLStore(endpoint, method=method))
    rows = graph.query(TREATMENTS)
    assert [str(row[0]) for row in rows] == FIVE  # type: ignore[index]
    assert graph.query("ASK { ?s ?p ?o }").askAnswer is True


def test_rdflib_sparqlstore_triples(endpoint: str) -> None:
    graph = rdflib.Graph(store=SPARQLStore(endpoint))
    labels = set(graph.objects(rdflib.URIRef(ID + "surgery"), rdflib.SKOS.prefLabel))
    assert labels == {rdflib.Literal("surgery", lang="en")}


# --- the runaway query, seen from outside ----------------------------------------------------


def test_a_light_query_is_answered_while_a_heavy_one_is_stopped(embedded_server: str) -> None:
    heavy: dict[str, httpx.Response] = {}

    def run_heavy() -> None:
        heavy["response"] = httpx.get(
            embedded_server + "/sparql", params={"query": HEAVY, "timeout": "5"}, timeout=60
        )

    thread = threading.Thread(target=run_heavy)
    thread.start()
    try:
        light = httpx.get(embedded_server + "/sparql", params={"query": TREATMENTS}, timeout=60)
        assert light.status_code == 200
        assert [r["t"]["value"] for r in light.json()["results"]["bindings"]] == FIVE
        assert thread.is_alive(), "the heavy query should still be running"
    finally:
        thread.join(60)
    response = heavy["response"]
    assert response.status_code == 503
    assert "5s" in response.json()["error"]
    assert "time limit" in response.json()["error"]
    # and the server goes on answering, with its worker pool rebuilt
    for _ in range(5):
        again = httpx.get(embedded_server + "/sparql", params={"query": "ASK {}"}, timeout=60)
        assert again.status_code == 200


# --- fairness: light requests never wait behind heavy ones ------------------------------------

LIGHT = "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } LIMIT 3"
"""Bounded by its shape (LIMIT, one anchored pattern): answered in the serving process."""


class Runaways:
    """`count` runaway queries in flight against `base` (each with its own client), until
    the server stops them at `timeout` seconds."""

    def __init__(self, base: str, count: int, timeout: int = 30) -> None:
        self.responses: list[httpx.Response] = []
        self.threads = [
            threading.Thread(target=self._run, args=(base, timeout), daemon=True)
            for _ in range(count)
        ]

    def _run(self, base: str, timeout: int) -> None:
        response = httpx.get(
            base + "/sparql", params={"query": HEAVY, "timeout": str(timeout)}, timeout=120
        )
        self.responses.append(response)

    def __enter__(self) -> Runaways:
        for thread in self.threads:
            thread.start()
            RUNNING.append(thread)
        return self

    def __exit__(self, *exc: object) -> None:
        for thread in self.threads:
            thread.join(120)
            RUNNING.remove(thread)


RUNNING: list[threading.Thread] = []
"""The runaway threads of the test running now."""


def _wait_until_busy(base: str, want: int = 503, saying: str = "") -> httpx.Response:
    """Once `/-/health` shows the runaways admitted, ask a long query: the server refuses it
    with `want`, `saying` so."""
    deadline = time.monotonic() + 30
    while httpx.get(base + "/-/health").json()["long_queries"] < len(RUNNING):
        assert time.monotonic() < deadline, "the runaways were never admitted"
        time.sleep(0.05)
    while True:
        response = httpx.get(base + "/sparql", params={"query": HEAVY, "timeout": "1"}, timeout=60)
        if response.status_code == want and saying in response.json()["error"]:
            return response
        assert time.monotonic() < deadline, f"never got {want}: {response.status_code}"
        time.sleep(0.1)


def test_light_queries_are_answered_while_runaways_hold_every_worker(
    service_dist: Path,
) -> None:
    env = {
        "NETKG_WORKERS": "1",
        "NETKG_QUEUE_SIZE": "1",
        "NETKG_CLIENT_LIMIT": "0",
        "NETKG_WORKER_WAIT": "60",
    }
    with running_netkg(service_dist, env=env, args=("--processes", "1")) as base:
        with Runaways(base, 2) as runaways:  # one runs, one waits: the heavy side is full
            refused = _wait_until_busy(base, saying="are waiting")
            assert refused.headers["Retry-After"].isdigit()
            for n in range(20):  # distinct texts: no cache answers them
                light = httpx.get(base + "/sparql", params={"query": f"{LIGHT} # {n}"}, timeout=10)
                assert light.status_code == 200
                assert len(light.json()["results"]["bindings"]) == 3
                for path in (f"/id/surgery.ttl?n={n}", f"/api/treatments?limit={n + 1}"):
                    assert httpx.get(base + path, timeout=10).status_code == 200
            assert all(t.is_alive() for t in runaways.threads)
        assert [r.status_code for r in runaways.responses] == [503, 503]  # stopped at 30 s


def test_a_full_queue_answers_503_with_retry_after_at_once(service_dist: Path) -> None:
    env = {"NETKG_WORKERS": "1", "NETKG_QUEUE_SIZE": "0", "NETKG_CLIENT_LIMIT": "0"}
    with (
        running_netkg(service_dist, env=env, args=("--processes", "1")) as base,
        Runaways(base, 1, timeout=5),
    ):
        started = time.monotonic()
        refused = _wait_until_busy(base, saying="are waiting")
        assert time.monotonic() - started < 4  # at once: no wait for a worker
        assert refused.headers["Retry-After"] == "1"
        assert refused.headers["Cache-Control"] == "no-store"
        assert "try again" in refused.json()["error"]


def test_one_client_can_not_take_every_worker(service_dist: Path) -> None:
    env = {"NETKG_WORKERS": "2", "NETKG_CLIENT_LIMIT": "1"}
    with (
        running_netkg(service_dist, env=env, args=("--processes", "1")) as base,
        Runaways(base, 1, timeout=5),
    ):
        refused = _wait_until_busy(base, want=429, saying="per client")
        assert refused.headers["Retry-After"] == "1"
        light = httpx.get(base + "/sparql", params={"query": LIGHT}, timeout=10)
        assert light.status_code == 200


# --- guards before the engine ----------------------------------------------------------------


def test_a_deeply_nested_query_is_a_400_and_kills_nothing(embedded_server: str) -> None:
    deep = "SELECT * WHERE " + "{" * 2500 + "?s ?p ?o" + "}" * 2500
    for method in ("get", "post"):
        if method == "get":
            response = httpx.get(embedded_server + "/sparql", params={"query": deep}, timeout=30)
        else:
            response = httpx.post(
                embedded_server + "/sparql",
                content=deep,
                headers={"Content-Type": "application/sparql-query"},
                timeout=30,
            )
        assert response.status_code == 400
        assert "2500 deep" in response.json()["error"]
        assert "at most 64" in response.json()["error"]
    # the serving process and the workers are alive: a long query still runs on a worker
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    again = httpx.get(embedded_server + "/sparql", params={"query": count}, timeout=30)
    assert again.status_code == 200


def test_a_query_over_the_size_limit_is_a_400(service_dist: Path) -> None:
    env = {"NETKG_MAX_QUERY_BYTES": "3000"}
    with running_netkg(service_dist, env=env, args=("--processes", "1")) as base:
        long = "ASK { ?s ?p ?o } #" + "x" * 3000
        response = httpx.post(
            base + "/sparql", content=long, headers={"Content-Type": "application/sparql-query"}
        )
        assert response.status_code == 400
        assert "at most 3000 bytes" in response.json()["error"]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("default-graph-uri", "not an IRI"),
        ("default-graph-uri", "relative/graph"),
        ("named-graph-uri", "http://a b"),
        ("named-graph-uri", ""),
    ],
)
def test_a_malformed_dataset_iri_is_a_400(endpoint: str, name: str, value: str) -> None:
    for query in ("ASK { ?s ?p ?o }", "ASK {}"):  # on a worker and in the serving process
        response = httpx.get(endpoint, params={"query": query, name: value}, timeout=30)
        assert response.status_code == 400, response.text
        assert name in response.json()["error"]
        assert "absolute IRI" in response.json()["error"]


# --- netkg serve on a fresh checkout ---------------------------------------------------------


def test_serve_builds_the_release_when_missing(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(FIXTURE_SOURCE, project)
    assert not (project / "dist").exists()
    with running_netkg(project / "dist", cwd=project, env={"NETKG_WORKERS": "1"}) as base:
        response = httpx.get(base + "/sparql", params={"query": TREATMENTS})
        assert response.status_code == 200
        assert [r["t"]["value"] for r in response.json()["results"]["bindings"]] == FIVE
    assert (project / "dist" / "release.json").is_file()


def test_serve_no_build_fails_clearly_without_a_release(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(NETKG), "serve", "--no-build", "--dist", str(tmp_path / "dist"), "--port", "9"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "netkg build" in result.stderr


def test_serve_rejects_a_bad_setting(tmp_path: Path, service_dist: Path) -> None:
    result = subprocess.run(
        [str(NETKG), "serve", "--dist", str(service_dist), "--store", "remote"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "store URL" in result.stderr
    result = subprocess.run(
        [str(NETKG), "serve", "--dist", str(service_dist)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "NETKG_WORKERS": "two"},
    )
    assert result.returncode == 2
    assert result.stderr == "netkg serve: NETKG_WORKERS='two': input should be a valid integer\n"


# --- netkg load ------------------------------------------------------------------------------


@pytest.fixture
def loaded_store(
    request: pytest.FixtureRequest, tmp_path: Path, service_dist: Path
) -> Iterator[tuple[str, str]]:
    """(query endpoint, Graph Store endpoint) of a store loaded once already, that takes a
    second load: the session's Oxigraph server (by its bare URL: netkg load adds /store), or a
    Virtuoso whose SPARQL user keeps its write grant."""
    if request.param == "oxigraph":
        url = request.getfixturevalue("oxigraph_url")
        yield url, url.removesuffix("/query")
        return
    with running_virtuoso(service_dist, tmp_path, read_only=False) as url:
        yield url, url.removesuffix("/sparql") + "/sparql-graph-crud"


@pytest.mark.parametrize("loaded_store", REMOTE_ENGINES, indirect=True)
def test_load_reports_each_graph(loaded_store: tuple[str, str], service_dist: Path) -> None:
    from netkg.store import RemoteStore, read_release

    query_url, graph_store = loaded_store
    result = subprocess.run(
        [str(NETKG), "load", "--to", graph_store, "--dist", str(service_dist)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    release = read_release(service_dist)
    nquads = [line for line in (service_dist / "netkg.nq").read_text().splitlines() if line]
    listed = [line.split()[-1] for line in result.stdout.splitlines()]
    assert listed == list(release.graphs)  # each named graph; nothing in the default graph
    # loading twice replaces, never duplicates: each graph holds one copy of each of its triples
    store = RemoteStore(query_url, graphs=release.graphs)
    try:
        count = store.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    finally:
        store.close()
    assert json.loads(count.body)["results"]["bindings"][0]["n"]["value"] == str(len(nquads))


def test_load_to_an_unreachable_store_fails_clearly(service_dist: Path) -> None:
    from service_support import free_port

    result = subprocess.run(
        [
            str(NETKG),
            "load",
            "--to",
            f"http://127.0.0.1:{free_port()}",
            "--dist",
            str(service_dist),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert "can't reach" in result.stderr


# --- netkg serve --get: one request, no server ----------------------------------------------


def test_serve_get_answers_one_request_without_a_server(service_dist: Path) -> None:
    ok = subprocess.run(
        [
            str(NETKG),
            "serve",
            "--dist",
            str(service_dist),
            "--get",
            "/sparql?query=ASK%7B%7D",
            "--accept",
            "text/csv",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (ok.returncode, ok.stdout.strip()) == (0, "true")
    bad = subprocess.run(
        [str(NETKG), "serve", "--dist", str(service_dist), "--get", "/sparql?query=ASK%7B"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert bad.returncode == 1
    assert "malformed query" in bad.stdout


# --- a new release, served without a restart -------------------------------------------------

NEW_TREATMENT = """
id:watchful-waiting a net:Treatment ;
    skos:prefLabel "watchful waiting"@en .
"""


def _treatment_count(base: str) -> int:
    response = httpx.get(base + "/sparql", params={"query": TREATMENTS}, timeout=60)
    assert response.status_code == 200, response.text  # never a dropped or failed request
    return len(response.json()["results"]["bindings"])


def test_a_new_release_is_served_without_a_restart(tmp_path: Path) -> None:
    from service_support import build_fixture_release

    project = tmp_path / "project"
    shutil.copytree(FIXTURE_SOURCE, project)
    dist = build_fixture_release(project / "dist", project)
    env = {"NETKG_WORKERS": "1", "NETKG_RELOAD_INTERVAL": "0.2"}
    with running_netkg(dist, env=env) as base:
        assert _treatment_count(base) == 5
        with (project / "data" / "treatments.ttl").open("a") as data:
            data.write(NEW_TREATMENT)
        build_fixture_release(dist, project)  # replaces dist/ atomically, as `netkg build` does
        deadline = time.monotonic() + 90
        while _treatment_count(base) == 5:
            assert time.monotonic() < deadline, "the new release was never served"
            time.sleep(0.1)
        assert _treatment_count(base) == 6


def test_reload_release_swaps_only_for_a_new_readable_release(tmp_path: Path) -> None:
    from service_support import build_fixture_release

    from netkg.config import Settings
    from netkg.web.app import create_app, reload_release

    project = tmp_path / "project"
    shutil.copytree(FIXTURE_SOURCE, project)
    dist = build_fixture_release(project / "dist", project)
    app = create_app(Settings(dist=dist, workers=1, reload_interval=0))
    try:
        first = app.state.netkg
        assert reload_release(app) is False  # same release: nothing to do
        (dist / "release.json").rename(dist / "release.json.away")
        assert reload_release(app) is False  # no release right now: keep the current one
        (dist / "release.json.away").rename(dist / "release.json")
        with (project / "data" / "treatments.ttl").open("a") as data:
            data.write(NEW_TREATMENT)
        build_fixture_release(dist, project)
        assert reload_release(app) is True
        assert app.state.netkg.release.etag != first.release.etag
        # the old store still answers (in-flight queries finish), the new one sees the change
        assert first.store.query("ASK {}").kind == "boolean"
        answer = app.state.netkg.store.query(TREATMENTS)
        assert answer.body.count(b'"uri"') == 6
    finally:
        app.state.netkg.store.close()
        first.store.close()


def test_serve_with_several_processes_answers_on_one_port(service_dist: Path) -> None:
    with running_netkg(service_dist, args=("--processes", "2", "--no-access-log")) as base:
        for _ in range(6):
            response = httpx.get(
                f"{base}/sparql",
                params={"query": "ASK { ?s ?p ?o }"},
                headers={"Accept": "application/sparql-results+json"},
            )
            assert response.status_code == 200
            assert response.json()["boolean"] is True
