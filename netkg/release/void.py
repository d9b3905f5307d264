"""The release's VoID + DCAT description: what is in it (counts, partitions), how to fetch and
check it (one `dcat:Distribution` per file, with size and sha256), and on what terms
(`dcterms:license` for netkg's own work, `dcterms:rights` for what netkg does not own).

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

from netkg.prefixes import BASE, PREFIXES, curie

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
    ".txt": "text/plain; charset=utf-8",
    ".tsv": "text/tab-separated-values",
}
#: Release files that are the source page's own text (build.py copies data/source/*.txt): the
#: Society's content, so under its rights, never under netkg's licence.
SOURCE_TEXT_SUFFIX = ".txt"

#: Who owns what. netkg licenses only its own work; the page's content stays the Canadian Cancer
#: Society's, and the external codes stay under their publishers' terms. Each statement is a
#: `dcterms:RightsStatement` (label and text in English and French) that `/`, the partner
#: documents and the README show. Say nothing here that is not so: netkg holds no SNOMED CT
#: licence of its own to pass on, and states none.
RIGHTS: dict[str, dict[str, tuple[str, str]]] = {
    "rights-netkg": {
        "en": (
            "netkg's own work: CC BY 4.0",
            "The netkg project licenses its own work under the Creative Commons Attribution 4.0 "
            "International licence (CC BY 4.0): the ontology, the structure of the graph, the "
            "mappings and their justifications, the shapes, the queries, and the labels, "
            "definitions and translations written in netkg's own words. Credit “netkg "
            "project” and link to https://w3id.org/netkg/.",
        ),
        "fr": (
            "Le travail propre de netkg\u00a0: CC BY 4.0",
            "Le projet netkg place son propre travail sous la licence Creative Commons "
            "Attribution 4.0 International (CC BY 4.0)\u00a0: l\u2019ontologie, la structure du "
            "graphe, les correspondances et leurs justifications, les formes, les requêtes, "
            "ainsi que les libellés, définitions et traductions rédigés par netkg. Mentionnez "
            "«\u00a0projet netkg\u00a0» avec un lien vers https://w3id.org/netkg/.",
        ),
    },
    "rights-ccs": {
        "en": (
            "The source page: © 2024 Canadian Cancer Society",
            "The content of the page “Treatments for neuroendocrine tumours (NETs)” "
            "(its text, headings and list of references, and the copy of its text shipped with "
            "the release) is © 2024 Canadian Cancer Society, which holds its copyright. "
            "netkg restates what the page says in its own words and links each statement to "
            "where the page says it; the CC BY 4.0 licence does not cover the Society's content.",
        ),
        "fr": (
            "La page source\u00a0: © 2024 Société canadienne du cancer",
            "Le contenu de la page «\u00a0Treatments for neuroendocrine tumours "
            "(NETs)\u00a0» (son texte, ses titres et sa liste de références, ainsi que la "
            "copie de son texte fournie avec la version) est © 2024 Société canadienne du "
            "cancer, qui en détient le droit d\u2019auteur. netkg reformule ce que dit la page "
            "dans ses propres mots et relie chaque énoncé à l\u2019endroit où la page le "
            "dit\u00a0; la licence CC BY 4.0 ne couvre pas le contenu de la Société.",
        ),
    },
    "rights-snomed": {
        "en": (
            "SNOMED CT codes: SNOMED International's terms",
            "SNOMED CT is owned and licensed by SNOMED International. The SNOMED CT concept "
            "identifiers that netkg gives as mapping targets, and the SNOMED CT descriptions "
            "quoted as their labels, remain subject to SNOMED International's licence terms; "
            "netkg's CC BY 4.0 licence does not cover them and grants no right to use SNOMED CT. "
            "Using SNOMED CT requires a licence from SNOMED International or, in a member "
            "country, from its National Release Centre. The codes of the other vocabularies "
            "(NCIt, MeSH, Mondo, ICD-O-3) likewise come under their publishers' terms.",
        ),
        "fr": (
            "Codes SNOMED CT\u00a0: conditions de SNOMED International",
            "SNOMED CT appartient à SNOMED International, qui en accorde les licences. Les "
            "identifiants de concepts SNOMED CT que netkg donne comme cibles de correspondance, "
            "et les descriptions SNOMED CT citées comme leurs libellés, restent soumis aux "
            "conditions de licence de SNOMED International\u00a0; la licence CC BY 4.0 de netkg ne "
            "les couvre pas et ne donne aucun droit d\u2019utiliser SNOMED CT. Utiliser SNOMED CT "
            "demande une licence de SNOMED International ou, dans un pays membre, de son centre "
            "national de diffusion. Les codes des autres vocabulaires (NCIt, MeSH, Mondo, "
            "CIM-O-3) relèvent de même des conditions de leurs éditeurs.",
        ),
    },
}
#: The licence's own name, a proper name in no language.
LICENSE_NAME = "Creative Commons Attribution 4.0 International (CC BY 4.0)"
CCS = URIRef(URI_SPACE + "canadian-cancer-society")
NETKG = URIRef(URI_SPACE + "netkg-project")

TITLE = {
    "en": (
        "netkg: treatments for neuroendocrine tumours",
        "A knowledge graph of the Canadian Cancer Society page 'Treatments for neuroendocrine "
        "tumours (NETs)': treatments, decision factors, usage statements, citations and "
        "mappings to NCIt, MeSH, SNOMED CT, ICD-O-3 and Mondo.",
    ),
    "fr": (
        "netkg\u00a0: traitements des tumeurs neuroendocrines",
        "Un graphe de connaissances de la page de la Société canadienne du cancer "
        "«\u00a0Treatments for neuroendocrine tumours (NETs)\u00a0»\u00a0: traitements, "
        "facteurs de décision, énoncés d\u2019utilisation, références et correspondances "
        "avec NCIt, MeSH, SNOMED CT, CIM-O-3 et Mondo.",
    ),
}

SELF_NOTE = {
    "en": (
        "Sizes and sha256 checksums of the release files. A file cannot contain its own "
        "checksum, so void.ttl lists none for itself, and the copy of this description inside "
        "netkg.nq lists none for netkg.nq or void.ttl; release.json holds the checksum of every "
        "file."
    ),
    "fr": (
        "Tailles et sommes de contrôle sha256 des fichiers de la version. Un fichier ne peut "
        "contenir sa propre somme de contrôle\u00a0: void.ttl n\u2019en donne aucune pour "
        "lui-même, et la copie de cette description dans netkg.nq n\u2019en donne ni pour "
        "netkg.nq ni pour void.ttl\u00a0; release.json contient la somme de contrôle de "
        "chaque fichier."
    ),
}


@dataclass(frozen=True)
class FileInfo:
    """What the description says about one release file; `sha256` is None for void.ttl itself."""

    name: str
    size: int | None
    sha256: str | None


def _slug(iri: str) -> str:
    """A readable, stable fragment for a class or property, e.g. `net-Treatment`."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", curie(iri) or iri).strip("-") or "x"


def _vocabularies(iris: Iterable[str]) -> set[str]:
    prefixes = {short.partition(":")[0] for iri in iris if (short := curie(iri))}
    return {PREFIXES[prefix] for prefix in prefixes}


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
    for lang, (title, description) in TITLE.items():
        void.add((ds, DCTERMS.title, Literal(title, lang=lang)))
        void.add((ds, DCTERMS.description, Literal(description, lang=lang)))
    void.add((ds, DCTERMS.license, LICENSE))
    void.add((ds, DCTERMS.publisher, NETKG))
    _rights(void, ds)
    void.add((ds, DCTERMS.issued, Literal(issued, datatype=XSD.dateTime, normalize=False)))
    void.add((ds, OWL.versionInfo, Literal(version)))
    void.add((ds, DCAT_VERSION, Literal(version)))
    void.add((ds, VOID.sparqlEndpoint, SPARQL_ENDPOINT))
    void.add((ds, VOID.uriSpace, Literal(URI_SPACE)))
    for lang, note in SELF_NOTE.items():
        void.add((ds, RDFS.comment, Literal(note, lang=lang)))

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
        if info.name.endswith(SOURCE_TEXT_SUFFIX):
            void.add((dist, DCTERMS.rights, V["rights-ccs"]))
        else:
            void.add((dist, DCTERMS.license, LICENSE))
        if info.size is not None:
            void.add((dist, DCAT.byteSize, Literal(info.size, datatype=XSD.nonNegativeInteger)))
        if info.sha256 is not None:
            checksum = V["checksum-" + info.name]
            void.add((dist, SPDX.checksum, checksum))
            void.add((checksum, RDF.type, SPDX.Checksum))
            void.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
            void.add((checksum, SPDX.checksumValue, Literal(info.sha256, datatype=XSD.hexBinary)))
    return void


def _rights(void: Graph, ds: URIRef) -> None:
    """`dcterms:rights` of the dataset: one RightsStatement per owner (see RIGHTS)."""
    for slug, texts in RIGHTS.items():
        statement = V[slug]
        void.add((ds, DCTERMS.rights, statement))
        void.add((statement, RDF.type, DCTERMS.RightsStatement))
        for lang, (label, text) in texts.items():
            void.add((statement, RDFS.label, Literal(label, lang=lang)))
            void.add((statement, RDFS.comment, Literal(text, lang=lang)))
    void.add((LICENSE, RDF.type, DCTERMS.LicenseDocument))
    void.add((LICENSE, RDFS.label, Literal(LICENSE_NAME)))
    void.add((V["rights-netkg"], DCTERMS.rightsHolder, NETKG))
    void.add((V["rights-netkg"], DCTERMS.license, LICENSE))
    void.add((V["rights-ccs"], DCTERMS.rightsHolder, CCS))
