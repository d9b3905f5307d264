"""netkg's JSON-LD: the `@context`, generated from the ontology so it never drifts from it, and
the one way triples are handed to pyld.

The release writes it to `dist/context.jsonld` and compacts `dist/netkg.jsonld` with it; the
service serves the same file, so partners read short keys (`"treatment"`) with full IRIs behind.

>>> from rdflib import Graph
>>> make_context(Graph())["@context"]["net"]
'https://w3id.org/netkg/ontology#'
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import pyoxigraph as ox
from rdflib import OWL, RDF, RDFS, XSD, Graph, URIRef

from netkg.prefixes import PREFIXES  # the ontology's own prefixes are added to these

NET = "https://w3id.org/netkg/ontology#"

_TERM_TYPES = (
    OWL.Class,
    RDFS.Class,
    OWL.ObjectProperty,
    OWL.DatatypeProperty,
    OWL.AnnotationProperty,
    RDF.Property,
)


def ontology_prefixes(ontology: Graph) -> dict[str, str]:
    """The model's prefixes plus those the ontology file declares (the model's win on a clash)."""
    declared = {
        prefix: str(iri)
        for prefix, iri in ontology.namespace_manager.namespaces()
        if prefix and not prefix.startswith("ns") and prefix not in PREFIXES
    }
    used = {str(iri) for iri in PREFIXES.values()}
    merged = dict(PREFIXES)
    for prefix, iri in sorted(declared.items()):
        if iri not in used and _used_in(ontology, iri):
            merged[prefix] = iri
    return merged


def _used_in(graph: Graph, namespace: str) -> bool:
    return any(
        isinstance(term, URIRef) and str(term).startswith(namespace)
        for triple in graph
        for term in triple
    )


def make_context(ontology: Graph) -> dict[str, Any]:
    """`{"@context": {...}}`: prefixes, then one short term per `net:` class and property.

    Object properties coerce to `@id` and datatype properties with an XSD range to that datatype,
    so compacted values stay plain strings and numbers.
    """
    prefixes = ontology_prefixes(ontology)
    context: dict[str, Any] = dict(sorted(prefixes.items()))
    terms: dict[str, Any] = {}
    for kind in _TERM_TYPES:
        for subject in ontology.subjects(RDF.type, kind):
            if not isinstance(subject, URIRef) or not str(subject).startswith(NET):
                continue
            name = str(subject)[len(NET) :]
            if not name or name in prefixes or name.startswith("@") or ":" in name:
                continue
            curie = f"net:{name}"
            if kind == OWL.ObjectProperty:
                terms[name] = {"@id": curie, "@type": "@id"}
            elif kind == OWL.DatatypeProperty:
                ranges = sorted(
                    str(r)
                    for r in ontology.objects(subject, RDFS.range)
                    if str(r).startswith(str(XSD))
                )
                if len(ranges) == 1:
                    terms[name] = {"@id": curie, "@type": "xsd:" + ranges[0][len(str(XSD)) :]}
                else:
                    terms.setdefault(name, curie)
            else:
                terms.setdefault(name, curie)
    for name in sorted(terms):
        context[name] = terms[name]
    return {"@context": context}


def dumps(document: object) -> str:
    """Stable JSON text: sorted keys, two-space indent, a final newline, UTF-8 kept readable."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def pyld_dataset(triples: Iterable[ox.Triple]) -> dict[str, list[dict[str, Any]]]:
    """Triples in pyld's RDF dataset form (the input of `jsonld.from_rdf`), for the release, the
    resource pages and the partner documents alike. Built from pyoxigraph's terms, not handed to
    pyld as N-Quads text: pyld's own N-Quads parser compares each triple with every one before it
    (52 M comparisons, a minute, at 10k triples)."""

    def term(node: Any) -> dict[str, str]:
        if isinstance(node, ox.NamedNode):
            return {"type": "IRI", "value": node.value}
        if isinstance(node, ox.BlankNode):
            return {"type": "blank node", "value": "_:" + node.value}
        literal = {"type": "literal", "value": node.value, "datatype": node.datatype.value}
        if node.language:
            literal["language"] = node.language
        return literal

    return {
        "@default": [
            {"subject": term(t.subject), "predicate": term(t.predicate), "object": term(t.object)}
            for t in dict.fromkeys(triples)  # a graph is a set: pyld's parser also drops repeats
        ]
    }
