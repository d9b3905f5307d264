"""Partner JSON-LD: schema.org documents that say what the page says, no more and no less.

Each document is expanded with pyld (JSON-LD 1.1, nothing dropped) and turned into triples. Every
triple must be in the release graph, or follow from a graph triple by one of the views' written
rules (checked here in Python, independently of the SPARQL that applies them); every term must be
schema.org's own, used within its domain and range (checked against the vocabulary file itself);
and a French document must be French throughout, an English one English.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import rdflib
from fastapi.testclient import TestClient
from pyld import jsonld
from rdflib import RDF, RDFS, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from schemaorg_support import DATATYPES, SchemaOrg, schema_org
from service_support import running_oxigraph
from store_support import embedded_store

from netkg.store import EmbeddedStore, Limits, RemoteStore, Store, read_release, store_location
from netkg.web.partner import (
    condition_document,
    document_iri,
    published_context,
    treatment_document,
    treatment_slugs,
)

ROOT = Path(__file__).resolve().parent.parent
ID = "https://w3id.org/netkg/id/"
SCHEMA = Namespace("https://schema.org/")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
OWL = Namespace("http://www.w3.org/2002/07/owl#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")  # plain: rdflib's warns when pytest probes it
NET = Namespace("https://w3id.org/netkg/ontology#")
VOID = Namespace("http://rdfs.org/ns/void#")
PAGE = URIRef(ID + "ccs-net-treatments")
GUIDE = "https://w3id.org/netkg/guide?lang="  # netkg's own page, in each language
TREATMENTS = [
    "biological-therapy",
    "drug-therapy",
    "liver-directed-therapy",
    "radiation-therapy",
    "surgery",
]
CODING_SYSTEMS = {
    "http://purl.obolibrary.org/obo/NCIT_": ("NCIt", "", r"C\d+"),
    "http://id.nlm.nih.gov/mesh/": ("MeSH", "", r"[DC]\d{6,9}"),
    "http://snomed.info/id/": ("SNOMED-CT", "", r"\d{6,18}"),
    "https://w3id.org/netkg/external/icdo3/": ("ICD-O-3", "", r"\d{4}/\d"),
    "http://purl.obolibrary.org/obo/MONDO_": ("MONDO", "MONDO:", r"MONDO:\d{7}"),
}
TEXT_KEYS = ("name", "alternateName", "description", "text", "copyrightNotice")


@pytest.fixture(scope="module")
def store(dist: Path) -> Iterator[EmbeddedStore]:
    """The release as the service opens it: ontology, data and the VoID description."""
    opened = EmbeddedStore(store_location(read_release(dist)))
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def graph(dist: Path) -> rdflib.Graph:
    """Every triple of the release (all named graphs) in one rdflib graph."""
    quads = ox.parse(path=dist / "netkg.nq", format=ox.RdfFormat.N_QUADS)
    merged = rdflib.Graph()
    merged.parse(data="".join(f"{quad.triple} .\n" for quad in quads), format="nt")
    return merged


def documents(store: Store) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for lang in ("en", "fr"):
        yield f"condition-{lang}", lang, condition_document(store, lang)
        for slug in TREATMENTS:
            yield f"{slug}-{lang}", lang, treatment_document(store, slug, lang)


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


def _dataset(graph: rdflib.Graph) -> Any:
    return next(graph.subjects(RDF.type, VOID.Dataset))


def justified(graph: rdflib.Graph, s: Any, p: Any, o: Any) -> bool:
    """Is (s, p, o) in the graph, or does it follow by one of the views' rules?"""
    if (s, p, o) in graph:
        return True
    if str(s).startswith(GUIDE):
        return _justified_for_document(graph, s, p, o)
    rules = {
        SCHEMA.name: lambda: (s, SKOS.prefLabel, o) in graph,
        SCHEMA.alternateName: lambda: (s, SKOS.altLabel, o) in graph,
        SCHEMA.description: lambda: (s, SKOS.definition, o) in graph,
        SCHEMA.sameAs: lambda: (s, SKOS.exactMatch, o) in graph,
        SCHEMA.code: lambda: (s, SKOS.exactMatch, o) in graph,
        SCHEMA.text: lambda: (
            (s, RDFS.comment, o) in graph
            or ((s, NET.treatment, None) in graph and (s, SKOS.definition, o) in graph)
        ),
        SCHEMA.codeValue: lambda: _code_value(graph, s) == str(o),
        SCHEMA.codingSystem: lambda: any(
            str(s).startswith(ns) and str(o) == system
            for ns, (system, _, _) in CODING_SYSTEMS.items()
        ),
        SCHEMA.subjectOf: lambda: (
            (o, NET.treatment, s) in graph
            or (
                str(o).startswith(GUIDE)
                and any(
                    (sec, DCTERMS.isPartOf, PAGE) in graph
                    for sec in graph.objects(s, DCTERMS.source)
                )
            )
        ),
        SCHEMA.appearance: lambda: any(
            (section, DCTERMS.isPartOf, o) in graph for section in graph.objects(s, DCTERMS.source)
        ),
    }
    if p == RDF.type and o == SCHEMA.MedicalCode:
        return any(graph.subjects(SKOS.exactMatch, s))
    if p == RDF.type and o == SCHEMA.Claim:
        return (s, NET.treatment, None) in graph
    rule = rules.get(p)
    return bool(rule and rule())


def _justified_for_document(graph: rdflib.Graph, s: Any, p: Any, o: Any) -> bool:
    """netkg's own page: what the release's VoID says of netkg, and what it is based on."""
    dataset = _dataset(graph)
    lang = str(s).rsplit("=", 1)[-1]
    rules = {
        RDF.type: lambda: o == SCHEMA.MedicalWebPage,
        SCHEMA.url: lambda: o == s,
        SCHEMA.inLanguage: lambda: str(o) == lang,
        SCHEMA.name: lambda: (PAGE, SKOS.prefLabel, o) in graph,
        SCHEMA.isBasedOn: lambda: o == PAGE and (PAGE, RDF.type, NET.SourceDocument) in graph,
        SCHEMA.about: lambda: (PAGE, SCHEMA.about, o) in graph,
        SCHEMA.usageInfo: lambda: (PAGE, SCHEMA.usageInfo, o) in graph,
        SCHEMA.publisher: lambda: (dataset, DCTERMS.publisher, o) in graph,
        SCHEMA.license: lambda: (dataset, DCTERMS.license, o) in graph,
        SCHEMA.dateModified: lambda: (dataset, DCTERMS.issued, o) in graph,
        SCHEMA.copyrightNotice: lambda: any(
            (r, RDFS.comment, o) in graph for r in graph.objects(dataset, DCTERMS.rights)
        ),
    }
    rule = rules.get(p)
    return bool(rule and rule())


def _code_value(graph: rdflib.Graph, code: Any) -> str | None:
    notation = graph.value(code, SKOS.notation)
    if notation is not None:
        return str(notation)
    for namespace, (_, prefix, _) in CODING_SYSTEMS.items():
        if str(code).startswith(namespace):
            return prefix + str(code)[len(namespace) :]
    return None


def test_every_triple_of_every_document_is_in_the_graph_or_follows_from_it(
    store: Store, graph: rdflib.Graph
) -> None:
    for name, _, document in documents(store):
        triples = triples_of(document)
        assert len(triples) > 20, name
        unjustified = [t for t in triples if not justified(graph, *t)]
        assert unjustified == [], name


def test_the_rules_are_not_a_blank_cheque(graph: rdflib.Graph) -> None:
    """Made-up statements are refused by the same check."""
    surgery = URIRef(ID + "surgery")
    ncit_surgery = URIRef("http://purl.obolibrary.org/obo/NCIT_C15329")  # a close match only
    document = URIRef(document_iri("en"))
    assert (surgery, SKOS.closeMatch, ncit_surgery) in graph
    assert not justified(graph, surgery, SCHEMA.name, Literal("chemotherapy", lang="en"))
    assert not justified(graph, surgery, SCHEMA.sameAs, ncit_surgery)
    assert not justified(graph, surgery, SCHEMA.code, ncit_surgery)
    assert not justified(graph, surgery, SCHEMA.code, URIRef("http://id.nlm.nih.gov/mesh/D011878"))
    assert not justified(graph, ncit_surgery, RDF.type, SCHEMA.MedicalCode)
    assert not justified(
        graph, URIRef("http://id.nlm.nih.gov/mesh/D013514"), SCHEMA.codingSystem, Literal("NCIt")
    )
    mondo = URIRef("http://purl.obolibrary.org/obo/MONDO_0019496")
    assert not justified(graph, mondo, SCHEMA.codeValue, Literal("0019496"))
    for reviewed in (PAGE, document):
        assert not justified(
            graph, reviewed, SCHEMA.lastReviewed, Literal("2026-11-26", datatype=XSD.date)
        )
        assert not justified(graph, reviewed, SCHEMA.reviewedBy, URIRef(ID + "netkg-project"))
    assert not justified(
        graph, PAGE, SCHEMA.license, URIRef("https://creativecommons.org/licenses/by/4.0/")
    )
    assert not justified(graph, document, SCHEMA.isBasedOn, URIRef(ID + "surgery"))
    claim = URIRef(ID + "usage-surgery-usual")
    assert not justified(graph, URIRef(ID + "radiation-therapy"), SCHEMA.subjectOf, claim)


def test_documents_are_valid_json_ld_1_1_and_round_trip(store: Store) -> None:
    for name, _, document in documents(store):
        again = json.loads(json.dumps(document))
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


# --- the schema.org vocabulary itself ------------------------------------------------------------


def schema_org_problems(triples: rdflib.Graph, vocabulary: SchemaOrg) -> list[str]:
    """Every term that is not schema.org's, or is used outside its domain or range."""
    types: dict[Any, set[str]] = {}
    for s, o in triples.subject_objects(RDF.type):
        types.setdefault(s, set()).add(str(o))
    problems = []
    for s, p, o in sorted(triples):
        if p == RDF.type:
            if not vocabulary.is_class(str(o)):
                problems.append(f"{o} is not a schema.org type")
            continue
        if not vocabulary.is_property(str(p)):
            problems.append(f"{p} is not a schema.org property")
            continue
        if not vocabulary.in_domain(str(p), types.get(s, set())):
            problems.append(f"{p} on {s} ({sorted(types.get(s, set()))}) is outside its domain")
        if isinstance(o, Literal):
            value_types = [DATATYPES.get(str(o.datatype or XSD.string), "?")]
        else:
            value_types = sorted(types.get(o, set())) or ["URL"]  # a bare IRI is a URL
        if isinstance(o, URIRef) and vocabulary.takes_url(str(p)):
            continue  # any IRI is a URL, whatever it names
        if not vocabulary.in_range(str(p), value_types):
            problems.append(f"{p} of {s} = {o} ({value_types}) is outside its range")
    return problems


def test_every_term_is_schema_org_used_within_its_domain_and_range(store: Store) -> None:
    vocabulary = schema_org()
    for name, _, document in documents(store):
        assert schema_org_problems(triples_of(document), vocabulary) == [], name


def test_the_vocabulary_check_can_fail() -> None:
    """The same check refuses a made-up term, a property off its domain and a value off range."""
    wrong = {
        "@context": {"@vocab": "https://schema.org/"},
        "@id": "https://example.org/condition",
        "@type": ["MedicalCondition", "MadeUpType"],
        "lastReviewed": {"@value": "2026-01-01", "@type": "http://www.w3.org/2001/XMLSchema#date"},
        "possibleTreatment": {"@id": "https://example.org/claim", "@type": "Claim"},
        "frequencyOfUse": "usually",
        "url": "not an IRI",
    }
    problems = "\n".join(schema_org_problems(triples_of(wrong), schema_org()))
    assert "MadeUpType is not a schema.org type" in problems
    assert "lastReviewed on https://example.org/condition" in problems
    assert "possibleTreatment of https://example.org/condition" in problems
    assert "frequencyOfUse is not a schema.org property" in problems
    assert "url of https://example.org/condition = not an IRI" in problems


# --- what the documents say ----------------------------------------------------------------------


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _types(node: dict[str, Any]) -> set[str]:
    return set(_as_list(node.get("@type", [])))


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, list):
        for item in node:
            yield from _walk(item)
    elif isinstance(node, dict):
        yield node
        for key, value in node.items():
            if key != "@context":
                yield from _walk(value)


def _texts(value: Any) -> list[str]:
    return [v["@value"] if isinstance(v, dict) else v for v in _as_list(value)]


def test_no_review_is_claimed_for_none_is_recorded(store: Store, graph: rdflib.Graph) -> None:
    assert not list(graph.subject_objects(SCHEMA.lastReviewed))
    for name, _, document in documents(store):
        keys = {key for node in _walk(document) for key in node}
        assert not keys & {"lastReviewed", "reviewedBy"}, name


def _check_netkg_page(page: dict[str, Any], lang: str, graph: rdflib.Graph, name: str) -> None:
    """netkg's own page: in `lang`, under CC BY 4.0, based on the Society's page (with its url)."""
    assert page["@id"] == page["url"] == document_iri(lang), name
    assert page["inLanguage"] == lang, name
    assert page["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert page["publisher"]["@id"] == ID + "netkg-project"
    issued = graph.value(_dataset(graph), DCTERMS.issued)
    assert Literal(page["dateModified"], datatype=XSD.dateTime) == issued, name
    notices = " ".join(page["copyrightNotice"])
    assert "CC BY 4.0" in notices and "SNOMED International" in notices
    assert (
        "Société canadienne du cancer" if lang == "fr" else "Canadian Cancer Society"
    ) in notices
    source = page["isBasedOn"]
    assert source["@id"] == str(PAGE) and "MedicalWebPage" in _types(source)
    assert source["url"] == str(graph.value(PAGE, SCHEMA.url))
    assert source["url"].startswith("https://cancer.ca/")
    assert source["inLanguage"] == "en"
    assert (
        source["publisher"]["@id"]
        == source["copyrightHolder"]["@id"]
        == ID + "canadian-cancer-society"
    )
    assert source["copyrightYear"] == 2024
    assert len(source["citation"]) == 9
    for disclaimer in (page["usageInfo"], source["usageInfo"]):
        assert disclaimer["@id"] == ID + "ccs-medical-disclaimer"
        # in the document's language (the French is netkg's own translation)
        assert ("médecin" if lang == "fr" else "doctor") in disclaimer["text"], name


def _check_therapy(therapy: dict[str, Any], name: str) -> None:
    assert "MedicalTherapy" in _types(therapy), name
    for key in ("@id", "name", "description"):
        assert therapy.get(key), f"{name}: {key}"


def test_condition_document_is_netkgs_page_about_the_condition(
    store: Store, graph: rdflib.Graph
) -> None:
    for lang, condition_name in (("en", "neuroendocrine tumour"), ("fr", "tumeur neuroendocrine")):
        document = condition_document(store, lang)
        _check_netkg_page(document, lang, graph, f"condition-{lang}")
        condition = document["about"]
        assert condition["@type"] == "MedicalCondition"
        assert condition["name"] == condition_name
        therapies = condition["possibleTreatment"]
        assert sorted(t["@id"] for t in therapies) == [ID + slug for slug in TREATMENTS]
        for therapy in therapies:
            _check_therapy(therapy, therapy["@id"])
        codes = {(c["codingSystem"], c["codeValue"]) for c in condition["code"]}
        assert {("NCIt", "C3809"), ("MeSH", "D018358")} <= codes
        # MONDO:0019496 is a close match of the umbrella (Mondo maps it to a narrower NCIt code)
        assert ("MONDO", "MONDO:0019496") not in codes
        assert "http://purl.obolibrary.org/obo/NCIT_C3809" in condition["sameAs"]


def test_treatment_documents_are_about_one_treatment(store: Store, graph: rdflib.Graph) -> None:
    for slug in TREATMENTS:
        for lang in ("en", "fr"):
            document = treatment_document(store, slug, lang)
            assert document["@id"] == ID + slug
            _check_therapy(document, slug)
            pages = [n for n in document["subjectOf"] if "MedicalWebPage" in _types(n)]
            assert len(pages) == 1, slug
            _check_netkg_page(pages[0], lang, graph, f"{slug}-{lang}")
            assert "about" not in pages[0]  # about this treatment, not all five
    surgery = treatment_document(store, "surgery", "en")
    assert {(c["codingSystem"], c["codeValue"]) for c in surgery["code"]} == {
        ("MeSH", "D013514"),
        ("SNOMED-CT", "387713003"),
    }
    assert surgery["sameAs"] == [
        "http://id.nlm.nih.gov/mesh/D013514",
        "http://snomed.info/id/387713003",
    ]
    assert "SurgicalProcedure" in _types(surgery)


def test_codes_are_exact_matches_in_their_vocabularys_usual_form(
    store: Store, graph: rdflib.Graph
) -> None:
    close = {str(o) for o in graph.objects(None, SKOS.closeMatch)} - {
        str(o) for o in graph.objects(None, SKOS.exactMatch)
    }
    assert close  # NCIt C15329 (surgery), SNOMED CT 443492008 (carcinoid tumour), …
    seen = set()
    for name, _, document in documents(store):
        text = json.dumps(document)
        assert not [iri for iri in close if f'"{iri}"' in text], name
        for node in _walk(document):
            for code in node.get("code", []):
                subject = URIRef(node["@id"])
                assert (subject, SKOS.exactMatch, URIRef(code["@id"])) in graph, name
                namespace = next(ns for ns in CODING_SYSTEMS if code["@id"].startswith(ns))
                system, _, pattern = CODING_SYSTEMS[namespace]
                assert code["codingSystem"] == system
                assert re.fullmatch(pattern, code["codeValue"]), code
                seen.add(system)
    assert seen == {"NCIt", "MeSH", "SNOMED-CT"}


def test_code_values_take_their_vocabularys_usual_form(tmp_path: Path) -> None:
    """One exact match in each vocabulary, through the same view: the form each vocabulary uses."""
    turtle = """
    @prefix id: <https://w3id.org/netkg/id/> . @prefix net: <https://w3id.org/netkg/ontology#> .
    @prefix schema: <https://schema.org/> . @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
    id:ccs-net-treatments a net:SourceDocument, schema:MedicalWebPage ; schema:about id:carcinoid .
    id:carcinoid a schema:MedicalCondition ; skos:prefLabel "carcinoid tumour"@en ;
        skos:exactMatch <http://purl.obolibrary.org/obo/MONDO_0005369>,
            <http://purl.obolibrary.org/obo/NCIT_C2915>, <http://id.nlm.nih.gov/mesh/D002276>,
            <http://snomed.info/id/443492008>, <https://w3id.org/netkg/external/icdo3/8240-3> .
    <https://w3id.org/netkg/external/icdo3/8240-3> skos:notation "8240/3" .
    """
    small = embedded_store(tmp_path / "store", turtle.encode())
    try:
        document = condition_document(small, "en")
    finally:
        small.close()
    assert {(c["codingSystem"], c["codeValue"]) for c in document["about"]["code"]} == {
        ("MONDO", "MONDO:0005369"),
        ("NCIt", "C2915"),
        ("MeSH", "D002276"),
        ("SNOMED-CT", "443492008"),
        ("ICD-O-3", "8240/3"),
    }


def test_each_treatment_carries_what_the_page_says_of_its_use(
    store: Store, graph: rdflib.Graph
) -> None:
    """Radiation therapy is not listed on a par with surgery: its claims say how it is used."""
    for lang in ("en", "fr"):
        therapies = {
            t["@id"]: t for t in condition_document(store, lang)["about"]["possibleTreatment"]
        }
        for iri, therapy in therapies.items():
            statements = set(graph.subjects(NET.treatment, URIRef(iri)))
            claims = [c for c in therapy.get("subjectOf", []) if "Claim" in _types(c)]
            assert {c["@id"] for c in claims} == {str(s) for s in statements}, iri
            for claim in claims:
                statement = URIRef(claim["@id"])
                labels = set(graph.objects(statement, SKOS.prefLabel))
                assert Literal(claim["name"], lang=lang) in labels, claim
                assert claim["appearance"] == str(PAGE)
    radiation = {
        c["name"]
        for c in treatment_document(store, "radiation-therapy", "en")["subjectOf"]
        if "Claim" in _types(c)
    }
    assert any("not usually" in n for n in radiation), radiation
    assert any("when used" in n for n in radiation), radiation


def _language_problems(document: dict[str, Any], lang: str) -> list[str]:
    """Texts that are not in `lang`: only a work's own title may stay in the work's language."""
    problems = []
    for node in _walk(document):
        own = node.get("inLanguage")
        for key in TEXT_KEYS:
            for value in _as_list(node.get(key, [])):
                language = value.get("@language", lang) if isinstance(value, dict) else lang
                if isinstance(value, dict) and "@language" not in value:
                    continue  # an untagged literal: a title or code, in no language
                if language != lang and not (key == "name" and language == own):
                    problems.append(f"{node.get('@id')} {key}: {value!r} is not in {lang}")
    return problems


def _text_slots(document: dict[str, Any]) -> set[tuple[str, str]]:
    """(node, property) of every text to translate; netkg's page is one node in any language.

    Alternate names are not among them: the page gives its other names in English only, and a
    French document lists only French ones (none are curated yet), never English ones.
    """
    return {
        (GUIDE if node["@id"].startswith(GUIDE) else node["@id"], key)
        for node in _walk(document)
        if "@id" in node
        for key in TEXT_KEYS
        if node.get(key) and key != "alternateName"
    }


def test_french_documents_are_french_throughout_and_english_ones_english(
    store: Store,
) -> None:
    docs = {name: (lang, document) for name, lang, document in documents(store)}
    for name, (lang, document) in docs.items():
        assert _language_problems(document, lang) == [], name
        # nothing dropped for want of a translation: the same texts in both languages
        twin = docs[name[: -len(lang)] + ("fr" if lang == "en" else "en")][1]
        assert _text_slots(document) == _text_slots(twin), name
    surgery = treatment_document(store, "surgery", "fr")
    assert surgery["name"] == "chirurgie"
    assert isinstance(surgery["description"], str)  # French, the document's language
    page = next(n for n in surgery["subjectOf"] if "MedicalWebPage" in _types(n))
    assert page["isBasedOn"]["publisher"]["name"] == "Société canadienne du cancer"
    # the English page keeps its English title, tagged as English
    assert page["isBasedOn"]["name"] == {
        "@language": "en",
        "@value": "Treatments for neuroendocrine tumours (NETs)",
    }


def test_the_language_check_can_fail() -> None:
    fallback = {
        "@id": "x",
        "name": "chirurgie",
        "description": {"@language": "en", "@value": "An operation."},
        "isBasedOn": {"@id": "y", "inLanguage": "en", "name": {"@language": "en", "@value": "T"}},
    }
    assert _language_problems(fallback, "fr") == [
        "x description: {'@language': 'en', '@value': 'An operation.'} is not in fr"
    ]


def test_a_remote_store_gives_the_same_documents(dist: Path, tmp_path: Path, store: Store) -> None:
    """Through a real Oxigraph server, the bound page and language reach the view as VALUES."""
    with running_oxigraph(dist, tmp_path) as url:
        limits = Limits(max_result_rows=100_000, query_timeout=30)
        remote = RemoteStore(url, limits, graphs=read_release(dist).graphs)
        try:
            for lang in ("en", "fr"):
                assert condition_document(remote, lang) == condition_document(store, lang)
            radiation = treatment_document(remote, "radiation-therapy", "fr")
            assert radiation == treatment_document(store, "radiation-therapy", "fr")
        finally:
            remote.close()


def test_documents_are_deterministic(store: Store) -> None:
    assert condition_document(store, "en") == condition_document(store, "en")
    assert json.dumps(treatment_document(store, "surgery")) == json.dumps(
        treatment_document(store, "surgery")
    )


def test_treatment_slugs_are_the_treatments(store: Store) -> None:
    assert [slug for slug, _ in treatment_slugs(store)] == TREATMENTS


# --- over HTTP -----------------------------------------------------------------------------------


def test_partner_documents_are_served(client: TestClient, store: Store) -> None:
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

    for lang in ("en", "fr"):
        response = client.get("/partners", params={"lang": lang})
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        page = unescape(response.text)
        start = page.index('<script type="application/ld+json">')
        end = page.index("</script>", start)
        snippet = json.loads(page[start + len('<script type="application/ld+json">') : end])
        assert snippet == client.get(f"/partner/condition.jsonld?lang={lang}").json()
        for slug in TREATMENTS:
            assert f"/partner/treatments/{slug}.jsonld" in page
