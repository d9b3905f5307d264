"""A real `netkg serve` on 127.0.0.1, read by linked-data clients nobody here wrote.

SPARQLWrapper and rdflib's SPARQLStore query /sparql in every format they offer.
rdflib fetches and parses each representation with its own Accept headers; pyld fetches JSON-LD
with its own (requests) document loader, and its expansion must be the same graph as the Turtle.
httpx checks the HTTP rules over a real socket (HEAD, 304, CORS preflight).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph as ox
import pytest
import rdflib
from pyld import jsonld
from rdflib import URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF, SKOS
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from service_support import running_netkg
from SPARQLWrapper import CSV, GET, JSON, JSONLD, N3, POST, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

from netkg.release.build import build_release
from netkg.web.http import content_security_policy, inline_scripts

FIXTURE = Path(__file__).parent / "fixtures" / "resources"
ID = "https://w3id.org/netkg/id/"
NET = "https://w3id.org/netkg/ontology#"
SURGERY = URIRef(ID + "surgery")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    dist = build_release(FIXTURE, tmp_path_factory.mktemp("clients") / "dist")
    with running_netkg(dist) as base:
        yield base


@pytest.fixture(scope="module")
def loader() -> Any:
    """pyld's own HTTP document loader (requests), not one of ours."""
    return jsonld.requests_document_loader(timeout=10)


def fetch(url: str, format: str | None = None) -> rdflib.Graph:
    """rdflib dereferences `url` itself: its Accept header, its redirects, its parser choice."""
    graph = rdflib.Graph()
    graph.parse(url, format=format)
    return graph


@pytest.mark.parametrize("rdflib_format", ["turtle", "xml", "nt", "json-ld"])
def test_rdflib_negotiates_and_parses_each_format(server: str, rdflib_format: str) -> None:
    graph = fetch(server + "/id/surgery", rdflib_format)
    assert (SURGERY, RDF.type, URIRef(NET + "Treatment")) in graph
    assert (SURGERY, SKOS.prefLabel, rdflib.Literal("surgery", lang="en")) in graph


def test_rdflib_with_its_default_accept_gets_rdf_not_html(server: str) -> None:
    graph = fetch(server + "/id/surgery")
    assert (SURGERY, RDF.type, URIRef(NET + "Treatment")) in graph


def test_every_format_is_the_same_graph_for_rdflib(server: str) -> None:
    turtle = fetch(server + "/id/surgery.ttl", "turtle")
    for suffix, rdflib_format in [("nt", "nt"), ("rdf", "xml"), ("jsonld", "json-ld")]:
        assert isomorphic(turtle, fetch(f"{server}/id/surgery.{suffix}", rdflib_format)), suffix


@pytest.mark.parametrize(
    "path", ["/id/surgery", "/id/neuroendocrine-tumour", "/ontology", "/.well-known/void"]
)
def test_pyld_expansion_is_the_same_graph_as_the_turtle(
    server: str, loader: Any, path: str
) -> None:
    expanded = jsonld.expand(server + path, {"documentLoader": loader})
    nquads = jsonld.to_rdf(expanded, {"format": "application/n-quads"})
    from_jsonld = rdflib.Graph().parse(data=nquads, format="nt")
    turtle = fetch(server + path, "turtle")
    assert len(turtle) > 0
    assert isomorphic(from_jsonld, turtle)


def test_pyld_can_use_the_served_context_as_a_remote_context(server: str, loader: Any) -> None:
    document = {
        "@context": server + "/context.jsonld",
        "@id": "id:surgery",
        "@type": "Treatment",
        "listPosition": "1",
    }
    expanded = jsonld.expand(document, {"documentLoader": loader})
    node = expanded[0]
    assert node["@id"] == ID + "surgery"
    assert node["@type"] == [NET + "Treatment"]
    assert node[NET + "listPosition"][0]["@type"] == "http://www.w3.org/2001/XMLSchema#integer"


def test_rdflib_reads_the_ontology_and_follows_the_term_redirect(server: str) -> None:
    whole = fetch(server + "/ontology", "turtle")
    assert (URIRef(NET + "Treatment"), RDF.type, OWL.Class) in whole
    via_term = fetch(server + "/ontology/Treatment", "turtle")  # 303 -> /ontology#Treatment
    assert isomorphic(whole, via_term)


def test_rdflib_reads_the_dataset_description(server: str) -> None:
    void = fetch(server + "/.well-known/void", "turtle")
    dataset = URIRef("https://w3id.org/netkg/void#netkg")
    assert (dataset, RDF.type, URIRef("http://rdfs.org/ns/void#Dataset")) in void
    assert isomorphic(void, fetch(server + "/", "turtle"))


def test_unknown_iri_is_404_over_the_wire(server: str) -> None:
    response = httpx.get(server + "/id/no-such-thing", headers={"Accept": "text/turtle"})
    assert response.status_code == 404
    assert response.json()["status"] == 404
    with pytest.raises(Exception, match="404"):
        fetch(server + "/id/no-such-thing", "turtle")


def test_head_304_and_cors_over_a_real_socket(server: str) -> None:
    with httpx.Client(base_url=server) as http:
        get = http.get("/id/surgery", headers={"Accept": "text/turtle"})
        head = http.head("/id/surgery", headers={"Accept": "text/turtle"})
        assert head.status_code == 200 and head.content == b""
        assert head.headers["content-length"] == str(len(get.content))
        assert head.headers["etag"] == get.headers["etag"]
        again = http.get(
            "/id/surgery", headers={"Accept": "text/turtle", "If-None-Match": get.headers["etag"]}
        )
        assert again.status_code == 304 and again.content == b""
        preflight = http.options(
            "/id/surgery",
            headers={
                "Origin": "https://partner.example",
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "If-None-Match",
            },
        )
        assert preflight.status_code == 204
        assert preflight.headers["access-control-allow-origin"] == "*"
        assert get.headers["access-control-allow-origin"] == "*"


# --- SPARQLWrapper: every return format it offers, for each query form ---------------------------

SELECT_TREATMENTS = f"SELECT ?t WHERE {{ ?t a <{NET}Treatment> }}"
ASK_SURGERY = f"ASK {{ <{SURGERY}> a <{NET}Treatment> }}"
CONSTRUCT_SURGERY = f"CONSTRUCT WHERE {{ <{SURGERY}> a ?type }}"
DESCRIBE_SURGERY = f"DESCRIBE <{SURGERY}>"


def _sparqlwrapper(server: str, query: str, return_format: str, method: str) -> Any:
    client = SPARQLWrapper(server + "/sparql")
    client.setQuery(query)
    client.setReturnFormat(return_format)
    client.setMethod(method)
    return client.query()


def _solutions(result: Any, return_format: str) -> list[str]:
    converted = result.convert()
    if return_format == JSON:
        return [row["t"]["value"] for row in converted["results"]["bindings"]]
    if return_format == XML:
        return [node.firstChild.data for node in converted.getElementsByTagName("uri")]
    delimiter = "," if return_format == CSV else "\t"
    lines = converted.decode().strip().splitlines()[1:]
    return [line.split(delimiter)[0].strip("<>") for line in lines]


@pytest.mark.parametrize("method", [GET, POST])
@pytest.mark.parametrize("return_format", [JSON, XML, CSV, TSV])
def test_sparqlwrapper_select_and_ask_in_every_format(
    server: str, return_format: str, method: str
) -> None:
    result = _sparqlwrapper(server, SELECT_TREATMENTS, return_format, method)
    assert str(SURGERY) in _solutions(result, return_format)
    ask = _sparqlwrapper(server, ASK_SURGERY, return_format, method).convert()
    if return_format == JSON:
        assert ask["boolean"] is True
    elif return_format == XML:
        assert ask.getElementsByTagName("boolean")[0].firstChild.data == "true"
    else:  # SPARQL CSV/TSV describe no ASK result: one row holding the boolean
        assert b"true" in ask


@pytest.mark.parametrize("method", [GET, POST])
@pytest.mark.parametrize("return_format", [TURTLE, N3, XML, RDFXML, JSONLD])
@pytest.mark.parametrize("query", [CONSTRUCT_SURGERY, DESCRIBE_SURGERY])
def test_sparqlwrapper_construct_and_describe_in_every_format(
    server: str, query: str, return_format: str, method: str
) -> None:
    response = _sparqlwrapper(server, query, return_format, method).response
    media = response.headers["content-type"].split(";")[0]
    assert media == {TURTLE: "text/turtle", N3: "text/turtle", JSONLD: "application/ld+json"}.get(
        return_format, "application/rdf+xml"
    )
    rdf_format = ox.RdfFormat.from_media_type(media)
    assert rdf_format is not None
    triples = [quad.triple for quad in ox.parse(response.read(), format=rdf_format)]
    treatment = ox.Triple(
        ox.NamedNode(SURGERY), ox.NamedNode(str(RDF.type)), ox.NamedNode(NET + "Treatment")
    )
    assert treatment in triples


# --- rdflib's SPARQLStore -----------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST", "POST_FORM"])
def test_rdflib_sparqlstore_every_query_form(server: str, method: str) -> None:
    graph = rdflib.Graph(store=SPARQLStore(server + "/sparql", method=method))
    assert SURGERY in [row[0] for row in graph.query(SELECT_TREATMENTS)]  # type: ignore[index]
    assert graph.query(ASK_SURGERY).askAnswer is True
    for query in (CONSTRUCT_SURGERY, DESCRIBE_SURGERY):
        answer = graph.query(query).graph
        assert answer is not None and (SURGERY, RDF.type, URIRef(NET + "Treatment")) in answer
    assert (SURGERY, RDF.type, URIRef(NET + "Treatment")) in graph
    assert len(list(graph.triples((SURGERY, None, None)))) > 3


# --- hardening, over the wire -----------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/id/surgery", "/sparql", "/ontology", "/docs"])
def test_pages_carry_the_security_headers_and_no_server_name(server: str, path: str) -> None:
    response = httpx.get(server + path, headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "server" not in response.headers  # uvicorn's name is not announced
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "default-src 'self'" in policy
    scripts = inline_scripts(response.text)
    if path == "/docs":  # Swagger UI's start-up script, and only it
        assert policy == content_security_policy(scripts=scripts) and scripts
    else:  # our own pages run no inline script at all
        assert scripts == [] and "script-src 'self';" in policy
