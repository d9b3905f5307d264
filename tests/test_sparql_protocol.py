"""`/sparql` against the SPARQL 1.1 Protocol, run three times: on the embedded store and on two
real servers behind the remote store, Oxigraph server and Virtuoso (FastAPI's TestClient; the app,
stores and servers are real)."""

from __future__ import annotations

import csv
import html
import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import pyoxigraph as ox
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from service_support import (
    REMOTE_ENGINES,
    oxigraph_url,
    running_remote_store,
    service_dist,
    virtuoso_url,
)

from netkg.config import Settings
from netkg.prefixes import PREFIXES
from netkg.web.app import create_app

__all__ = ["oxigraph_url", "service_dist", "virtuoso_url"]  # fixtures used here

ID = "https://w3id.org/netkg/id/"
DATA_GRAPH = "https://w3id.org/netkg/graph/data"
ONTOLOGY_GRAPH = "https://w3id.org/netkg/graph/ontology"
SD = "http://www.w3.org/ns/sparql-service-description#"
TREATMENTS = (
    "PREFIX net: <https://w3id.org/netkg/ontology#> "
    "SELECT ?t WHERE { ?t a net:Treatment } ORDER BY ?t"
)
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SURGERY = "CONSTRUCT WHERE { <https://w3id.org/netkg/id/surgery> ?p ?o }"
DESCRIBE_SURGERY = "DESCRIBE <https://w3id.org/netkg/id/surgery>"
SCHEMA_TREATS = "https://schema.org/possibleTreatment"
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
MAX_BYTES = 4096
MAX_ROWS = 50
SPARQL_QUERY = {"Content-Type": "application/sparql-query"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _settings(dist: Path, **changes: object) -> Settings:
    values: dict[str, object] = {
        "workers": 2,
        "max_result_rows": MAX_ROWS,
        "max_request_bytes": MAX_BYTES,
        "query_timeout": 20,
        "max_query_timeout": 30,
    }
    return Settings(dist=dist, **{**values, **changes})  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def embedded_app(service_dist: Path) -> Iterator[FastAPI]:
    app = create_app(_settings(service_dist))
    yield app
    app.state.netkg.store.close()


@pytest.fixture(scope="module")
def oxigraph_app(service_dist: Path, oxigraph_url: str) -> Iterator[FastAPI]:
    app = create_app(_settings(service_dist, store="remote", store_url=oxigraph_url))
    yield app
    app.state.netkg.store.close()


@pytest.fixture(scope="module")
def virtuoso_app(service_dist: Path, virtuoso_url: str) -> Iterator[FastAPI]:
    app = create_app(_settings(service_dist, store="remote", store_url=virtuoso_url))
    yield app
    app.state.netkg.store.close()


@pytest.fixture(params=["embedded", *REMOTE_ENGINES])
def client(request: pytest.FixtureRequest) -> TestClient:
    app: FastAPI = request.getfixturevalue(f"{request.param}_app")
    return TestClient(app, raise_server_exceptions=False)


def _treatments(response_json: dict[str, object]) -> list[str]:
    bindings = response_json["results"]["bindings"]  # type: ignore[index]
    return [row["t"]["value"] for row in bindings]  # type: ignore[index]


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


def _error(response: object, status: int, *fragments: str) -> None:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["status"] == status
    for fragment in fragments:
        assert fragment in body["error"]


# --- the three ways to send a query ----------------------------------------------------------


def test_query_by_get(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": TREATMENTS})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/sparql-results+json")
    assert "Accept" in response.headers["vary"]
    assert _treatments(response.json()) == FIVE


def test_query_by_post_form(client: TestClient) -> None:
    response = client.post("/sparql", data={"query": TREATMENTS})
    assert response.status_code == 200
    assert _treatments(response.json()) == FIVE


def test_query_by_post_direct(client: TestClient) -> None:
    headers = {"Content-Type": "application/sparql-query; charset=UTF-8"}
    response = client.post("/sparql", content=TREATMENTS.encode(), headers=headers)
    assert response.status_code == 200
    assert _treatments(response.json()) == FIVE


COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s a ?c }"
NAMED = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"


def _count(response: object) -> int:
    return int(response.json()["results"]["bindings"][0]["n"]["value"])  # type: ignore[attr-defined]


def test_default_graph_uri_by_get_form_and_direct(client: TestClient) -> None:
    params = {"query": COUNT, "default-graph-uri": ONTOLOGY_GRAPH}
    assert _count(client.get("/sparql", params=params)) == 3
    assert _count(client.post("/sparql", data=params)) == 3
    direct = client.post(
        "/sparql", params={"default-graph-uri": DATA_GRAPH}, content=COUNT, headers=SPARQL_QUERY
    )
    assert _count(direct) == 6
    both = client.get(
        "/sparql",
        params=[
            ("query", COUNT),
            ("default-graph-uri", DATA_GRAPH),
            ("default-graph-uri", ONTOLOGY_GRAPH),
        ],
    )
    assert _count(both) == 9
    # by default: the union of all the graphs (data, ontology and the VoID description)
    union = "SELECT (COUNT(*) AS ?n) { SELECT DISTINCT ?s ?c { GRAPH ?g { ?s a ?c } } }"
    everything = _count(client.get("/sparql", params={"query": union}))
    assert everything > 9
    assert _count(client.get("/sparql", params={"query": COUNT})) == everything


def test_named_graph_uri(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": NAMED, "named-graph-uri": DATA_GRAPH})
    assert [r["g"]["value"] for r in response.json()["results"]["bindings"]] == [DATA_GRAPH]
    form = client.post("/sparql", data={"query": NAMED, "named-graph-uri": ONTOLOGY_GRAPH})
    assert [r["g"]["value"] for r in form.json()["results"]["bindings"]] == [ONTOLOGY_GRAPH]


# --- result formats and content negotiation --------------------------------------------------


def _parse_solutions(media_type: str, text: str) -> list[str]:
    if media_type == "application/sparql-results+json":
        return _treatments(json.loads(text))
    if media_type == "application/sparql-results+xml":
        ns = "{http://www.w3.org/2005/sparql-results#}"
        return [u.text or "" for u in ElementTree.fromstring(text).iter(f"{ns}uri")]
    if media_type == "text/csv":
        return [row["t"] for row in csv.DictReader(io.StringIO(text))]
    assert media_type == "text/tab-separated-values"
    return [line.strip("<>") for line in text.splitlines()[1:]]


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("application/json", "application/sparql-results+json"),  # what SPARQLWrapper sends
        ("text/csv;q=0.5, text/tab-separated-values", "text/tab-separated-values"),
        ("text/*", "text/csv"),
        ("*/*", "application/sparql-results+json"),
        ("image/png, */*;q=0.1", "application/sparql-results+json"),
    ],
)
def test_select_results_by_accept(client: TestClient, accept: str, media_type: str) -> None:
    response = client.get("/sparql", params={"query": TREATMENTS}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    assert _parse_solutions(media_type, response.text) == FIVE


@pytest.mark.parametrize(
    ("accept", "parse_as"),
    [
        ("text/turtle", ox.RdfFormat.TURTLE),
        ("application/n-triples", ox.RdfFormat.N_TRIPLES),
        ("application/ld+json", ox.RdfFormat.JSON_LD),
        ("application/rdf+xml", ox.RdfFormat.RDF_XML),
        ("application/ld+json;q=0.4, application/rdf+xml;q=0.5", ox.RdfFormat.RDF_XML),
    ],
)
@pytest.mark.parametrize("query", [SURGERY, DESCRIBE_SURGERY])
def test_graph_results_by_accept(
    client: TestClient,
    accept: str,
    parse_as: ox.RdfFormat,
    query: str,
    request: pytest.FixtureRequest,
) -> None:
    response = client.post("/sparql", content=query, headers={**SPARQL_QUERY, "Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == parse_as.media_type
    triples = list(ox.parse(response.content, format=parse_as))
    surgery = ox.NamedNode(ID + "surgery")
    assert len([t for t in triples if t.subject == surgery]) == 3
    pointing_at_it = [t.triple for t in triples if t.subject != surgery]
    if query == DESCRIBE_SURGERY and request.node.callspec.params["client"] == "virtuoso":
        # What DESCRIBE answers is the store's choice (SPARQL 1.1 Query 16.4): Virtuoso's adds
        # the triples whose object is the resource
        tumour, treats = ox.NamedNode(ID + "neuroendocrine-tumour"), ox.NamedNode(SCHEMA_TREATS)
        assert pointing_at_it == [ox.Triple(tumour, treats, surgery)]
    else:
        assert pointing_at_it == []


@pytest.mark.parametrize(
    ("query", "value", "media_type"),
    [
        (TREATMENTS, "csv", "text/csv"),
        (TREATMENTS, "xml", "application/sparql-results+xml"),
        (TREATMENTS, "tsv", "text/tab-separated-values"),
        (SURGERY, "nt", "application/n-triples"),
        (SURGERY, "xml", "application/rdf+xml"),
        (SURGERY, "jsonld", "application/ld+json"),
    ],
)
def test_format_parameter_overrides_accept(
    client: TestClient, query: str, value: str, media_type: str
) -> None:
    response = client.get(
        "/sparql",
        params={"query": query, "format": value},
        headers={"Accept": "application/sparql-results+json, text/turtle"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type


def test_an_unknown_format_is_a_400_listing_the_values(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": TREATMENTS, "format": "yaml"})
    _error(response, 400, "yaml", "csv, json, tsv, xml")
    response = client.get("/sparql", params={"query": SURGERY, "format": "csv"})
    _error(response, 400, "jsonld, nt, rdf, ttl")


def test_an_accept_nothing_satisfies_is_a_406_listing_the_offer(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": TREATMENTS}, headers={"Accept": "image/png"})
    _error(response, 406, "image/png", "text/csv")
    response = client.get(
        "/sparql", params={"query": SURGERY}, headers={"Accept": "application/sparql-results+json"}
    )
    _error(response, 406, "text/turtle")


# --- malformed requests ----------------------------------------------------------------------


def test_a_malformed_query_is_a_400_with_the_parser_message(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p "})
    _error(response, 400, "malformed query")


def test_an_empty_query_is_a_400(client: TestClient) -> None:
    _error(client.get("/sparql", params={"query": "  "}), 400, "empty")


def test_a_repeated_query_parameter_is_a_400(client: TestClient) -> None:
    twice = [("query", "ASK {}"), ("query", "ASK {}")]
    _error(client.get("/sparql", params=twice), 400, "'query'", "2 times")
    _error(client.post("/sparql", data={"query": ["ASK {}", "ASK {}"]}), 400, "2 times")
    # POST direct with a query parameter too
    response = client.post(
        "/sparql", params={"query": "ASK {}"}, content="ASK {}", headers=SPARQL_QUERY
    )
    _error(response, 400, "body")


@pytest.mark.parametrize("content_type", ["text/plain", "application/json", None])
def test_an_unsupported_request_type_is_a_415(client: TestClient, content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post("/sparql", content=b"ASK {}", headers=headers)
    _error(response, 415, "application/sparql-query", "application/x-www-form-urlencoded")


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_are_a_405_with_allow(client: TestClient, method: str) -> None:
    response = client.request(method, "/sparql", content=b"ASK {}")
    _error(response, 405, method)
    assert set(response.headers["allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


def test_a_bad_timeout_is_a_400(client: TestClient) -> None:
    for value in ("soon", "-1", "0", "0.5", "nan", "31", ""):
        response = client.get("/sparql", params={"query": "ASK {}", "timeout": value})
        _error(response, 400, "timeout")


# --- the base IRI, predeclared prefixes, repeated format parameters ----------------------------


def test_relative_iris_resolve_against_the_endpoint(client: TestClient) -> None:
    # W3C SPARQL 1.1 Protocol test query_content_type_construct
    query = "CONSTRUCT { <s> <p> 1 } WHERE {}"
    response = client.post(
        "/sparql", content=query, headers={**SPARQL_QUERY, "Accept": "text/turtle"}
    )
    assert response.status_code == 200, response.text
    triples = list(ox.parse(response.content, format=ox.RdfFormat.TURTLE))
    assert [(t.subject.value, t.predicate.value) for t in triples] == [
        ("http://testserver/s", "http://testserver/p")
    ]
    # a query's own BASE wins, and the predeclared prefixes still hold after it (a remote store
    # writes them after that BASE: Virtuoso refuses a BASE after a PREFIX)
    own = client.get(
        "/sparql",
        params={"query": "BASE <http://example.org/x/> SELECT (<a> AS ?a) (rdfs:label AS ?p) {}"},
    )
    assert own.status_code == 200, own.text
    row = own.json()["results"]["bindings"][0]
    assert (row["a"]["value"], row["p"]["value"]) == ("http://example.org/x/a", RDFS_LABEL)


def test_the_netkg_query_prefixes_are_predeclared(client: TestClient) -> None:
    query = "SELECT (rdfs:label AS ?p) ?t WHERE { ?t a net:Treatment } ORDER BY ?t"
    response = client.get("/sparql", params={"query": query})
    assert response.status_code == 200, response.text
    rows = response.json()["results"]["bindings"]
    assert rows[0]["p"]["value"] == PREFIXES["rdfs"] + "label"
    assert [r["t"]["value"] for r in rows] == FIVE
    # a query's own declaration of a predeclared prefix wins
    own = client.get("/sparql", params={"query": "PREFIX id: <urn:x:> SELECT (id:a AS ?a) {}"})
    assert own.status_code == 200, own.text
    assert own.json()["results"]["bindings"][0]["a"]["value"] == "urn:x:a"


def test_the_service_description_lists_the_predeclared_prefixes(client: TestClient) -> None:
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    store = ox.Store()
    store.load(response.content, format=ox.RdfFormat.TURTLE)
    rows = store.query(f"""PREFIX sd: <{SD}> PREFIX sh: <http://www.w3.org/ns/shacl#>
        SELECT ?prefix ?ns WHERE {{
          ?service a sd:Service ; sh:declare [ sh:prefix ?prefix ; sh:namespace ?ns ] }}""")
    assert {r["prefix"].value: r["ns"].value for r in rows} == PREFIXES


@pytest.mark.parametrize(
    ("query", "formats", "media_type"),
    [
        # what SPARQLWrapper sends for JSONLD, RDFXML and TSV
        (SURGERY, ["json-ld", "application/ld+json,application/x-json+ld"], "application/ld+json"),
        (SURGERY, ["rdf+xml", "application/rdf+xml"], "application/rdf+xml"),
        (TREATMENTS, ["tsv", "text/tab-separated-values"], "text/tab-separated-values"),
        (SURGERY, ["n3"], "text/turtle"),  # N3 is served as Turtle, its subset
        (SURGERY, ["text/n3"], "text/turtle"),
        (SURGERY, ["json"], "application/ld+json"),  # JSON, for a graph
        (TREATMENTS, ["json", "json"], "application/sparql-results+json"),
    ],
)
def test_format_parameters_that_agree(
    client: TestClient, query: str, formats: list[str], media_type: str
) -> None:
    params = [("query", query), *(("format", f) for f in formats)]
    response = client.get("/sparql", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == media_type


def test_format_parameters_that_disagree_are_a_400(client: TestClient) -> None:
    params = [("query", SURGERY), ("format", "ttl"), ("format", "nt")]
    _error(client.get("/sparql", params=params), 400, "'ttl', 'nt'", "give one")


def test_query_and_update_together_are_a_400(client: TestClient) -> None:
    both = {"query": "ASK {}", "update": "CLEAR ALL"}
    _error(client.get("/sparql", params=both), 400, "not both")
    _error(client.post("/sparql", data=both), 400, "not both")


@pytest.mark.parametrize("name", ["default-graph-uri", "named-graph-uri"])
@pytest.mark.parametrize("value", ["not an iri", "graph/data", ""])
def test_a_malformed_graph_iri_is_a_400(client: TestClient, name: str, value: str) -> None:
    response = client.get("/sparql", params={"query": "ASK {}", name: value})
    _error(response, 400, name, "not an absolute IRI")


def test_parser_errors_name_the_line_of_the_query_not_a_grammar(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": "SELECT * WHERE {\n  ?s ?p ?o . FILTER( }"})
    _error(response, 400, "line 2, column", "FILTER( }")
    unknown = client.get("/sparql", params={"query": "SELECT * WHERE { ?s rdfx:label ?o }"})
    _error(unknown, 400, "line 1", "rdfx: is not declared", "rdfs:")
    assert "[" not in unknown.json()["error"]


@pytest.mark.parametrize(
    ("query", "where"),
    [
        ("SELECT * WHERE {\n  ?s ?p ?o . FILTER( }", "line 2, column 23"),
        ("SELECT * WHERE { ?s ?p ?o . FILTER( }", "line 1, column 38"),
        # the query's own declarations count as its lines, netkg's predeclared ones do not
        (
            "BASE <http://example.org/>\nPREFIX x: <urn:x:>\nASK { x:a ?p ?o . FILTER( }",
            "line 3, column 28",
        ),
    ],
)
def test_parser_errors_give_the_position_in_the_clients_own_text(
    client: TestClient, query: str, where: str
) -> None:
    response = client.get("/sparql", params={"query": query})
    _error(response, 400, f"malformed query at {where} (near \u201c")


# --- read-only, no federation ----------------------------------------------------------------


def test_update_is_refused_every_way_it_can_arrive(client: TestClient) -> None:
    update = "INSERT DATA { <http://a> <http://b> <http://c> }"
    responses = [
        client.post(
            "/sparql", content=update, headers={"Content-Type": "application/sparql-update"}
        ),
        client.post("/sparql", data={"update": update}),
        client.get("/sparql", params={"update": update}),
        client.get("/sparql", params={"query": update}),
        client.post("/sparql", content=update, headers=SPARQL_QUERY),
    ]
    for response in responses:
        _error(response, 403, "read-only")
    # nothing was written
    ask = client.get("/sparql", params={"query": "ASK { <http://a> <http://b> <http://c> }"})
    assert ask.json()["boolean"] is False


def test_service_is_refused_but_not_the_word_in_a_string(client: TestClient) -> None:
    federated = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    _error(client.get("/sparql", params={"query": federated}), 403, "SERVICE")
    literal = 'SELECT ?s WHERE { ?s ?p "SERVICE { }"@en }'
    response = client.get("/sparql", params={"query": literal})
    assert response.status_code == 200
    assert [r["s"]["value"] for r in response.json()["results"]["bindings"]] == [
        ID + "biological-therapy"
    ]


# --- limits ----------------------------------------------------------------------------------


def test_a_result_over_the_row_limit_is_reported_not_truncated(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    _error(response, 413, f"more than {MAX_ROWS} rows", "LIMIT")
    response = client.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"})
    _error(response, 413, f"more than {MAX_ROWS} triples")


def test_a_request_over_the_size_limit_is_refused(client: TestClient) -> None:
    big = "ASK {}" + " " * MAX_BYTES
    _error(client.post("/sparql", content=big, headers=SPARQL_QUERY), 413, str(MAX_BYTES))
    _error(client.post("/sparql", data={"query": big}), 413, str(MAX_BYTES))
    _error(client.get("/sparql", params={"query": big}), 414, "POST")


@pytest.fixture(params=["embedded", *REMOTE_ENGINES])
def runaway_client(
    request: pytest.FixtureRequest, service_dist: Path, tmp_path: Path
) -> Iterator[TestClient]:
    """Like `client`, but a remote app gets its own server, stopped after the test (Oxigraph
    goes on computing a query its client gave up on)."""
    if request.param == "embedded":
        yield TestClient(request.getfixturevalue("embedded_app"), raise_server_exceptions=False)
        return
    with running_remote_store(request.param, service_dist, tmp_path) as url:
        app = create_app(_settings(service_dist, store="remote", store_url=url))
        yield TestClient(app, raise_server_exceptions=False)
        app.state.netkg.store.close()


def test_a_runaway_query_is_stopped_with_a_503_naming_the_limit(
    runaway_client: TestClient,
) -> None:
    client = runaway_client
    response = client.get("/sparql", params={"query": HEAVY, "timeout": "1"})
    _error(response, 503, "1s", "time limit")
    assert client.get("/sparql", params={"query": "ASK {}"}).status_code == 200


# --- errors for people -----------------------------------------------------------------------


BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def test_errors_are_html_for_browsers(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": "SELEC"}, headers=BROWSER)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert "malformed query at line 1" in response.text
    assert '<link rel="stylesheet"' in response.text  # the site's page, not a bare dump
    assert ">SELEC</textarea>" in response.text  # the query, to mend
    unknown = client.get("/sparql", params={"query": "ASK { ?s rdfx:a ?o }"}, headers=BROWSER)
    assert "rdfx: is not declared" in unknown.text
    assert "u{00C0}" not in unknown.text


def test_other_errors_are_the_sites_styled_page_for_browsers(client: TestClient) -> None:
    response = client.put("/sparql", headers=BROWSER)
    assert response.status_code == 405
    assert "<h1>405 Method Not Allowed</h1>" in response.text
    assert "PUT is not allowed on /sparql" in response.text
    assert '<link rel="stylesheet" href="/static/netkg.css">' in response.text


def test_a_browser_opening_a_query_gets_the_editor_with_its_results(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": TREATMENTS}, headers=BROWSER)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert html.escape(TREATMENTS, quote=False) in page
    assert '<a href="/id/surgery" title="https://w3id.org/netkg/id/surgery">id:surgery</a>' in page
    assert "5 rows" in page
    assert 'href="/sparql?query=' in page  # downloads of the same query
    ask = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers=BROWSER)
    assert '<p class="boolean-result">yes</p>' in ask.text
    graph = client.get("/sparql", params={"query": SURGERY}, headers=BROWSER)
    assert '<pre class="graph-result"' in graph.text and "id:surgery" in graph.text
    # the editor form's "table" choice sends format= empty; a chosen format is the raw answer
    table = client.get("/sparql", params={"query": TREATMENTS, "format": ""}, headers=BROWSER)
    assert "5 rows" in table.text
    raw = client.get("/sparql", params={"query": TREATMENTS, "format": "csv"}, headers=BROWSER)
    assert raw.headers["content-type"].startswith("text/csv")


def test_the_editor_shows_each_terms_language_and_datatype_and_the_row_limit(
    client: TestClient,
) -> None:
    query = 'SELECT ?l ?n ?s WHERE { VALUES (?l ?n ?s) { ("chirurgie"@fr 3 "plain") } }'
    page = client.get("/sparql", params={"query": query}, headers=BROWSER).text
    assert '<td><span lang="fr">chirurgie</span><span class="term-tag"> @fr</span></td>' in page
    assert '<td><span>3</span><span class="term-tag"> xsd:integer</span></td>' in page
    assert "<td><span>plain</span></td>" in page
    for query, what in (
        ("SELECT * WHERE { ?s ?p ?o }", "rows"),
        ("CONSTRUCT WHERE { ?s ?p ?o }", "triples"),
    ):
        response = client.get("/sparql", params={"query": query}, headers=BROWSER)
        assert response.status_code == 413
        assert f"more than {MAX_ROWS} {what}" in response.text and "<textarea" in response.text


# --- the service description and the editor --------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "parse_as"),
    [
        (None, ox.RdfFormat.TURTLE),
        ("text/turtle", ox.RdfFormat.TURTLE),
        ("application/ld+json", ox.RdfFormat.JSON_LD),
        ("application/rdf+xml", ox.RdfFormat.RDF_XML),
        ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    ],
)
def test_service_description(
    client: TestClient, accept: str | None, parse_as: ox.RdfFormat
) -> None:
    headers = {"Accept": accept} if accept else {}
    response = client.get("/sparql", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == parse_as.media_type
    store = ox.Store()
    store.load(response.content, format=parse_as)
    rows = list(
        store.query(f"""PREFIX sd: <{SD}>
        SELECT ?endpoint ?language WHERE {{
          ?service a sd:Service ; sd:endpoint ?endpoint ; sd:supportedLanguage ?language }}""")
    )
    assert [(r["endpoint"].value, r["language"].value) for r in rows] == [
        ("http://testserver/sparql", SD + "SPARQL11Query")
    ]
    formats = {
        r["f"].value
        for r in store.query(f"PREFIX sd: <{SD}> SELECT ?f WHERE {{ ?s sd:resultFormat ?f }}")
    }
    assert "http://www.w3.org/ns/formats/SPARQL_Results_CSV" in formats
    assert "http://www.w3.org/ns/formats/Turtle" in formats
    graphs = {
        r["g"].value
        for r in store.query(
            f"PREFIX sd: <{SD}> SELECT ?g WHERE {{ ?s sd:defaultDataset/sd:namedGraph/sd:name ?g }}"
        )
    }
    assert graphs >= {DATA_GRAPH, ONTOLOGY_GRAPH}
    federation = store.query(f"PREFIX sd: <{SD}> ASK {{ ?s sd:feature sd:BasicFederatedQuery }}")
    assert not federation


def test_service_description_406(client: TestClient) -> None:
    _error(client.get("/sparql", headers={"Accept": "image/png"}), 406, "text/turtle")


def test_the_editor_page_for_browsers_carries_examples(client: TestClient) -> None:
    response = client.get("/sparql", headers={"Accept": "text/html,*/*;q=0.8"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert '<textarea id="query" name="query"' in response.text
    # the release's own named queries (dist/api, from tests/fixtures/service/api)
    assert "Every treatment with its English label." in response.text
    assert 'action="/sparql"' in response.text


def test_the_editor_takes_examples_from_api_rq_files(service_dist: Path, tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    shutil.copytree(service_dist, dist)
    shutil.rmtree(dist / "api")  # a release without queries: the project's api/ beside it
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "conditions.rq").write_text(
        "#+ summary: Every condition we know\nSELECT ?c WHERE { ?c a ?type }\n"
    )
    app = create_app(_settings(dist, workers=1))
    try:
        page = TestClient(app).get("/sparql", headers={"Accept": "text/html"})
        assert "Every condition we know" in page.text
        assert "possibleTreatment" not in page.text
    finally:
        app.state.netkg.store.close()
