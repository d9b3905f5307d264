"""Partner JSON-LD: schema.org documents that say only what the graph says.

Each document is expanded with pyld (JSON-LD 1.1, nothing dropped) and turned into triples; every
triple must be in the curated graph, or follow from a graph triple by one of the view's written
rules (checked here in Python, independently of the SPARQL that applies them).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import rdflib
from fastapi.testclient import TestClient
from pyld import jsonld
from rdflib import RDF, RDFS, XSD, Literal, Namespace, URIRef
from rdflib.compare import isomorphic

from netkg.build import build_release
from netkg.config import Settings
from netkg.partner import (
    condition_document,
    published_context,
    treatment_document,
    treatment_slugs,
)
from netkg.queries import LocalStore
from netkg.service import create_app

ROOT = Path(__file__).resolve().parent.parent
ID = "https://w3id.org/netkg/id/"
SCHEMA = Namespace("https://schema.org/")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
OWL = Namespace("http://www.w3.org/2002/07/owl#")
TREATMENTS = [
    "biological-therapy",
    "drug-therapy",
    "liver-directed-therapy",
    "radiation-therapy",
    "surgery",
]
CODING_SYSTEMS = {
    "http://purl.obolibrary.org/obo/NCIT_": "NCIt",
    "http://id.nlm.nih.gov/mesh/": "MeSH",
    "http://snomed.info/id/": "SNOMED-CT",
    "https://w3id.org/netkg/external/icdo3/": "ICD-O-3",
    "http://purl.obolibrary.org/obo/MONDO_": "MONDO",
}


@pytest.fixture(scope="module")
def store(curated_store: ox.Store) -> LocalStore:
    return LocalStore(curated_store)


def documents(store: LocalStore) -> Iterator[tuple[str, dict[str, Any]]]:
    for lang in ("en", "fr"):
        yield f"condition-{lang}", condition_document(store, lang)
        for slug in TREATMENTS:
            yield f"{slug}-{lang}", treatment_document(store, slug, lang)


def expand(document: dict[str, Any]) -> list[dict[str, Any]]:
    """JSON-LD 1.1 expansion that fails on any property the context can't map."""
    dropped: list[str | None] = []
    expanded: list[dict[str, Any]] = jsonld.expand(
        document, {"processingMode": "json-ld-1.1"}, on_property_dropped=dropped.append
    )
    assert dropped == []
    return expanded


def triples_of(document: dict[str, Any]) -> rdflib.Graph:
    nquads = jsonld.to_rdf(document, {"format": "application/n-quads"})
    graph = rdflib.Graph()
    graph.parse(data=nquads, format="nt")
    return graph


def justified(graph: rdflib.Graph, s: Any, p: Any, o: Any) -> bool:
    """Is (s, p, o) in the graph, or does it follow by one of the views' rules?"""
    if (s, p, o) in graph:
        return True
    rules = {
        SCHEMA.name: lambda: (s, SKOS.prefLabel, o) in graph,
        SCHEMA.alternateName: lambda: (s, SKOS.altLabel, o) in graph,
        SCHEMA.description: lambda: (s, SKOS.definition, o) in graph,
        SCHEMA.sameAs: lambda: (s, SKOS.exactMatch, o) in graph,
        SCHEMA.code: lambda: (s, SKOS.exactMatch, o) in graph or (s, SKOS.closeMatch, o) in graph,
        SCHEMA.text: lambda: (s, RDFS.comment, o) in graph,
        SCHEMA.codeValue: lambda: (
            o == graph.value(s, SKOS.notation)
            or (
                graph.value(s, SKOS.notation) is None
                and any(str(s) == ns + str(o) for ns in CODING_SYSTEMS)
            )
        ),
        SCHEMA.codingSystem: lambda: any(
            str(s).startswith(ns) and str(o) == name for ns, name in CODING_SYSTEMS.items()
        ),
        SCHEMA.subjectOf: lambda: any(
            (section, DCTERMS.isPartOf, o) in graph for section in graph.objects(s, DCTERMS.source)
        ),
        SCHEMA.reviewedBy: lambda: (
            not list(graph.objects(s, DCTERMS.modified))
            and o
            in {graph.value(ont, DCTERMS.creator) for ont in graph.subjects(RDF.type, OWL.Ontology)}
        ),
        SCHEMA.lastReviewed: lambda: (
            o in set(graph.objects(s, DCTERMS.modified))
            or (
                not list(graph.objects(s, DCTERMS.modified))
                and o
                in {
                    graph.value(ont, DCTERMS.modified)
                    for ont in graph.subjects(RDF.type, OWL.Ontology)
                }
            )
        ),
    }
    if p == RDF.type and o == SCHEMA.MedicalCode:
        return any(graph.subjects(SKOS.exactMatch, s)) or any(graph.subjects(SKOS.closeMatch, s))
    rule = rules.get(p)
    return bool(rule and rule())


def test_every_triple_of_every_document_is_in_the_graph_or_follows_from_it(
    store: LocalStore, curated_graph: rdflib.Graph
) -> None:
    for name, document in documents(store):
        triples = triples_of(document)
        assert len(triples) > 20, name
        unjustified = [t for t in triples if not justified(curated_graph, *t)]
        assert unjustified == [], name


def test_the_rules_are_not_a_blank_cheque(curated_graph: rdflib.Graph) -> None:
    """Made-up statements are refused by the same check."""
    surgery = URIRef(ID + "surgery")
    assert not justified(curated_graph, surgery, SCHEMA.name, Literal("chemotherapy", lang="en"))
    assert not justified(
        curated_graph, surgery, SCHEMA.sameAs, URIRef("http://purl.obolibrary.org/obo/NCIT_C15329")
    )  # only close
    assert not justified(
        curated_graph, surgery, SCHEMA.code, URIRef("http://id.nlm.nih.gov/mesh/D011878")
    )
    assert not justified(
        curated_graph,
        URIRef("http://id.nlm.nih.gov/mesh/D013514"),
        SCHEMA.codingSystem,
        Literal("NCIt"),
    )
    assert not justified(
        curated_graph,
        URIRef(ID + "ccs-net-treatments"),
        SCHEMA.lastReviewed,
        Literal("2001-01-01", datatype=XSD.date),
    )


def test_documents_are_valid_json_ld_1_1_and_round_trip(store: LocalStore) -> None:
    for name, document in documents(store):
        text = json.dumps(document)
        again = json.loads(text)
        expanded = expand(again)
        assert expanded, name
        compacted = jsonld.compact(
            expanded, {"@context": document["@context"]}, {"processingMode": "json-ld-1.1"}
        )
        assert isomorphic(triples_of(compacted), triples_of(document)), name
        # the embedded context is the published one, plus the document's language
        context = dict(document["@context"])
        assert context.pop("@language") in ("en", "fr")
        assert context == published_context()["@context"]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _types(node: dict[str, Any]) -> set[str]:
    return set(_as_list(node.get("@type", [])))


def _check_therapy(therapy: dict[str, Any], name: str) -> None:
    assert "MedicalTherapy" in _types(therapy), name
    for key in ("@id", "name", "description"):
        assert therapy.get(key), f"{name}: {key}"
    for code in therapy.get("code", []):
        assert code["@type"] == "MedicalCode"
        assert code["codeValue"] and code["codingSystem"] in CODING_SYSTEMS.values()


def _check_page(page: dict[str, Any], name: str) -> None:
    assert "MedicalWebPage" in _types(page), name
    for key in ("name", "publisher", "citation", "lastReviewed", "usageInfo", "inLanguage"):
        assert page.get(key), f"{name}: {key}"
    assert page["publisher"]["@id"] == ID + "canadian-cancer-society"
    # the review date is netkg's, and says so (the page states none of its own)
    assert page["reviewedBy"] == ID + "netkg-project"
    assert len(page["citation"]) == 9
    # the disclaimer in the document's language (French is netkg's own translation)
    word = "médecin" if name.endswith("-fr") else "doctor"
    assert word in page["usageInfo"]["text"]


def test_condition_document_has_the_required_properties(store: LocalStore) -> None:
    for lang, condition_name in (("en", "neuroendocrine tumour"), ("fr", "tumeur neuroendocrine")):
        document = condition_document(store, lang)
        _check_page(document, f"condition-{lang}")
        condition = document["about"]
        assert condition["@type"] == "MedicalCondition"
        assert condition["name"] == condition_name
        therapies = condition["possibleTreatment"]
        assert sorted(t["@id"] for t in therapies) == [ID + slug for slug in TREATMENTS]
        for therapy in therapies:
            _check_therapy(therapy, therapy["@id"])
        codes = {(c["codingSystem"], c["codeValue"]) for c in condition["code"]}
        assert {("NCIt", "C3809"), ("MeSH", "D018358")} <= codes
        assert "http://purl.obolibrary.org/obo/NCIT_C3809" in condition["sameAs"]


def test_treatment_documents_have_the_required_properties(store: LocalStore) -> None:
    for slug in TREATMENTS:
        for lang in ("en", "fr"):
            document = treatment_document(store, slug, lang)
            assert document["@id"] == ID + slug
            _check_therapy(document, slug)
            _check_page(document["subjectOf"], f"{slug}-{lang}")
            assert "about" not in document["subjectOf"]  # about this treatment, not all five
    surgery = treatment_document(store, "surgery", "en")
    assert {(c["codingSystem"], c["codeValue"]) for c in surgery["code"]} == {
        ("NCIt", "C15329"),
        ("MeSH", "D013514"),
        ("SNOMED-CT", "387713003"),
    }
    assert surgery["sameAs"] == [
        "http://id.nlm.nih.gov/mesh/D013514",
        "http://snomed.info/id/387713003",
    ]
    assert "SurgicalProcedure" in _types(surgery)


def test_french_documents_use_french_labels_and_tag_the_english_fallbacks(
    store: LocalStore,
) -> None:
    document = treatment_document(store, "surgery", "fr")
    assert document["name"] == "chirurgie"
    # the graph's French definition, a plain string in the document's language
    assert document["description"].startswith("Traitement dans lequel un chirurgien")
    assert document["subjectOf"]["publisher"]["name"] == "Société canadienne du cancer"


def test_documents_are_deterministic(store: LocalStore) -> None:
    assert condition_document(store, "en") == condition_document(store, "en")
    assert json.dumps(treatment_document(store, "surgery")) == json.dumps(
        treatment_document(store, "surgery")
    )


def test_treatment_slugs_are_the_treatments(store: LocalStore) -> None:
    assert [slug for slug, _ in treatment_slugs(store)] == TREATMENTS


# --- over HTTP -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    dist = build_release(ROOT, tmp_path_factory.mktemp("partner") / "dist", validate=False)
    with TestClient(create_app(Settings(dist=dist, workers=1))) as test_client:
        yield test_client


def test_partner_documents_are_served(client: TestClient, store: LocalStore) -> None:
    response = client.get("/partner/condition.jsonld", params={"lang": "fr"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/ld+json")
    assert response.headers["content-language"] == "fr"
    assert response.json() == condition_document(store, "fr")
    surgery = client.get("/partner/treatments/surgery.jsonld")
    assert surgery.status_code == 200
    assert surgery.json()["name"] == "surgery"
    assert "etag" in surgery.headers
    assert surgery.headers["access-control-allow-origin"] == "*"


def test_published_context_is_served(client: TestClient) -> None:
    response = client.get("/partner/context.jsonld")
    assert response.status_code == 200
    assert response.json() == published_context()


@pytest.mark.parametrize(
    ("url", "status", "says"),
    [
        ("/partner/condition.jsonld?lang=de", 400, "'lang'"),
        ("/partner/condition.jsonld?colour=red", 400, "'colour'"),
        ("/partner/treatments/surgery.jsonld?lang=en&lang=fr", 400, "'lang'"),
        ("/partner/treatments/chemotherapy.jsonld", 404, "chemotherapy"),
        ("/partner/treatments/liver.jsonld", 404, "liver"),
    ],
)
def test_bad_partner_requests(client: TestClient, url: str, status: int, says: str) -> None:
    response = client.get(url)
    assert response.status_code == status
    assert says in response.json()["error"]


def test_partner_guide_has_a_working_snippet(client: TestClient) -> None:
    from html import unescape

    response = client.get("/partners", params={"lang": "en"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = unescape(response.text)
    start = page.index('<script type="application/ld+json">')
    end = page.index("</script>", start)
    snippet = json.loads(page[start + len('<script type="application/ld+json">') : end])
    assert snippet == client.get("/partner/condition.jsonld?lang=en").json()
    for slug in TREATMENTS:
        assert f"/partner/treatments/{slug}.jsonld" in page
