"""The curated files use only declared terms, and describe the page in their own words.

- Every class and predicate used in data/ is declared in ontology/netkg.ttl or belongs to a standard
  vocabulary; IRIs in standard vocabularies that rdflib knows term by term must exist there (catches
  typos such as skos:preflabel or schema:possibleTreatments).
- Every ontology term is documented (label, definition, isDefinedBy) and every class is aligned to a
  standard vocabulary.
- No description copies the page: no run of 8 words in a row is the same as on the page.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import rdflib
from rdflib import namespace as ns

ROOT = Path(__file__).resolve().parent.parent
DATA_FILES = sorted((ROOT / "data").glob("*.ttl"))
ONTOLOGY_FILE = ROOT / "ontology" / "netkg.ttl"
PAGE_TEXT = (ROOT / "tests" / "fixtures" / "ccs-net-treatments.txt").read_text(encoding="utf-8")

NET = rdflib.Namespace("https://w3id.org/netkg/ontology#")
ONTOLOGY_IRI = rdflib.URIRef("https://w3id.org/netkg/ontology")
BIBO = "http://purl.org/ontology/bibo/"
SSSOM = "https://w3id.org/sssom/"
SEMAPV = "https://w3id.org/semapv/vocab/"
OA = "http://www.w3.org/ns/oa#"  # W3C Web Annotation: the statements' excerpts
SPDX = "http://spdx.org/rdf/terms#"  # the source text's checksum, as DCAT 3 writes it

# Standard vocabularies that rdflib defines term by term: a term used from them must exist.
# (Referenced through the module: pytest warns when it inspects DefinedNamespace globals.)
CLOSED_VOCABULARIES: tuple[type[ns.DefinedNamespace], ...] = (
    ns.RDF,
    ns.RDFS,
    ns.OWL,
    ns.XSD,
    ns.SKOS,
    ns.DCTERMS,
    ns.SDO,
    ns.PROV,
    ns.FOAF,
    ns.VOID,
    ns.DCAT,
    ns.VANN,
    ns.DCMITYPE,
)
# Standard vocabularies rdflib does not list: the terms netkg may use from them.
LISTED_TERMS = {
    BIBO: {
        "Document",
        "AcademicArticle",
        "Chapter",
        "Report",
        "volume",
        "issue",
        "pageStart",
        "pageEnd",
        "doi",
        "pmid",
        "issn",
        "edition",
        "chapter",
        "identifier",
        "authorList",
        "editorList",
        "Journal",
        "Book",
    },
    SSSOM: {
        "object_label",
        "mapping_justification",
        "object_source_version",
        "author_id",
        "mapping_date",
        "confidence",
    },
    SEMAPV: {"ManualMappingCuration", "MappingChaining"},
    OA: {
        "SpecificResource",
        "TextQuoteSelector",
        "TextPositionSelector",
        "hasSource",
        "hasSelector",
        "exact",
        "prefix",
        "suffix",
        "start",
        "end",
    },
    SPDX: {"Checksum", "checksum", "algorithm", "checksumValue", "checksumAlgorithm_sha256"},
}
STANDARD_NAMESPACES = tuple(str(v) for v in CLOSED_VOCABULARIES) + tuple(LISTED_TERMS)

# Our own words: descriptions, and the labels we coin. The page and its sections are labelled
# with the page's own headings, which is why their labels are not checked.
LABEL_PREDICATES = (ns.SKOS.prefLabel, ns.SKOS.altLabel, ns.RDFS.label)
HEADING_CLASSES = (NET.SourceDocument, NET.PageSection)
DESCRIPTION_PREDICATES = (
    *LABEL_PREDICATES,
    ns.SKOS.definition,
    ns.RDFS.comment,
    ns.SKOS.scopeNote,
    ns.SKOS.note,
    ns.DCTERMS.description,
    NET.disclaimerPoint,
)
COPY_RUN = 8  # words in a row that may not match the page


def _ontology() -> rdflib.Graph:
    return rdflib.Graph().parse(ONTOLOGY_FILE, format="turtle")


def _declared_terms(ontology: rdflib.Graph) -> set[rdflib.URIRef]:
    kinds = (ns.OWL.Class, ns.OWL.ObjectProperty, ns.OWL.DatatypeProperty)
    return {
        s
        for kind in (*kinds, ns.OWL.AnnotationProperty)
        for s in ontology.subjects(ns.RDF.type, kind)
        if isinstance(s, rdflib.URIRef)
    }


def _lang(term: rdflib.term.Node) -> str | None:
    return term.language if isinstance(term, rdflib.Literal) else None


def _in_closed_vocabulary(iri: rdflib.URIRef) -> bool | None:
    """True/False if iri is in a vocabulary known term by term; None if it is in none of them."""
    for vocabulary in CLOSED_VOCABULARIES:
        if str(iri).startswith(str(vocabulary)):
            return iri in vocabulary
    for namespace, terms in LISTED_TERMS.items():
        if str(iri).startswith(namespace):
            return str(iri)[len(namespace) :] in terms
    return None


@pytest.mark.parametrize("path", DATA_FILES, ids=lambda p: p.name)
def test_every_class_and_predicate_in_data_is_declared(path: Path) -> None:
    graph = rdflib.Graph().parse(path, format="turtle")
    declared = _declared_terms(_ontology())
    used = set(graph.predicates()) | set(graph.objects(None, ns.RDF.type))
    problems = []
    for term in sorted(used):
        if str(term).startswith(str(NET)):
            if term not in declared:
                problems.append(f"{term} is not declared in ontology/netkg.ttl")
        elif not str(term).startswith(STANDARD_NAMESPACES):
            problems.append(f"{term} is from a vocabulary netkg does not use")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", [*DATA_FILES, ONTOLOGY_FILE], ids=lambda p: p.name)
def test_standard_vocabulary_iris_exist(path: Path) -> None:
    graph = rdflib.Graph().parse(path, format="turtle")
    iris = {term for triple in graph for term in triple if isinstance(term, rdflib.URIRef)}
    unknown = sorted(str(iri) for iri in iris if _in_closed_vocabulary(iri) is False)
    assert not unknown, f"not terms of their vocabulary (typo?): {unknown}"


def test_every_ontology_term_is_documented() -> None:
    ontology = _ontology()
    missing = []
    for term in sorted(_declared_terms(ontology)):
        if not str(term).startswith(str(NET)):
            continue
        labels = [o for o in ontology.objects(term, ns.RDFS.label) if _lang(o) == "en"]
        definitions = [o for o in ontology.objects(term, ns.SKOS.definition) if _lang(o) == "en"]
        defined_by = (term, ns.RDFS.isDefinedBy, ONTOLOGY_IRI) in ontology
        if not (labels and definitions and defined_by):
            missing.append(str(term))
    assert not missing, f"without rdfs:label@en, skos:definition@en or rdfs:isDefinedBy: {missing}"


def test_every_class_is_aligned_to_a_standard_vocabulary() -> None:
    ontology = _ontology()
    unaligned = []
    for cls in ontology.subjects(ns.RDF.type, ns.OWL.Class):
        if not str(cls).startswith(str(NET)):
            continue
        ancestors = set(ontology.transitive_objects(cls, ns.RDFS.subClassOf))
        if not any(str(a).startswith(STANDARD_NAMESPACES) for a in ancestors):
            unaligned.append(str(cls))
    assert not unaligned, f"no superclass in schema.org, SKOS, PROV, BIBO, …: {unaligned}"


def test_ontology_header() -> None:
    ontology = _ontology()
    assert (ONTOLOGY_IRI, ns.RDF.type, ns.OWL.Ontology) in ontology
    for predicate in (
        ns.OWL.versionIRI,
        ns.OWL.versionInfo,
        ns.DCTERMS.license,
        ns.DCTERMS.creator,
        ns.DCTERMS.created,
        ns.DCTERMS.description,
    ):
        assert ontology.value(ONTOLOGY_IRI, predicate) is not None, predicate
    assert ontology.value(ONTOLOGY_IRI, ns.OWL.versionIRI) == rdflib.URIRef(
        "https://w3id.org/netkg/ontology/0.1.0"
    )


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _runs(words: list[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def test_no_description_copies_a_sentence_of_the_page(curated_graph: rdflib.Graph) -> None:
    page_runs = _runs(_words(PAGE_TEXT), COPY_RUN)
    copied = []
    for predicate in DESCRIPTION_PREDICATES:
        for subject, text in curated_graph.subject_objects(predicate):
            if predicate in LABEL_PREDICATES and any(
                (subject, ns.RDF.type, heading) in curated_graph for heading in HEADING_CLASSES
            ):
                continue
            words = _words(str(text))
            shared = _runs(words, COPY_RUN) & page_runs
            if shared:
                copied.append(f"{subject} {predicate}: {' '.join(sorted(shared)[0])!r}")
    message = "descriptions that copy the page (rewrite in our own words):\n"
    assert not copied, message + "\n".join(copied)


def test_the_copy_check_would_catch_a_copy() -> None:
    sentence = "Liver directed therapy is mainly used when surgery can't be done."
    assert _runs(_words(sentence), COPY_RUN) & _runs(_words(PAGE_TEXT), COPY_RUN)
