"""The release's VoID + DCAT description: what is in it (counts, partitions) and how to fetch and
check it (one `dcat:Distribution` per file, with size and sha256).

Every node has an IRI under `https://w3id.org/netkg/void#`, never a blank node, so the description
is stable byte for byte and each partition can be linked to.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from rdflib import OWL, RDF, RDFS, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, VOID

from netkg.prefixes import PREFIXES

BASE = "https://w3id.org/netkg/"
URI_SPACE = BASE + "id/"
SPARQL_ENDPOINT = URIRef(BASE + "sparql")
DOWNLOAD = BASE + "download/"
LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")
V = Namespace(BASE + "void#")
DATASET = V.netkg
DCAT_VERSION = URIRef(str(DCAT) + "version")  # DCAT 3; rdflib's closed DCAT lacks it
SPDX = Namespace("http://spdx.org/rdf/terms#")

MEDIA_TYPES = {
    ".ttl": "text/turtle",
    ".nt": "application/n-triples",
    ".nq": "application/n-quads",
    ".jsonld": "application/ld+json",
    ".json": "application/json",
}

SELF_NOTE = (
    "Sizes and sha256 checksums of the release files. A file cannot contain its own checksum, so "
    "void.ttl lists none for itself, and the copy of this description inside netkg.nq lists none "
    "for netkg.nq or void.ttl; release.json holds the checksum of every file."
)


@dataclass(frozen=True)
class FileInfo:
    """What the description says about one release file; `sha256` is None for void.ttl itself."""

    name: str
    size: int | None
    sha256: str | None


def _slug(iri: str) -> str:
    """A readable, stable fragment for a class or property, e.g. `net-Treatment`."""
    best = ""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(namespace) > len(PREFIXES.get(best, "")):
            best = prefix
    local = iri[len(PREFIXES[best]) :] if best else iri
    text = f"{best}-{local}" if best else local
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "x"


def _vocabularies(iris: Iterable[str]) -> set[str]:
    found = set()
    for iri in iris:
        matches = [ns for ns in PREFIXES.values() if iri.startswith(ns)]
        if matches:
            found.add(max(matches, key=len))
    return found


@dataclass(frozen=True)
class Statistics:
    """What VoID counts in the merged release graph."""

    triples: int
    entities: int  # subjects in the URI space (`id:`)
    distinct_subjects: int
    distinct_objects: int
    first_entity: URIRef | None  # the smallest entity IRI: the example when none is given
    classes: Mapping[URIRef, int]  # class IRI -> instances
    properties: Mapping[URIRef, int]  # property IRI -> triples


_RDF_TYPE = f"<{RDF.type}>"
_ENTITY = f"<{URI_SPACE}"


def statistics(lines: Iterable[str]) -> Statistics:
    """Count from N-Triples lines, sorted and unique (as the release's `netkg.nt`), in one pass
    that keeps only the distinct objects: a sorted file lists each subject's lines together."""
    triples = subjects = entities = 0
    previous = first_entity = None
    objects: set[str] = set()
    classes: Counter[str] = Counter()
    properties: Counter[str] = Counter()
    for line in lines:
        subject, predicate, rest = line.split(" ", 2)
        obj = rest[:-3]  # drop " .\n"
        triples += 1
        if subject != previous:
            previous = subject
            subjects += 1
            if subject.startswith(_ENTITY):
                entities += 1
                first_entity = min(first_entity or subject, subject, key=lambda t: t[1:-1])
        objects.add(obj)
        properties[predicate] += 1
        if predicate == _RDF_TYPE and obj.startswith("<"):
            classes[obj] += 1

    def iri(term: str) -> URIRef:
        return URIRef(term[1:-1])

    return Statistics(
        triples=triples,
        entities=entities,
        distinct_subjects=subjects,
        distinct_objects=len(objects),
        first_entity=iri(first_entity) if first_entity else None,
        classes={iri(c): n for c, n in classes.items()},
        properties={iri(p): n for p, n in properties.items()},
    )


def describe(
    stats: Statistics,
    *,
    version: str,
    issued: str,
    files: Iterable[FileInfo],
    example_resources: Iterable[URIRef] = (),
) -> Graph:
    """Describe the merged release graph (its `stats`) and the release `files`."""
    void = Graph(bind_namespaces="none")
    for prefix, namespace in (
        ("void", VOID),
        ("dcat", DCAT),
        ("dcterms", DCTERMS),
        ("spdx", SPDX),
        ("owl", OWL),
        ("rdfs", RDFS),
        ("xsd", XSD),
        ("nv", V),
    ):
        void.bind(prefix, namespace)
    ds = DATASET
    void.add((ds, RDF.type, VOID.Dataset))
    void.add((ds, RDF.type, DCAT.Dataset))
    title = "netkg: treatments for neuroendocrine tumours"
    void.add((ds, DCTERMS.title, Literal(title, lang="en")))
    void.add(
        (
            ds,
            DCTERMS.description,
            Literal(
                "A knowledge graph of the Canadian Cancer Society page 'Treatments for "
                "neuroendocrine tumours (NETs)': treatments, decision factors, usage statements, "
                "citations and mappings to NCIt, MeSH, SNOMED CT, ICD-O-3 and Mondo.",
                lang="en",
            ),
        )
    )
    void.add((ds, DCTERMS.license, LICENSE))
    void.add((ds, DCTERMS.issued, Literal(issued, datatype=XSD.dateTime, normalize=False)))
    void.add((ds, OWL.versionInfo, Literal(version)))
    void.add((ds, DCAT_VERSION, Literal(version)))
    void.add((ds, VOID.sparqlEndpoint, SPARQL_ENDPOINT))
    void.add((ds, VOID.uriSpace, Literal(URI_SPACE)))
    void.add((ds, RDFS.comment, Literal(SELF_NOTE, lang="en")))

    void.add((ds, VOID.triples, Literal(stats.triples)))
    void.add((ds, VOID.entities, Literal(stats.entities)))
    void.add((ds, VOID.distinctSubjects, Literal(stats.distinct_subjects)))
    void.add((ds, VOID.distinctObjects, Literal(stats.distinct_objects)))
    examples = sorted(example_resources) or ([stats.first_entity] if stats.first_entity else [])
    for example in examples:
        void.add((ds, VOID.exampleResource, example))

    for cls, members in stats.classes.items():
        part = V["class-" + _slug(str(cls))]
        void.add((ds, VOID.classPartition, part))
        void.add((part, VOID["class"], cls))
        void.add((part, VOID.entities, Literal(members)))
    for prop, count in stats.properties.items():
        part = V["property-" + _slug(str(prop))]
        void.add((ds, VOID.propertyPartition, part))
        void.add((part, VOID.property, prop))
        void.add((part, VOID.triples, Literal(count)))
    iris = [str(p) for p in stats.properties] + [str(c) for c in stats.classes]
    for vocabulary in _vocabularies(iris):
        void.add((ds, VOID.vocabulary, URIRef(vocabulary)))

    for info in files:
        dist = V["distribution-" + info.name]
        void.add((ds, DCAT.distribution, dist))
        void.add((dist, RDF.type, DCAT.Distribution))
        void.add((dist, DCTERMS.title, Literal(info.name)))
        void.add((dist, DCAT.downloadURL, URIRef(DOWNLOAD + info.name)))
        suffix = "." + info.name.rsplit(".", 1)[-1]
        media_type = MEDIA_TYPES.get(suffix, "application/octet-stream")
        void.add((dist, DCAT.mediaType, Literal(media_type)))
        if info.size is not None:
            void.add((dist, DCAT.byteSize, Literal(info.size, datatype=XSD.nonNegativeInteger)))
        if info.sha256 is not None:
            checksum = V["checksum-" + info.name]
            void.add((dist, SPDX.checksum, checksum))
            void.add((checksum, RDF.type, SPDX.Checksum))
            void.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
            void.add((checksum, SPDX.checksumValue, Literal(info.sha256, datatype=XSD.hexBinary)))
    return void


def file_infos(sizes: Mapping[str, tuple[int, str]]) -> list[FileInfo]:
    """FileInfo for each `name -> (size, sha256)`, sorted by name."""
    return [FileInfo(name, size, sha) for name, (size, sha) in sorted(sizes.items())]
