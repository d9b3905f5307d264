"""Build the release's views for health information systems, from the graph, at `netkg build`:
the SSSOM mapping set (`netkg.sssom.tsv`, netkg/release/mapping_set.py) and the FHIR R4 terminology
resources (`netkg.fhir.json`): one CodeSystem of netkg's concepts, a ValueSet per group a form or
decision aid offers, and two ConceptMaps (netkg → NCIt, MeSH, SNOMED CT, ICD-O-3, Mondo, and back).

Every fact comes from a query in `queries/terminology/*.rq` (run by pyoxigraph, as the service runs
its queries); this module only shapes the rows into FHIR JSON. The resources go into one FHIR
transaction Bundle, so a terminology server imports them with one POST, and netkg's `/fhir`
router (netkg/web/fhir.py) serves and computes its operations from that same file: there is no
second copy of the data.

>>> write_release_views(Path("dist"), graph, version="0.1.0", issued="2026-11-26T00:00:00Z")
... # doctest: +SKIP
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Graph

from netkg import queries
from netkg.errors import NetkgError
from netkg.prefixes import BASE
from netkg.release.mapping_set import FILE_NAME as SSSOM_FILE
from netkg.release.mapping_set import write_mapping_set

__all__ = [
    "BUNDLE_FILE",
    "CODE_SYSTEM_URL",
    "EQUIVALENCE",
    "FHIR_BASE",
    "INVERSE",
    "TARGET_SYSTEMS",
    "TargetSystem",
    "graph_store",
    "select",
    "terminology_bundle",
    "write_release_views",
]

BUNDLE_FILE = "netkg.fhir.json"
ID_SPACE = BASE + "id/"
FHIR_BASE = BASE + "fhir/"
"""Canonical URLs of netkg's FHIR resources: `FHIR_BASE + "<type>/<id>"`, under netkg's base."""
CODE_SYSTEM_ID = "netkg"
CODE_SYSTEM_URL = FHIR_BASE + "CodeSystem/" + CODE_SYSTEM_ID
ALL_CODES_ID = "netkg-all"
PUBLISHER = "netkg project"
SKOS = "http://www.w3.org/2004/02/skos/core#"

EQUIVALENCE = {
    SKOS + "exactMatch": "equivalent",
    SKOS + "closeMatch": "inexact",
    SKOS + "broadMatch": "wider",
    SKOS + "narrowMatch": "narrower",
    SKOS + "relatedMatch": "relatedto",
}
"""SKOS match → FHIR R4 ConceptMapEquivalence (source netkg, target the other vocabulary). A close
match becomes `inexact`, not `relatedto`: the two concepts overlap and may be used for each other in
some applications, but their boundaries differ, and FHIR asks for a comment saying how, which every
mapping has (its rdfs:comment). `relatedto` is kept for skos:relatedMatch (docs/fhir.md)."""
INVERSE = {"equivalent": "equivalent", "inexact": "inexact", "relatedto": "relatedto"} | {
    "wider": "narrower",
    "narrower": "wider",
}
"""The equivalence read from the target's side (for the external → netkg ConceptMap)."""


@dataclass(frozen=True)
class TargetSystem:
    """How one vocabulary's IRIs (docs/model.md) become FHIR codings."""

    namespace: str
    system: str
    name: str
    code_prefix: str = ""
    code_from_notation: bool = False


TARGET_SYSTEMS = (
    TargetSystem(
        "http://purl.obolibrary.org/obo/NCIT_",
        "http://ncicb.nci.nih.gov/xml/owl/EVS/Thesaurus.owl",
        "NCI Thesaurus",
    ),
    TargetSystem("http://id.nlm.nih.gov/mesh/", "https://www.nlm.nih.gov/mesh", "MeSH"),
    TargetSystem("http://snomed.info/id/", "http://snomed.info/sct", "SNOMED CT"),
    TargetSystem(
        "https://w3id.org/netkg/external/icdo3/",
        "http://terminology.hl7.org/CodeSystem/icd-o-3",
        "ICD-O-3",
        code_from_notation=True,
    ),
    TargetSystem(
        "http://purl.obolibrary.org/obo/MONDO_",
        "http://purl.obolibrary.org/obo/mondo.owl",
        "Mondo",
        code_prefix="MONDO:",
    ),
)
"""The canonical FHIR system URI of each target vocabulary, as HL7's terminology registry (THO)
lists it (MeSH's is `https://www.nlm.nih.gov/mesh`, not its RDF IRI stem; docs/fhir.md has the
evidence); codes are the IRI's local part (`C2915`, `D002276`, `443492008`), ICD-O-3's the
skos:notation (`8240/3`), Mondo's the CURIE (`MONDO:0005369`)."""

DESIGNATION_USE = {
    "display": {
        "system": "http://terminology.hl7.org/CodeSystem/designation-usage",
        "code": "display",
    },
    "synonym": {
        "system": "http://snomed.info/sct",
        "code": "900000000000013009",
        "display": "Synonym",
    },
    "definition": {
        "system": "http://snomed.info/sct",
        "code": "900000000000550004",
        "display": "Definition",
    },
}


class TerminologyError(NetkgError):
    """The graph can't be written as FHIR terminology (a target FHIR has no system for)."""

    exit_code = 2


# --- the one place this module queries the graph -----------------------------------------------


def graph_store(graph: Graph) -> ox.Store:
    """The release graph in an in-memory pyoxigraph store: the engine the service runs, and a
    few times faster than rdflib's on these queries."""
    store = ox.Store()
    store.load(graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    return store


def select(store: ox.Store, name: str) -> list[dict[str, str]]:
    """The solutions of `queries/terminology/<name>.rq`: one dict per row, each bound variable
    as its IRI or literal's lexical form (unbound ones left out)."""
    solutions = store.query(queries.text(__name__, name))
    if not isinstance(solutions, ox.QuerySolutions):
        raise TypeError(f"{name}.rq is not a SELECT query")
    names = [variable.value for variable in solutions.variables]
    return [
        {n: term.value for n in names if (term := solution[n]) is not None}
        for solution in solutions
    ]


# --- building the resources --------------------------------------------------------------------


def _code(iri: str) -> str:
    return iri[len(ID_SPACE) :]


def _common(kind: str, resource_id: str, *, version: str, issued: str) -> dict[str, Any]:
    return {
        "resourceType": kind,
        "id": resource_id,
        "url": FHIR_BASE + f"{kind}/{resource_id}",
        "version": version,
        "status": "active",
        "experimental": False,
        "date": issued,
        "publisher": PUBLISHER,
    }


def _name(resource_id: str) -> str:
    """A computable name (FHIR's inv-0: starts with a capital, letters and digits only)."""
    return "".join(part.capitalize() for part in resource_id.replace("_", "-").split("-"))


def _designations(store: ox.Store) -> dict[str, list[dict[str, Any]]]:
    """Per concept IRI: its labels and definitions as FHIR designations, language-tagged."""
    found: dict[str, list[dict[str, Any]]] = {}
    for row in select(store, "designations"):
        found.setdefault(row["concept"], []).append(
            {"language": row["language"], "use": DESIGNATION_USE[row["use"]], "value": row["value"]}
        )
    return found


def code_system(
    store: ox.Store, rows: list[dict[str, str]], *, version: str, issued: str
) -> dict[str, Any]:
    """netkg's concepts (`rows` of concepts.rq), with their displays, definitions, designations
    and properties."""
    designations = _designations(store)
    properties: dict[str, list[dict[str, Any]]] = {}
    codes = {row["concept"] for row in rows}
    for row in select(store, "concept-properties"):
        if row["property"] == "parent":
            if row["value"] not in codes:
                continue  # a broader concept outside the code system is not a parent code
            value: dict[str, Any] = {"code": "parent", "valueCode": _code(row["value"])}
        else:
            value = {"code": "scheme", "valueString": row["value"]}
        properties.setdefault(row["concept"], []).append(value)
    concepts = []
    for row in rows:
        iri = row["concept"]
        concept: dict[str, Any] = {"code": _code(iri), "display": row["display"]}
        if "definition" in row:
            concept["definition"] = row["definition"]
        if iri in designations:
            concept["designation"] = designations[iri]
        if iri in properties:
            concept["property"] = properties[iri]
        concepts.append(concept)
    resource = _common("CodeSystem", CODE_SYSTEM_ID, version=version, issued=issued)
    resource |= {
        "name": "Netkg",
        "title": "netkg concepts: neuroendocrine tumours and their treatment",
        "description": (
            "The concepts of the netkg knowledge graph, which renders the Canadian Cancer "
            "Society's page 'Treatments for neuroendocrine tumours (NETs)' as data: conditions, "
            "treatments, decision factors, cancer attributes, clinical situations and their "
            "values. Each code is the slug of the concept's IRI: code `surgery` is "
            f"<{ID_SPACE}surgery>, which says where the page states each fact."
        ),
        "copyright": (
            "Content: (c) 2024 Canadian Cancer Society, rendered in netkg's own words; data "
            "under CC BY 4.0. Not medical advice (see https://w3id.org/netkg/id/ccs-medical-disclaimer)."
        ),
        "caseSensitive": True,
        "valueSet": FHIR_BASE + "ValueSet/" + ALL_CODES_ID,
        "content": "complete",
        "count": len(concepts),
        "property": [
            {
                "code": "parent",
                "uri": "http://hl7.org/fhir/concept-properties#parent",
                "description": "A broader concept (skos:broader) of this code system.",
                "type": "code",
            },
            {
                "code": "scheme",
                "uri": SKOS + "inScheme",
                "description": "The IRI of a SKOS concept scheme the concept is in.",
                "type": "string",
            },
        ],
    }
    if concepts:  # FHIR JSON has no empty arrays
        resource["concept"] = concepts
    return resource


def value_sets(
    store: ox.Store, codes: set[str], *, version: str, issued: str
) -> list[dict[str, Any]]:
    """One ValueSet per group of value-sets.rq (members among `codes`, the concept IRIs), plus
    one of every code of the CodeSystem."""
    groups: dict[str, dict[str, Any]] = {}
    for row in select(store, "value-sets"):
        if row["concept"] not in codes:
            continue
        group = groups.setdefault(
            row["valueset"],
            {"title": row["title"], "description": row.get("description"), "concepts": []},
        )
        code = _code(row["concept"])
        if code not in group["concepts"]:
            group["concepts"].append(code)
    everything = _common("ValueSet", ALL_CODES_ID, version=version, issued=issued)
    everything |= {
        "name": _name(ALL_CODES_ID),
        "title": "All netkg concepts",
        "description": "Every code of the netkg CodeSystem.",
        "compose": {"include": [{"system": CODE_SYSTEM_URL, "version": version}]},
    }
    resources = [everything]
    for resource_id, group in sorted(groups.items()):
        resource = _common("ValueSet", resource_id, version=version, issued=issued)
        resource |= {"name": _name(resource_id), "title": group["title"]}
        if group["description"]:
            resource["description"] = group["description"]
        include = {
            "system": CODE_SYSTEM_URL,
            "version": version,
            "concept": [{"code": code} for code in group["concepts"]],
        }
        resource["compose"] = {"include": [include]}
        resources.append(resource)
    return resources


def _target(row: Mapping[str, str]) -> tuple[TargetSystem, str]:
    """The FHIR system and code of a mapping's object IRI."""
    iri = row["object"]
    for target in TARGET_SYSTEMS:
        if iri.startswith(target.namespace):
            if target.code_from_notation:
                if "object_notation" not in row:
                    raise TerminologyError(f"{iri}: an ICD-O-3 target needs its skos:notation")
                return target, row["object_notation"]
            return target, target.code_prefix + iri[len(target.namespace) :]
    raise TerminologyError(f"{iri}: not in a vocabulary FHIR knows (see TARGET_SYSTEMS)")


def concept_maps(
    rows: Iterable[Mapping[str, str]], *, version: str, issued: str
) -> list[dict[str, Any]]:
    """netkg → each vocabulary (one group per target system), and the inverse map."""
    forward: dict[str, dict[str, list[dict[str, Any]]]] = {}
    backward: dict[str, dict[tuple[str, str], list[dict[str, Any]]]] = {}
    labels: dict[str, str] = {}
    for row in rows:
        target, code = _target(row)
        equivalence = EQUIVALENCE[row["predicate"]]
        source_code = _code(row["subject"])
        labels[source_code] = row.get("subject_label", source_code)
        mapped: dict[str, Any] = {"code": code}
        if "object_label" in row:
            mapped["display"] = row["object_label"]
        mapped["equivalence"] = equivalence
        if "comment" in row:
            mapped["comment"] = row["comment"]
        forward.setdefault(target.system, {}).setdefault(source_code, []).append(mapped)
        back: dict[str, Any] = {
            "code": source_code,
            "display": labels[source_code],
            "equivalence": INVERSE[equivalence],
        }
        if "comment" in row:
            back["comment"] = row["comment"]
        key = (code, row.get("object_label", ""))
        backward.setdefault(target.system, {}).setdefault(key, []).append(back)

    names = ", ".join(t.name for t in TARGET_SYSTEMS)
    netkg_to_external = {
        system: {(code, labels[code]): targets for code, targets in by_code.items()}
        for system, by_code in forward.items()
    }
    there = _concept_map(
        "netkg-to-external",
        "source",
        netkg_to_external,
        title=f"netkg concepts to {names}",
        description=(
            "netkg's mappings (SKOS matches, each with its justification and source) as FHIR "
            "equivalences: exact → equivalent, close → inexact, broad → wider, narrow → "
            "narrower, related → relatedto. The same mappings are in netkg.sssom.tsv."
        ),
        version=version,
        issued=issued,
    )
    back = _concept_map(
        "external-to-netkg",
        "target",
        backward,
        title=f"{names} codes to netkg concepts",
        description=(
            "The inverse of netkg-to-external: for an external code, the netkg concepts mapped to "
            "it, with the equivalence read from the external code's side (wider and narrower "
            "swap)."
        ),
        version=version,
        issued=issued,
    )
    return [there, back]


def _concept_map(
    resource_id: str,
    netkg_end: str,
    groups: Mapping[str, Mapping[tuple[str, str], list[dict[str, Any]]]],
    *,
    title: str,
    description: str,
    version: str,
    issued: str,
) -> dict[str, Any]:
    """A ConceptMap between netkg's CodeSystem, at its `netkg_end` ("source" or "target"), and
    each external system: a group per system, an element per (code, display) with its targets."""
    external_end = "target" if netkg_end == "source" else "source"
    out = _common("ConceptMap", resource_id, version=version, issued=issued)
    out |= {
        "name": _name(resource_id),
        "title": title,
        "description": description,
        f"{netkg_end}Uri": FHIR_BASE + "ValueSet/" + ALL_CODES_ID,
    }
    if groups:  # FHIR JSON has no empty arrays
        out["group"] = [
            {
                netkg_end: CODE_SYSTEM_URL,
                f"{netkg_end}Version": version,
                external_end: system,
                "element": [
                    {"code": code, **({"display": display} if display else {}), "target": targets}
                    for (code, display), targets in sorted(elements.items())
                ],
            }
            for system, elements in sorted(groups.items())
        ]
    return out


def terminology_bundle(
    store: ox.Store, mappings: list[dict[str, str]], *, version: str, issued: str
) -> dict[str, Any]:
    """Every FHIR resource of the release in one transaction Bundle (PUT by id, so importing it
    twice into a FHIR server updates rather than duplicates)."""
    concepts = select(store, "concepts")
    codes = {row["concept"] for row in concepts}
    resources = [
        code_system(store, concepts, version=version, issued=issued),
        *value_sets(store, codes, version=version, issued=issued),
        *concept_maps(mappings, version=version, issued=issued),
    ]
    return {
        "resourceType": "Bundle",
        "id": "netkg-terminology",
        "meta": {"lastUpdated": issued},
        "type": "transaction",
        "timestamp": issued,
        "entry": [
            {
                "fullUrl": resource["url"],
                "resource": resource,
                "request": {
                    "method": "PUT",
                    "url": f"{resource['resourceType']}/{resource['id']}",
                },
            }
            for resource in resources
        ],
    }


def write_release_views(folder: Path, graph: Graph, *, version: str, issued: str) -> list[str]:
    """Write `netkg.sssom.tsv` and `netkg.fhir.json` into the release folder; their names."""
    store = graph_store(graph)
    mappings = select(store, "mappings")
    write_mapping_set(folder / SSSOM_FILE, mappings, version=version, issued=issued)
    bundle = terminology_bundle(store, mappings, version=version, issued=issued)
    text = json.dumps(bundle, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    (folder / BUNDLE_FILE).write_text(text, encoding="utf-8", newline="\n")
    return [SSSOM_FILE, BUNDLE_FILE]
