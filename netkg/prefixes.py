"""The prefixes of docs/model.md, in one place (no imports: workers and the CLI load it cheaply)."""

from __future__ import annotations

BASE = "https://w3id.org/netkg/"
"""The IRI every netkg IRI starts with: the default of `Settings.base`, the one place it is named
(the namespaces below are vocabulary under it)."""

PREFIXES: dict[str, str] = {
    "net": "https://w3id.org/netkg/ontology#",
    "id": "https://w3id.org/netkg/id/",
    "schema": "https://schema.org/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "bibo": "http://purl.org/ontology/bibo/",
    "owl": "http://www.w3.org/2002/07/owl#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vann": "http://purl.org/vocab/vann/",
    "void": "http://rdfs.org/ns/void#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "sh": "http://www.w3.org/ns/shacl#",
    "spdx": "http://spdx.org/rdf/terms#",
    "sssom": "https://w3id.org/sssom/",
    "semapv": "https://w3id.org/semapv/vocab/",
    "NCIT": "http://purl.obolibrary.org/obo/NCIT_",
    "MONDO": "http://purl.obolibrary.org/obo/MONDO_",
    "mesh": "http://id.nlm.nih.gov/mesh/",
    "sct": "http://snomed.info/id/",
    "icdo": "https://w3id.org/netkg/external/icdo3/",
}
