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
    ".tsv": "text/tab-separated-values",
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


def describe(
    graph: Graph,
    *,
    version: str,
    issued: str,
    files: Iterable[FileInfo],
    example_resources: Iterable[URIRef] = (),
) -> Graph:
    """Describe `graph` (the merged release graph) and the release `files`."""
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

    subjects = set(graph.subjects(unique=True))
    objects = set(graph.objects(unique=True))
    entities = {s for s in subjects if isinstance(s, URIRef) and str(s).startswith(URI_SPACE)}
    void.add((ds, VOID.triples, Literal(len(graph))))
    void.add((ds, VOID.entities, Literal(len(entities))))
    void.add((ds, VOID.distinctSubjects, Literal(len(subjects))))
    void.add((ds, VOID.distinctObjects, Literal(len(objects))))
    examples = sorted(example_resources) or sorted(entities)[:1]
    for example in examples:
        void.add((ds, VOID.exampleResource, example))

    instances: dict[URIRef, set[object]] = {}
    for s, o in graph.subject_objects(RDF.type):
        if isinstance(o, URIRef):
            instances.setdefault(o, set()).add(s)
    for cls, members in instances.items():
        part = V["class-" + _slug(str(cls))]
        void.add((ds, VOID.classPartition, part))
        void.add((part, VOID["class"], cls))
        void.add((part, VOID.entities, Literal(len(members))))
    predicates: Counter[URIRef] = Counter()
    for _, p, _ in graph:
        predicates[p] += 1  # type: ignore[index]
    for prop, count in predicates.items():
        part = V["property-" + _slug(str(prop))]
        void.add((ds, VOID.propertyPartition, part))
        void.add((part, VOID.property, prop))
        void.add((part, VOID.triples, Literal(count)))
    for vocabulary in _vocabularies([str(p) for p in predicates] + [str(c) for c in instances]):
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
