"""Linked data routes (netkg.web.resources) on the real app over a small fixture release.

The release is built from tests/fixtures/resources (links both ways, a slash in an IRI, a mapping
axiom, a blank-node range, an IRI that really ends in ".ttl"), served by the real embedded store.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import extruct
import pytest
import rdflib
from fastapi.testclient import TestClient
from pyld import jsonld
from rdflib import Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, SKOS
from service_support import REMOTE_ENGINES, running_remote_store

from netkg.config import Settings
from netkg.release.build import build_release
from netkg.web.app import create_app

FIXTURE = Path(__file__).parent / "fixtures" / "resources"
ID = "https://w3id.org/netkg/id/"
NET = "https://w3id.org/netkg/ontology#"
SCHEMA = "https://schema.org/"
RDF_TYPES = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
}


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_release(FIXTURE, tmp_path_factory.mktemp("resources") / "dist")


@pytest.fixture(scope="module")
def client(dist: Path) -> Iterator[TestClient]:
    app = create_app(Settings(dist=dist, workers=1))
    with TestClient(app) as test_client:
        yield test_client


def parse(body: bytes, media_type: str) -> rdflib.Graph:
    graph = rdflib.Graph()
    graph.parse(data=body, format=RDF_TYPES[media_type.split(";")[0]])
    return graph


# --- /id/…: content negotiation ---------------------------------------------------------------


@pytest.mark.parametrize("media_type", list(RDF_TYPES))
def test_each_rdf_type_describes_the_resource(client: TestClient, media_type: str) -> None:
    response = client.get("/id/surgery", headers={"Accept": media_type})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    graph = parse(response.content, media_type)
    surgery = URIRef(ID + "surgery")
    assert (surgery, RDF.type, URIRef(NET + "Treatment")) in graph
    assert (surgery, SKOS.prefLabel, Literal("chirurgie", lang="fr")) in graph


def test_the_description_has_labels_of_linked_things_and_incoming_links(
    client: TestClient,
) -> None:
    graph = parse(client.get("/id/surgery.ttl").content, "text/turtle")
    section = URIRef(ID + "ccs-net-treatments/surgery")
    # the label of what it links to, so a reader needs no second request
    assert (section, SKOS.prefLabel, Literal("Surgery for NETs", lang="en")) in graph
    # incoming links: the condition it treats and the statement about it, with their labels
    tumour = URIRef(ID + "neuroendocrine-tumour")
    assert (tumour, URIRef(SCHEMA + "possibleTreatment"), URIRef(ID + "surgery")) in graph
    usage = URIRef(ID + "usage-surgery-usual")
    assert (usage, URIRef(NET + "treatment"), URIRef(ID + "surgery")) in graph
    assert (usage, SKOS.prefLabel, None) in graph
    # but not everything about the neighbours
    assert (tumour, SKOS.definition, None) not in graph


def test_mapping_axioms_about_a_resource_are_part_of_its_description(client: TestClient) -> None:
    graph = parse(client.get("/id/neuroendocrine-tumour.nt").content, "application/n-triples")
    axiom = URIRef(ID + "mapping/neuroendocrine-tumour--ncit-c3809")
    assert (axiom, URIRef("https://w3id.org/sssom/object_label"), None) in graph
    assert (axiom, URIRef("http://www.w3.org/2002/07/owl#annotatedTarget"), None) in graph


def test_browsers_get_html_with_labels_and_links(client: TestClient) -> None:
    response = client.get("/id/surgery", headers={"Accept": "text/html,*/*;q=0.8"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    text = response.text
    assert "<h1>surgery</h1>" in text
    assert 'href="/id/ccs-net-treatments/surgery"' in text  # our IRIs link to here
    assert "surgery is usually used for NETs" in text  # incoming link, labelled
    assert 'href="/id/surgery.ttl"' in text


@pytest.mark.parametrize(
    ("path", "document"),
    [
        ("/id/surgery", "/id/surgery.ttl"),
        ("/id/neuroendocrine-tumour", "/id/neuroendocrine-tumour.ttl"),
        ("/void", "/void.ttl"),
    ],
)
def test_html_pages_embed_their_json_ld(client: TestClient, path: str, document: str) -> None:
    page = client.get(path, headers={"Accept": "text/html"})
    embedded = extruct.extract(page.text, base_url="http://testserver" + path, syntaxes=["json-ld"])
    [data] = embedded["json-ld"]
    nquads = jsonld.to_rdf(data, {"format": "application/n-quads"})
    from_page = rdflib.Graph().parse(data=nquads, format="nt")
    assert len(from_page) > 0
    assert isomorphic(from_page, parse(client.get(document).content, "text/turtle"))


def test_the_void_page_links_its_real_alternates(client: TestClient) -> None:
    page = client.get("/void", headers={"Accept": "text/html"}).text
    assert "/void#netkg." not in page
    for name in ("ttl", "jsonld", "nt", "rdf"):
        assert f'href="/void.{name}"' in page
        assert client.get(f"/void.{name}").status_code == 200


@pytest.mark.parametrize("path", ["/id", "/id/"])
def test_the_id_folder_leads_to_the_list_of_resources(client: TestClient, path: str) -> None:
    response = client.get(path, headers={"Accept": "text/html"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/sparql?query=")
    listing = client.get(path, headers={"Accept": "text/html"})
    assert '<a href="/id/surgery" title="https://w3id.org/netkg/id/surgery">id:surgery</a>' in (
        listing.text
    )
    rows = client.get(path, headers={"Accept": "application/sparql-results+json"}).json()
    resources = {row["resource"]["value"] for row in rows["results"]["bindings"]}
    assert ID + "surgery" in resources and ID + "neuroendocrine-tumour" in resources


def test_a_named_graph_iri_leads_to_its_triples(client: TestClient) -> None:
    response = client.get("/graph/data", headers={"Accept": "text/turtle"})
    assert response.history[0].status_code == 303
    graph = parse(response.content, "text/turtle")
    assert (URIRef(ID + "surgery"), RDF.type, None) in graph
    ontology = parse(
        client.get("/graph/ontology", headers={"Accept": "text/turtle"}).content, "text/turtle"
    )
    assert (URIRef(ID + "surgery"), RDF.type, None) not in ontology
    assert client.get("/graph/nothing").status_code == 404


def test_html_shows_mappings(client: TestClient) -> None:
    text = client.get("/id/neuroendocrine-tumour.html").text
    assert "Neuroendocrine Neoplasm" in text
    assert "http://purl.obolibrary.org/obo/NCIT_C3809" in text


def test_a_retired_iri_still_resolves_and_points_to_its_replacement(client: TestClient) -> None:
    response = client.get("/id/old-surgery", headers={"Accept": "text/html"})
    assert response.status_code == 200
    notice = response.text[response.text.index('class="deprecated"') :]
    assert 'href="/id/surgery"' in notice[: notice.index("</p>")]


def test_french_labels_for_french_readers(client: TestClient) -> None:
    response = client.get("/id/surgery", headers={"Accept": "text/html", "Accept-Language": "fr"})
    assert "<h1>chirurgie</h1>" in response.text


@pytest.mark.parametrize(
    ("path", "media_type"),
    [
        ("/id/surgery.ttl", "text/turtle"),
        ("/id/surgery.jsonld", "application/ld+json"),
        ("/id/surgery.nt", "application/n-triples"),
        ("/id/surgery.rdf", "application/rdf+xml"),
        ("/id/surgery.html", "text/html"),
        ("/id/surgery?format=ttl", "text/turtle"),
        ("/id/surgery?format=jsonld", "application/ld+json"),
        ("/id/surgery?format=application/n-triples", "application/n-triples"),
    ],
)
def test_suffix_and_format_override_accept(client: TestClient, path: str, media_type: str) -> None:
    response = client.get(path, headers={"Accept": "application/rdf+xml;q=0.1, text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    # the representation is fixed by the URL, so it does not vary on Accept
    assert "accept" not in response.headers.get("vary", "").lower().replace("accept-", "")


def test_negotiated_responses_vary_on_accept_and_name_their_representation(
    client: TestClient,
) -> None:
    response = client.get("/id/surgery", headers={"Accept": "text/turtle"})
    vary = [v.strip() for v in response.headers["vary"].split(",")]
    assert "Accept" in vary
    assert response.headers["content-location"] == "/id/surgery.ttl"


def test_link_headers_point_to_the_other_representations(client: TestClient) -> None:
    response = client.get("/id/surgery", headers={"Accept": "text/turtle"})
    link = response.headers["link"]
    for suffix, media_type in [
        ("jsonld", "application/ld+json"),
        ("nt", "application/n-triples"),
        ("rdf", "application/rdf+xml"),
        ("html", "text/html"),
    ]:
        assert f'</id/surgery.{suffix}>; rel="alternate"; type="{media_type}"' in link
    assert "/id/surgery.ttl>" not in link  # the chosen one is Content-Location, not an alternate


def test_jsonld_links_one_alternate_so_pyld_can_load_it(client: TestClient) -> None:
    link = client.get("/id/surgery", headers={"Accept": "application/ld+json"}).headers["link"]
    assert link == '</id/surgery.ttl>; rel="alternate"; type="text/turtle"'


def test_all_representations_are_the_same_graph(client: TestClient) -> None:
    graphs = [parse(client.get("/id/surgery", headers={"Accept": m}).content, m) for m in RDF_TYPES]
    for graph in graphs[1:]:
        assert isomorphic(graphs[0], graph)


def test_jsonld_is_compacted_with_netkgs_context(client: TestClient) -> None:
    document = client.get("/id/surgery.jsonld").json()
    context = document["@context"]
    assert context["net"] == NET
    text = json.dumps(document)
    assert '"id:surgery"' in text  # compact IRIs, not full ones
    assert "https://w3id.org/netkg/id/surgery" not in text.replace(json.dumps(context), "")


def test_a_slash_in_the_iri_is_part_of_the_iri(client: TestClient) -> None:
    graph = parse(client.get("/id/ccs-net-treatments/surgery.ttl").content, "text/turtle")
    section = URIRef(ID + "ccs-net-treatments/surgery")
    assert (section, RDF.type, URIRef(SCHEMA + "WebPageElement")) in graph


def test_only_a_known_suffix_is_stripped_and_a_real_dot_iri_still_resolves(
    client: TestClient,
) -> None:
    # id/notes.ttl is itself an IRI in the data: it resolves, negotiated
    response = client.get("/id/notes.ttl", headers={"Accept": "application/n-triples"})
    assert response.status_code == 200
    graph = parse(response.content, "application/n-triples")
    assert (URIRef(ID + "notes.ttl"), SKOS.prefLabel, None) in graph
    # an unknown suffix is part of the IRI, so this is simply unknown
    assert client.get("/id/surgery.exe", headers={"Accept": "text/turtle"}).status_code == 404


def test_unknown_iri_is_404_as_json_for_machines(client: TestClient) -> None:
    for accept in ("text/turtle", "application/json", "application/ld+json"):
        response = client.get("/id/no-such-thing", headers={"Accept": accept})
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("application/json")
        assert "no-such-thing" in response.json()["error"]


def test_unknown_iri_is_404_as_html_for_browsers(client: TestClient) -> None:
    response = client.get("/id/no-such-thing", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "no-such-thing" in response.text


@pytest.mark.parametrize("path", ["/id/a b", "/id/%3Cx%3E"])
def test_malformed_or_empty_iris_are_404_not_500(client: TestClient, path: str) -> None:
    assert client.get(path, headers={"Accept": "text/turtle"}).status_code == 404


def test_an_unknown_format_is_400_naming_the_choices(client: TestClient) -> None:
    response = client.get("/id/surgery?format=docx")
    assert response.status_code == 400
    assert "ttl" in response.json()["error"]


def test_an_unsatisfiable_accept_is_406(client: TestClient) -> None:
    response = client.get("/id/surgery", headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "text/turtle" in response.json()["error"]


def test_jsonld_for_clients_that_ask_for_plain_json(client: TestClient) -> None:
    response = client.get("/id/surgery", headers={"Accept": "application/json"})
    assert response.headers["content-type"].startswith("application/ld+json")


# --- HTTP policies on the real routes ---------------------------------------------------------


def test_etag_and_304_on_a_resource(client: TestClient) -> None:
    first = client.get("/id/surgery", headers={"Accept": "text/turtle"})
    etag = first.headers["etag"]
    assert first.headers["cache-control"].startswith("public, max-age=")
    again = client.get("/id/surgery", headers={"Accept": "text/turtle", "If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    # another representation has another ETag, so it is not "not modified"
    other = client.get(
        "/id/surgery", headers={"Accept": "application/ld+json", "If-None-Match": etag}
    )
    assert other.status_code == 200
    assert other.headers["etag"] != etag


def test_head_on_a_resource(client: TestClient) -> None:
    get = client.get("/id/surgery.ttl")
    head = client.head("/id/surgery.ttl")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["etag"] == get.headers["etag"]
    assert head.headers["content-length"] == str(len(get.content))


def test_cors_on_a_resource(client: TestClient) -> None:
    response = client.get("/id/surgery.jsonld", headers={"Origin": "https://partner.example"})
    assert response.headers["access-control-allow-origin"] == "*"
    assert "link" in response.headers["access-control-expose-headers"].lower()


# --- the ontology -----------------------------------------------------------------------------


def test_ontology_documentation_has_classes_hierarchy_properties_and_anchors(
    client: TestClient,
) -> None:
    response = client.get("/ontology", headers={"Accept": "text/html"})
    assert response.status_code == 200
    text = response.text
    for anchor in ("Treatment", "Condition", "NeuroendocrineTumour", "treatment", "listPosition"):
        assert f'id="{anchor}"' in text
    # hierarchy: the subclass is listed inside its superclass's item in the tree
    tree = text[text.index('class="class-tree"') :]
    condition = tree.index('href="#Condition"')
    nested = tree.index('href="#NeuroendocrineTumour"')
    assert condition < nested < tree.index("</li>", condition + 1) + 200
    assert "A way of treating a condition." in text  # definition
    assert 'title="https://schema.org/MedicalTherapy"' in text  # alignment
    assert "FunctionalProperty" in text  # characteristic
    assert "one of" in text and 'href="/ontology#PersonalFactor"' in text  # union range


def test_ontology_in_rdf_is_the_whole_ontology(client: TestClient, dist: Path) -> None:
    graph = parse(client.get("/ontology", headers={"Accept": "text/turtle"}).content, "text/turtle")
    ontology = rdflib.Graph().parse(FIXTURE / "ontology" / "netkg.ttl")
    assert isomorphic(graph, ontology)


def test_ontology_suffix(client: TestClient) -> None:
    response = client.get("/ontology.jsonld")
    assert response.headers["content-type"].startswith("application/ld+json")
    assert response.headers["content-location"] == "/ontology.jsonld"


def test_term_paths_redirect_to_the_anchor(client: TestClient) -> None:
    response = client.get("/ontology/Treatment", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/ontology#Treatment"
    version = client.get("/ontology/0.1.0", follow_redirects=False)
    assert version.status_code == 303 and version.headers["location"] == "/ontology"
    missing = client.get("/ontology/Nope", headers={"Accept": "text/turtle"})
    assert missing.status_code == 404


# --- the dataset ------------------------------------------------------------------------------


def test_home_is_a_landing_page_for_browsers(client: TestClient) -> None:
    response = client.get("/", headers={"Accept": "text/html"})
    assert response.status_code == 200
    for link in (
        'href="/guide"',
        'href="/sparql"',
        'href="/ontology"',
        'href="/docs"',
        'href="/download/"',
    ):
        assert link in response.text
    assert "Accept" in response.headers["vary"]


def test_home_is_the_void_description_for_rdf_clients(client: TestClient, dist: Path) -> None:
    response = client.get("/", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.headers["content-location"] == "/void.ttl"
    graph = parse(response.content, "text/turtle")
    assert isomorphic(graph, rdflib.Graph().parse(dist / "void.ttl"))


@pytest.mark.parametrize("media_type", list(RDF_TYPES))
def test_well_known_void_in_every_rdf_type(client: TestClient, dist: Path, media_type: str) -> None:
    response = client.get("/.well-known/void", headers={"Accept": media_type})
    assert response.status_code == 200
    graph = parse(response.content, media_type)
    dataset = URIRef("https://w3id.org/netkg/void#netkg")
    assert (dataset, RDF.type, URIRef("http://rdfs.org/ns/void#Dataset")) in graph
    assert isomorphic(graph, rdflib.Graph().parse(dist / "void.ttl"))


def test_context_jsonld_is_the_release_context(client: TestClient, dist: Path) -> None:
    response = client.get("/context.jsonld")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/ld+json")
    assert response.content == (dist / "context.jsonld").read_bytes()
    assert "vary" not in response.headers


def test_download_listing_as_json_with_checksums(client: TestClient, dist: Path) -> None:
    response = client.get("/download/", headers={"Accept": "application/json"})
    listed = {f["name"]: f["sha256"] for f in response.json()["files"]}
    release = json.loads((dist / "release.json").read_text())
    index_sha = hashlib.sha256((dist / "release.json").read_bytes()).hexdigest()
    assert listed == {**release["files"], "release.json": index_sha}


def test_download_listing_as_html(client: TestClient) -> None:
    response = client.get("/download/", headers={"Accept": "text/html"})
    assert 'href="/download/netkg.ttl"' in response.text


def test_a_download_has_its_checksum_as_etag_and_digest(client: TestClient, dist: Path) -> None:
    response = client.get("/download/netkg.ttl")
    body = (dist / "netkg.ttl").read_bytes()
    assert response.content == body
    sha = hashlib.sha256(body).hexdigest()
    assert response.headers["etag"] == f'"{sha}"'
    digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
    assert response.headers["repr-digest"] == f"sha-256=:{digest}:"
    assert response.headers["content-type"].startswith("text/turtle")
    conditional = client.get("/download/netkg.ttl", headers={"If-None-Match": f'"{sha}"'})
    assert conditional.status_code == 304


def test_release_json_is_downloadable_too(client: TestClient, dist: Path) -> None:
    response = client.get("/download/release.json")
    assert response.status_code == 200
    assert response.content == (dist / "release.json").read_bytes()


def test_a_file_in_dist_that_release_json_does_not_list_is_not_served(
    client: TestClient, dist: Path
) -> None:
    (dist / "stray.txt").write_text("not part of the release")
    try:
        assert client.get("/download/stray.txt").status_code == 404
    finally:
        (dist / "stray.txt").unlink()


@pytest.mark.parametrize(
    "path",
    [
        "/download/../release.json",
        "/download/%2e%2e%2frelease.json",
        "/download/..%2F..%2Fetc",
        "/download/nope.ttl",
        "/download/.dist-x",
    ],
)
def test_only_listed_files_are_served(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404


def test_health(client: TestClient) -> None:
    response = client.get("/-/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["store"] == "embedded"
    assert body["release"]
    assert response.headers["cache-control"] == "no-store"


def test_version(client: TestClient, dist: Path) -> None:
    import netkg

    body = client.get("/-/version").json()
    release = json.loads((dist / "release.json").read_text())
    assert body["netkg"] == netkg.__version__
    assert body["release"]["version"] == release["version"]
    assert body["release"]["built"] == release["built"]


# --- the same descriptions from a remote store -------------------------------------------------


@pytest.mark.parametrize("engine", REMOTE_ENGINES)
def test_descriptions_are_the_same_from_a_remote_sparql_store(
    client: TestClient, dist: Path, tmp_path: Path, engine: str
) -> None:
    """Descriptions are SPARQL through the Store, so a real Oxigraph server or Virtuoso gives
    the same."""
    with running_remote_store(engine, dist, tmp_path) as url:
        remote = create_app(Settings(dist=dist, store="remote", store_url=url))
        with TestClient(remote) as remote_client:
            for path in ("/id/surgery", "/id/neuroendocrine-tumour", "/ontology"):
                here = client.get(path, headers={"Accept": "application/n-triples"})
                there = remote_client.get(path, headers={"Accept": "application/n-triples"})
                assert there.status_code == 200, there.text
                assert isomorphic(
                    parse(here.content, "application/n-triples"),
                    parse(there.content, "application/n-triples"),
                ), path


# --- the curated graph: every IRI dereferences ---------------------------------------------------


@pytest.fixture(scope="module")
def curated_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    root = Path(__file__).resolve().parent.parent
    dist = build_release(root, tmp_path_factory.mktemp("curated") / "dist", validate=False)
    with TestClient(create_app(Settings(dist=dist, workers=1))) as test_client:
        yield test_client


def test_every_curated_iri_dereferences(
    curated_client: TestClient, curated_graph: rdflib.Graph
) -> None:
    """Every `id:` IRI the curated data names, as subject or object, answers 200 with RDF
    that mentions it, and its HTML page has a heading."""
    iris = sorted(
        {
            str(t)
            for triple in curated_graph
            for t in triple
            if isinstance(t, URIRef) and str(t).startswith(ID)
        }
    )
    assert len(iris) > 50
    for iri in iris:
        path = "/" + iri[len("https://w3id.org/netkg/") :]
        response = curated_client.get(path, headers={"Accept": "application/n-triples"})
        assert response.status_code == 200, path
        assert f"<{iri}>".encode() in response.content, path
        assert "<h1>" in curated_client.get(path + ".html").text, path


def test_every_ontology_term_has_an_anchor(
    curated_client: TestClient, curated_graph: rdflib.Graph
) -> None:
    html = curated_client.get("/ontology", headers={"Accept": "text/html"}).text
    terms = {
        str(s)
        for s in curated_graph.subjects(RDF.type, None)
        if isinstance(s, URIRef) and str(s).startswith(NET)
    }
    assert terms
    for term in sorted(terms):
        assert f'id="{term[len(NET) :]}"' in html, term
