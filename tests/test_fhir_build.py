"""netkg/release/terminology.py on small graphs: the rules that shape the FHIR resources."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from rdflib import Graph

from netkg.release.terminology import TerminologyError, graph_store, select, terminology_bundle

PREFIXES = """
@prefix id: <https://w3id.org/netkg/id/> .
@prefix net: <https://w3id.org/netkg/ontology#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix semapv: <https://w3id.org/semapv/vocab/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix sssom: <https://w3id.org/sssom/> .
@prefix icdo: <https://w3id.org/netkg/external/icdo3/> .
net:Treatment rdfs:subClassOf skos:Concept .
"""


def bundle_of(turtle: str) -> dict[str, Any]:
    store = graph_store(Graph().parse(data=PREFIXES + turtle, format="turtle"))
    mappings = select(store, "mappings")
    bundle = terminology_bundle(store, mappings, version="1.0.0", issued="2026-01-01T00:00:00Z")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        get_fhir_model_class("Bundle").model_validate(bundle)
    return bundle


def resources(bundle: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {
        e["resource"]["id"]: e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == kind
    }


def test_an_empty_graph_gives_valid_resources_without_empty_arrays() -> None:
    bundle = bundle_of("")
    code_system = resources(bundle, "CodeSystem")["netkg"]
    assert code_system["count"] == 0 and "concept" not in code_system
    assert all("group" not in m for m in resources(bundle, "ConceptMap").values())


def test_a_curated_scheme_is_the_value_set_of_its_id() -> None:
    bundle = bundle_of(
        """
        id:surgery a net:Treatment ; skos:prefLabel "surgery"@en ; skos:inScheme id:net-treatments .
        id:drug-therapy a net:Treatment ; skos:prefLabel "drug therapy"@en .
        id:net-treatments a skos:ConceptScheme ; skos:prefLabel "treatments on the page"@en .
        """
    )
    value_set = resources(bundle, "ValueSet")["net-treatments"]
    assert value_set["title"] == "treatments on the page"
    assert [c["code"] for c in value_set["compose"]["include"][0]["concept"]] == ["surgery"]


def test_a_class_group_without_a_scheme() -> None:
    bundle = bundle_of(
        """
        id:surgery a net:Treatment ; skos:prefLabel "surgery"@en ; net:listPosition 2 .
        id:drug-therapy a net:Treatment ; skos:prefLabel "drug therapy"@en ; net:listPosition 1 .
        """
    )
    value_set = resources(bundle, "ValueSet")["net-treatments"]
    assert value_set["title"] == "NET treatments"
    codes = [c["code"] for c in value_set["compose"]["include"][0]["concept"]]
    assert codes == ["drug-therapy", "surgery"]


def test_an_icdo_target_needs_its_notation() -> None:
    with pytest.raises(TerminologyError, match="skos:notation"):
        bundle_of(
            """
            id:carcinoid-tumour a net:Treatment ; skos:prefLabel "x"@en ;
                skos:closeMatch icdo:8240-3 .
            id:mapping a owl:Axiom ; owl:annotatedSource id:carcinoid-tumour ;
                owl:annotatedProperty skos:closeMatch ; owl:annotatedTarget icdo:8240-3 ;
                sssom:mapping_justification semapv:ManualMappingCuration .
            """
        )
