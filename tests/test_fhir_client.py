"""A real FHIR client (fhirpy) against a real `netkg serve`: what an EHR integration would do."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fhirpy import SyncFHIRClient
from fhirpy.base.exceptions import OperationOutcome, ResourceNotFound
from service_support import running_netkg

from netkg.release.terminology import CODE_SYSTEM_URL

ROOT = Path(__file__).parent.parent
SNOMED = "http://snomed.info/sct"


@pytest.fixture(scope="module")
def fhir(dist: Path) -> Iterator[SyncFHIRClient]:
    with running_netkg(dist) as base:
        yield SyncFHIRClient(f"{base}/fhir")


def test_client_reads_the_capability_statement(fhir: SyncFHIRClient) -> None:
    statement = fhir.execute("metadata", method="get")
    assert statement["resourceType"] == "CapabilityStatement"
    assert statement["kind"] == "instance"
    kinds = {r["type"] for r in statement["rest"][0]["resource"]}
    assert kinds == {"CodeSystem", "ValueSet", "ConceptMap"}


def test_client_searches_and_reads(fhir: SyncFHIRClient) -> None:
    found = fhir.resources("CodeSystem").search(url=CODE_SYSTEM_URL).fetch()
    assert [r["id"] for r in found] == ["netkg"]
    value_set = fhir.reference("ValueSet", "net-treatments").to_resource()
    assert value_set["title"] == "NET treatments"
    with pytest.raises(ResourceNotFound):
        fhir.reference("ValueSet", "nothing").to_resource()


def test_client_runs_lookup(fhir: SyncFHIRClient) -> None:
    result = fhir.execute(
        "CodeSystem/$lookup",
        method="get",
        params={"system": CODE_SYSTEM_URL, "code": "surgery", "displayLanguage": "fr"},
    )
    display = [p["valueString"] for p in result["parameter"] if p["name"] == "display"]
    assert display == ["chirurgie"]


def test_client_runs_expand(fhir: SyncFHIRClient) -> None:
    expanded = fhir.reference("ValueSet", "decision-factors").execute(
        "$expand", method="get", params={"count": 3, "offset": 1}
    )
    assert expanded["expansion"]["total"] == 7
    assert len(expanded["expansion"]["contains"]) == 3


def test_client_runs_translate_both_ways(fhir: SyncFHIRClient) -> None:
    from_snomed = fhir.execute(
        "ConceptMap/$translate", method="get", params={"system": SNOMED, "code": "443492008"}
    )
    concepts = [
        part["valueCoding"]
        for p in from_snomed["parameter"]
        if p["name"] == "match"
        for part in p["part"]
        if part["name"] == "concept"
    ]
    assert [(c["system"], c["code"]) for c in concepts] == [(CODE_SYSTEM_URL, "carcinoid-tumour")]
    to_snomed = fhir.execute(
        "ConceptMap/$translate",
        method="post",
        data={
            "resourceType": "Parameters",
            "parameter": [
                {
                    "name": "coding",
                    "valueCoding": {"system": CODE_SYSTEM_URL, "code": "carcinoid-tumour"},
                },
                {"name": "targetsystem", "valueUri": SNOMED},
            ],
        },
    )
    codes = [
        part["valueCoding"]["code"]
        for p in to_snomed["parameter"]
        if p["name"] == "match"
        for part in p["part"]
        if part["name"] == "concept"
    ]
    assert codes == ["443492008"]


def test_client_gets_the_operation_outcome(fhir: SyncFHIRClient) -> None:
    with pytest.raises(OperationOutcome) as raised:
        fhir.execute("CodeSystem/$lookup", method="get", params={"code": "surgery"})
    assert "'system' is required" in str(raised.value)
