"""`/fhir`: the release's FHIR R4 terminology resources and operations.

Every resource and every answer is parsed with the `fhir.resources` R4B models (strict: an
unknown field fails), and checked against the release's own graph, queried here independently.
"""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from fhir.resources.R4B import get_fhir_model_class

from netkg.config import Settings
from netkg.release.terminology import BUNDLE_FILE, CODE_SYSTEM_URL, TARGET_SYSTEMS
from netkg.web.app import create_app

ROOT = Path(__file__).parent.parent
ID = "https://w3id.org/netkg/id/"
VS = "https://w3id.org/netkg/fhir/ValueSet/"
SNOMED = "http://snomed.info/sct"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SKOS_TO_FHIR = {
    "exactMatch": "equivalent",
    "closeMatch": "inexact",
    "broadMatch": "wider",
    "narrowMatch": "narrower",
    "relatedMatch": "relatedto",
}


def parsed(resource: dict[str, Any]) -> Any:
    """`resource` as its R4B model; fails on a missing, mistyped or unknown element."""
    model = get_fhir_model_class(resource["resourceType"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return model.model_validate(resource)


@pytest.fixture(scope="module")
def graph(dist: Path) -> ox.Store:
    store = ox.Store()
    store.load(path=dist / "netkg.nt", format=ox.RdfFormat.N_TRIPLES)
    return store


def select(store: ox.Store, query: str) -> list[dict[str, str]]:
    solutions = store.query(query)
    assert isinstance(solutions, ox.QuerySolutions)
    names = [v.value for v in solutions.variables]
    return [{n: s[n].value for n in names if s[n] is not None} for s in solutions]


def mappings(store: ox.Store) -> list[dict[str, str]]:
    """Every skos:*Match from a netkg concept, with the ICD-O-3 notation where there is one."""
    return select(
        store,
        f"""PREFIX skos: <{SKOS}>
        SELECT ?s ?p ?o ?notation WHERE {{
          VALUES ?p {{ skos:exactMatch skos:closeMatch skos:broadMatch skos:narrowMatch
                      skos:relatedMatch }}
          ?s ?p ?o . FILTER(STRSTARTS(STR(?s), "{ID}") && !STRSTARTS(STR(?o), "{ID}"))
          OPTIONAL {{ ?o skos:notation ?notation }}
        }}""",
    )


def coding_of(row: dict[str, str]) -> tuple[str, str]:
    """The FHIR system and code of a mapping's target, worked out here from docs/model.md."""
    iri = row["o"]
    for prefix, system in (
        (
            "http://purl.obolibrary.org/obo/NCIT_",
            "http://ncicb.nci.nih.gov/xml/owl/EVS/Thesaurus.owl",
        ),
        ("http://id.nlm.nih.gov/mesh/", "https://www.nlm.nih.gov/mesh"),
        ("http://snomed.info/id/", SNOMED),
        ("http://purl.obolibrary.org/obo/MONDO_", "http://purl.obolibrary.org/obo/mondo.owl"),
    ):
        if iri.startswith(prefix):
            code = iri[len(prefix) :]
            return system, ("MONDO:" + code if "mondo" in system else code)
    assert iri.startswith("https://w3id.org/netkg/external/icdo3/"), iri
    return "http://terminology.hl7.org/CodeSystem/icd-o-3", row["notation"]


def get(client: TestClient, path: str, **params: Any) -> tuple[int, dict[str, Any]]:
    response = client.get(path, params=params)
    assert response.headers["content-type"] == "application/fhir+json; charset=utf-8", path
    body = response.json()
    parsed(body)
    return response.status_code, body


def parameters(body: dict[str, Any]) -> dict[str, list[Any]]:
    """A Parameters resource as name → values (a value[x], or the parts as a dict)."""
    found: dict[str, list[Any]] = {}
    for parameter in body["parameter"]:
        if "part" in parameter:
            value: Any = {
                p["name"]: next(v for k, v in p.items() if k.startswith("value"))
                for p in parameter["part"]
            }
        else:
            value = next(v for k, v in parameter.items() if k.startswith("value"))
        found.setdefault(parameter["name"], []).append(value)
    return found


# --- the resources -------------------------------------------------------------------------------


def test_every_release_resource_is_valid_r4(dist: Path) -> None:
    bundle = json.loads((dist / BUNDLE_FILE).read_text())
    parsed(bundle)
    kinds = []
    for entry in bundle["entry"]:
        parsed(entry["resource"])
        kinds.append(entry["resource"]["resourceType"])
        assert entry["request"] == {
            "method": "PUT",
            "url": f"{entry['resource']['resourceType']}/{entry['resource']['id']}",
        }
    assert kinds.count("CodeSystem") == 1 and kinds.count("ConceptMap") == 2
    assert kinds.count("ValueSet") >= 5


def test_strict_models_refuse_an_unknown_field() -> None:
    with pytest.raises(ValueError):
        parsed({"resourceType": "Parameters", "parameter": [], "surprise": 1})


def test_code_system_has_every_concept_with_en_and_fr(client: TestClient, graph: ox.Store) -> None:
    status, code_system = get(client, "/fhir/CodeSystem/netkg")
    assert status == 200
    assert code_system["url"] == CODE_SYSTEM_URL
    assert code_system["url"].startswith("https://w3id.org/netkg/")
    concepts = {c["code"]: c for c in code_system["concept"]}
    assert code_system["count"] == len(concepts)
    net = "https://w3id.org/netkg/ontology#"
    subclass = "<http://www.w3.org/2000/01/rdf-schema#subClassOf>*"
    for cls in ("Treatment", "DecisionFactor", "CancerAttribute", "ClinicalSituation", "Condition"):
        members = select(graph, f"SELECT ?c WHERE {{ ?c a/{subclass} <{net}{cls}> }}")
        assert members, cls
        assert {m["c"][len(ID) :] for m in members} <= set(concepts), cls
    labels = select(graph, f"SELECT ?c ?l WHERE {{ ?c <{SKOS}prefLabel> ?l }}")
    french = select(
        graph,
        f'SELECT ?c ?l WHERE {{ ?c <{SKOS}prefLabel> ?l FILTER(LANG(?l) = "fr") }}',
    )
    assert french, "the graph has French labels"
    for row in labels:
        code = row["c"][len(ID) :]
        if code in concepts:
            values = {d["value"] for d in concepts[code]["designation"]}
            assert row["l"] in values, code
    surgery = concepts["surgery"]
    assert surgery["display"] == "surgery"
    assert {d["language"] for d in surgery["designation"]} >= {"en", "fr"}
    broader = select(graph, f"SELECT ?c ?b WHERE {{ ?c <{SKOS}broader> ?b }}")
    for row in broader:
        code, parent = row["c"][len(ID) :], row["b"][len(ID) :]
        if code in concepts and parent in concepts:
            assert {"code": "parent", "valueCode": parent} in concepts[code]["property"]


def test_search_by_url_and_read(client: TestClient) -> None:
    status, bundle = get(client, "/fhir/CodeSystem", url=CODE_SYSTEM_URL)
    assert status == 200 and bundle["type"] == "searchset" and bundle["total"] == 1
    assert bundle["entry"][0]["resource"]["id"] == "netkg"
    assert bundle["entry"][0]["fullUrl"].endswith("/fhir/CodeSystem/netkg")
    _, none = get(client, "/fhir/CodeSystem", url="http://example.org/nothing")
    assert none["total"] == 0 and "entry" not in none
    _, value_sets = get(client, "/fhir/ValueSet")
    ids = {e["resource"]["id"] for e in value_sets["entry"]}
    assert {"net-treatments", "decision-factors", "cancer-attributes", "netkg-all"} <= ids
    _, by_name = get(client, "/fhir/ValueSet", name="nettreat")
    assert [e["resource"]["id"] for e in by_name["entry"]] == ["net-treatments"]
    _, maps = get(client, "/fhir/ConceptMap")
    assert {e["resource"]["id"] for e in maps["entry"]} == {
        "netkg-to-external",
        "external-to-netkg",
    }


def test_capability_statement(client: TestClient) -> None:
    status, statement = get(client, "/fhir/metadata")
    assert status == 200
    assert statement["kind"] == "instance" and statement["fhirVersion"] == "4.0.1"
    assert statement["implementation"]["url"] == "http://testserver/fhir"
    resources = {r["type"]: r for r in statement["rest"][0]["resource"]}
    assert set(resources) == {"CodeSystem", "ValueSet", "ConceptMap"}
    operations = {kind: {o["name"] for o in r["operation"]} for kind, r in resources.items()}
    assert operations == {
        "CodeSystem": {"lookup"},
        "ValueSet": {"expand", "validate-code"},
        "ConceptMap": {"translate"},
    }


def test_terminology_capabilities(client: TestClient) -> None:
    status, capabilities = get(client, "/fhir/metadata", mode="terminology")
    assert status == 200 and capabilities["resourceType"] == "TerminologyCapabilities"
    system = capabilities["codeSystem"][0]
    assert system["uri"] == CODE_SYSTEM_URL
    assert set(system["version"][0]["language"]) >= {"en", "fr"}
    _, full = get(client, "/fhir/metadata", mode="full")
    assert full["resourceType"] == "CapabilityStatement"


# --- $lookup -------------------------------------------------------------------------------------


def test_lookup_in_english_and_french(client: TestClient) -> None:
    status, body = get(
        client, "/fhir/CodeSystem/$lookup", system=CODE_SYSTEM_URL, code="biological-therapy"
    )
    assert status == 200
    out = parameters(body)
    assert out["display"] == ["biological therapy"]
    assert out["version"] == ["0.1.0"]
    props = {p["code"]: p["value"] for p in out["property"]}
    assert props["parent"] == "drug-therapy"
    assert "definition" in props
    assert {d["language"] for d in out["designation"]} >= {"en", "fr"}
    _, french = get(
        client,
        "/fhir/CodeSystem/$lookup",
        system=CODE_SYSTEM_URL,
        code="surgery",
        displayLanguage="fr-CA",
        property="designation",
    )
    out = parameters(french)
    assert out["display"] == ["chirurgie"]
    assert "property" not in out
    assert {d["language"] for d in out["designation"]} == {"fr"}


def test_lookup_by_post_with_a_coding(client: TestClient) -> None:
    body = {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "coding", "valueCoding": {"system": CODE_SYSTEM_URL, "code": "surgery"}},
            {"name": "displayLanguage", "valueCode": "fr"},
        ],
    }
    response = client.post("/fhir/CodeSystem/$lookup", json=body)
    assert response.status_code == 200
    parsed(response.json())
    _, by_get = get(
        client,
        "/fhir/CodeSystem/$lookup",
        system=CODE_SYSTEM_URL,
        code="surgery",
        displayLanguage="fr",
    )
    assert response.json() == by_get
    assert parameters(by_get)["display"] == ["chirurgie"]


# --- $expand and $validate-code ------------------------------------------------------------------


def test_expand_treatments(client: TestClient) -> None:
    status, body = get(client, "/fhir/ValueSet/$expand", url=VS + "net-treatments")
    assert status == 200
    expansion = body["expansion"]
    codes = [c["code"] for c in expansion["contains"]]
    assert sorted(codes) == sorted(
        [
            "surgery",
            "drug-therapy",
            "biological-therapy",
            "radiation-therapy",
            "liver-directed-therapy",
        ]
    )
    assert expansion["total"] == 5
    assert all(c["system"] == CODE_SYSTEM_URL for c in expansion["contains"])


def test_expand_filter_count_offset_language(client: TestClient) -> None:
    _, everything = get(client, "/fhir/ValueSet/decision-factors/$expand")
    codes = [c["code"] for c in everything["expansion"]["contains"]]
    assert len(codes) == 7
    _, page = get(client, "/fhir/ValueSet/decision-factors/$expand", offset=2, count=3)
    assert [c["code"] for c in page["expansion"]["contains"]] == codes[2:5]
    assert page["expansion"]["total"] == 7 and page["expansion"]["offset"] == 2
    _, filtered = get(client, "/fhir/ValueSet/$expand", url=VS + "net-treatments", filter="THERAP")
    found = [c["code"] for c in filtered["expansion"]["contains"]]
    assert "surgery" not in found and "radiation-therapy" in found
    assert filtered["expansion"]["total"] == len(found)
    _, french = get(
        client, "/fhir/ValueSet/net-treatments/$expand", displayLanguage="fr", filter="chirurgie"
    )
    assert [(c["code"], c["display"]) for c in french["expansion"]["contains"]] == [
        ("surgery", "chirurgie")
    ]
    _, past_the_end = get(client, "/fhir/ValueSet/net-treatments/$expand", offset=50)
    assert "contains" not in past_the_end["expansion"]
    assert past_the_end["expansion"]["total"] == 5


def test_validate_code(client: TestClient) -> None:
    path = "/fhir/ValueSet/net-treatments/$validate-code"
    _, good = get(client, path, system=CODE_SYSTEM_URL, code="surgery", display="Surgery")
    assert parameters(good)["result"] == [True]
    _, french = get(client, path, system=CODE_SYSTEM_URL, code="surgery", display="chirurgie")
    assert parameters(french)["result"] == [True]
    _, outside = get(client, path, system=CODE_SYSTEM_URL, code="grade")
    assert parameters(outside)["result"] == [False]
    assert "not in" in parameters(outside)["message"][0]
    _, wrong = get(client, path, system=CODE_SYSTEM_URL, code="surgery", display="chemotherapy")
    out = parameters(wrong)
    assert out["result"] == [False] and out["display"] == ["surgery"]
    _, other = get(client, path, system=SNOMED, code="surgery")
    assert parameters(other)["result"] == [False]


# --- $translate ----------------------------------------------------------------------------------


def matches(body: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {
        (m["equivalence"], m["concept"]["system"], m["concept"]["code"])
        for m in parameters(body).get("match", [])
    }


def test_snomed_code_translates_to_the_netkg_concept(client: TestClient) -> None:
    _, body = get(client, "/fhir/ConceptMap/$translate", system=SNOMED, code="443492008")
    assert parameters(body)["result"] == [True]
    # carcinoid tumour skos:closeMatch sct:443492008: a close match, so inexact, not equivalent
    assert matches(body) == {("inexact", CODE_SYSTEM_URL, "carcinoid-tumour")}


def test_translate_round_trips_every_exact_mapping(client: TestClient, graph: ox.Store) -> None:
    exact = [row for row in mappings(graph) if row["p"] == SKOS + "exactMatch"]
    assert len(exact) >= 10
    for row in exact:
        code = row["s"][len(ID) :]
        system, target = coding_of(row)
        _, there = get(
            client,
            "/fhir/ConceptMap/$translate",
            system=CODE_SYSTEM_URL,
            code=code,
            targetsystem=system,
        )
        assert ("equivalent", system, target) in matches(there), row
        _, back = get(client, "/fhir/ConceptMap/$translate", system=system, code=target)
        assert ("equivalent", CODE_SYSTEM_URL, code) in matches(back), row
        _, reverse = get(
            client,
            "/fhir/ConceptMap/netkg-to-external/$translate",
            system=system,
            code=target,
            reverse="true",
        )
        assert ("equivalent", CODE_SYSTEM_URL, code) in matches(reverse), row


def test_every_mapping_has_its_skos_equivalence(client: TestClient, graph: ox.Store) -> None:
    expected = set()
    for row in mappings(graph):
        system, target = coding_of(row)
        expected.add((row["s"][len(ID) :], SKOS_TO_FHIR[row["p"][len(SKOS) :]], system, target))
    _, concept_map = get(client, "/fhir/ConceptMap/netkg-to-external")
    found = {
        (element["code"], target["equivalence"], group["target"], target["code"])
        for group in concept_map["group"]
        for element in group["element"]
        for target in element["target"]
    }
    assert found == expected
    assert {t.system for t in TARGET_SYSTEMS} == {g["target"] for g in concept_map["group"]}
    _, inverse = get(client, "/fhir/ConceptMap/external-to-netkg")
    swap = {"wider": "narrower", "narrower": "wider"}
    back = {
        (
            target["code"],
            swap.get(target["equivalence"], target["equivalence"]),
            group["source"],
            element["code"],
        )
        for group in inverse["group"]
        for element in group["element"]
        for target in element["target"]
    }
    assert back == expected


def test_translate_without_a_mapping(client: TestClient) -> None:
    _, body = get(client, "/fhir/ConceptMap/$translate", system=SNOMED, code="22298006")
    out = parameters(body)
    assert out["result"] == [False] and "no mapping" in out["message"][0]


# --- headers and errors --------------------------------------------------------------------------


def test_http_policies_apply(client: TestClient) -> None:
    response = client.get("/fhir/CodeSystem/netkg", headers={"origin": "https://ehr.example"})
    assert response.headers["access-control-allow-origin"] == "*"
    assert "max-age" in response.headers["cache-control"]
    etag = response.headers["etag"]
    again = client.get("/fhir/CodeSystem/netkg", headers={"if-none-match": etag})
    assert again.status_code == 304
    head = client.head("/fhir/metadata")
    assert head.status_code == 200 and head.content == b""
    assert client.get("/fhir/metadata", params={"_format": "json"}).status_code == 200
    accept = client.get("/fhir/metadata", headers={"accept": "application/fhir+json"})
    assert accept.status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "params", "status", "says"),
    [
        ("GET", "/fhir/CodeSystem/$lookup", {"code": "surgery"}, 400, "'system' is required"),
        ("GET", "/fhir/CodeSystem/$lookup", {"system": CODE_SYSTEM_URL}, 400, "'code'"),
        (
            "GET",
            "/fhir/CodeSystem/$lookup",
            {"system": CODE_SYSTEM_URL, "code": "nope"},
            404,
            "nope",
        ),
        ("GET", "/fhir/CodeSystem/$lookup", {"system": SNOMED, "code": "443492008"}, 404, "only"),
        (
            "GET",
            "/fhir/CodeSystem/$lookup",
            {"system": CODE_SYSTEM_URL, "code": "surgery", "property": "colour"},
            400,
            "colour",
        ),
        (
            "GET",
            "/fhir/CodeSystem/$lookup",
            {"system": CODE_SYSTEM_URL, "code": "surgery", "displayLanguage": "not a tag"},
            400,
            "language tag",
        ),
        (
            "GET",
            "/fhir/CodeSystem/$lookup",
            {"system": CODE_SYSTEM_URL, "code": "surgery", "colour": "red"},
            400,
            "'colour'",
        ),
        ("GET", "/fhir/ValueSet/$expand", {}, 400, "'url' is required"),
        ("GET", "/fhir/ValueSet/$expand", {"url": VS + "nothing"}, 404, "no ValueSet"),
        ("GET", "/fhir/ValueSet/net-treatments/$expand", {"count": "-1"}, 400, "'count'"),
        ("GET", "/fhir/ValueSet/net-treatments/$expand", {"offset": "x"}, 400, "'offset'"),
        ("GET", "/fhir/ValueSet/net-treatments/$expand", {"count": "²"}, 400, "'count'"),
        ("GET", "/fhir/ValueSet/net-treatments/$expand", {"filter": ["a", "b"]}, 400, "once"),
        ("GET", "/fhir/ValueSet/net-treatments/$expand", {"valueSetVersion": "9"}, 404, "version"),
        ("GET", "/fhir/ValueSet/nothing/$expand", {}, 404, "ValueSet/nothing"),
        (
            "GET",
            "/fhir/ValueSet/net-treatments/$validate-code",
            {"code": "surgery"},
            400,
            "'system'",
        ),
        ("GET", "/fhir/ConceptMap/$translate", {"code": "x"}, 400, "'system'"),
        (
            "GET",
            "/fhir/ConceptMap/$translate",
            {"system": SNOMED, "code": "1", "reverse": "yes"},
            400,
            "true or false",
        ),
        (
            "GET",
            "/fhir/ConceptMap/$translate",
            {"system": SNOMED, "code": "1", "url": "x"},
            404,
            "ConceptMap",
        ),
        ("GET", "/fhir/CodeSystem/nothing", {}, 404, "CodeSystem/nothing"),
        ("GET", "/fhir/CodeSystem/netkg", {"_elements": "url"}, 400, "_elements"),
        ("GET", "/fhir/CodeSystem", {"title": "x"}, 400, "'title'"),
        ("GET", "/fhir/Patient", {}, 404, "Patient"),
        ("GET", "/fhir/Patient/1/2", {}, 404, "metadata"),
        ("GET", "/fhir/CodeSystem/$subsumes", {}, 404, "$lookup"),
        ("GET", "/fhir/metadata", {"_format": "xml"}, 406, "JSON"),
        ("GET", "/fhir/metadata", {"_format": "yaml"}, 400, "_format"),
        ("GET", "/fhir/metadata", {"_pretty": "maybe"}, 400, "_pretty"),
        ("GET", "/fhir/metadata", {"mode": "everything"}, 400, "terminology"),
        ("GET", "/fhir/metadata", {"format": "x"}, 400, "'format'"),
        ("PUT", "/fhir/CodeSystem/netkg", {}, 405, "read-only"),
        ("DELETE", "/fhir/ValueSet/net-treatments", {}, 405, "read-only"),
        ("POST", "/fhir/CodeSystem", {}, 405, "read-only"),
    ],
)
def test_bad_requests_get_an_operation_outcome(
    client: TestClient, method: str, path: str, params: dict[str, Any], status: int, says: str
) -> None:
    response = client.request(method, path, params=params)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/fhir+json")
    outcome = parsed(response.json())
    assert outcome.get_resource_type() == "OperationOutcome"
    assert says in response.json()["issue"][0]["diagnostics"]


def test_unacceptable_accept_and_bad_posts(client: TestClient) -> None:
    xml = client.get("/fhir/metadata", headers={"accept": "application/fhir+xml"})
    assert xml.status_code == 406
    parsed(xml.json())
    for content, media, status in (
        (b"{}", "text/plain", 415),
        (b"not json", "application/fhir+json", 400),
        (b"[" * 100_000 + b"]" * 100_000, "application/fhir+json", 400),
        (b'{"resourceType": "Patient"}', "application/fhir+json", 400),
        (
            b'{"resourceType": "Parameters", "parameter": [{"name": "code"}]}',
            "application/fhir+json",
            400,
        ),
    ):
        response = client.post(
            "/fhir/ConceptMap/$translate", content=content, headers={"content-type": media}
        )
        assert response.status_code == status, (content, response.text)
        parsed(response.json())


def test_translate_checks_the_source_version(client: TestClient) -> None:
    path = "/fhir/ConceptMap/$translate"
    code = {"system": CODE_SYSTEM_URL, "code": "carcinoid-tumour", "targetsystem": SNOMED}
    _, same = get(client, path, **code, version="0.1.0")
    assert parameters(same)["result"] == [True]
    _, other = get(client, path, **code, version="9.9.9")
    assert parameters(other)["result"] == [False]


def test_a_release_without_fhir_resources_says_so(dist: Path, tmp_path: Path) -> None:
    old = tmp_path / "dist"
    shutil.copytree(dist, old)
    (old / BUNDLE_FILE).unlink()
    with TestClient(create_app(Settings(dist=old, workers=1))) as old_client:
        response = old_client.get("/fhir/CodeSystem/netkg")
    assert response.status_code == 404
    assert "netkg build" in parsed(response.json()).issue[0].diagnostics
