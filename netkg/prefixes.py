"""The prefixes of docs/model.md, in one place, and the one way netkg writes an IRI as a CURIE.

Nothing is imported at load time (workers and the CLI import this module cheaply); the `curies`
converter is built on first use.

>>> curie("https://w3id.org/netkg/id/surgery"), curie("urn:x")
('id:surgery', None)
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from curies import Converter

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
    "oa": "http://www.w3.org/ns/oa#",
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


@functools.cache
def _converter() -> Converter:
    from curies import Converter

    return Converter.from_prefix_map(PREFIXES)


def curie(iri: str) -> str | None:
    """`iri` as `prefix:local` under the longest namespace of PREFIXES that covers it, else None."""
    found: str | None = _converter().compress(iri)
    return found
