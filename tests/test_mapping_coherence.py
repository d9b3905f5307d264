"""Mappings stay coherent once merged with Mondo, and carry SSSOM metadata as it happened.

An external code must not be reachable from a netkg concept both through exact matches and
through a broad or narrow match: merged with Mondo, whose exact matches are listed in
docs/sources.md ("Mondo exact-match chains"), the graph would then say both that the code is the
concept and that it is wider or narrower than it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent
SKOS = "http://www.w3.org/2004/02/skos/core#"
PREFIXES = {
    "NCIT:": "http://purl.obolibrary.org/obo/NCIT_",
    "MONDO:": "http://purl.obolibrary.org/obo/MONDO_",
    "mesh:": "http://id.nlm.nih.gov/mesh/",
    "sct:": "http://snomed.info/id/",
}


def expand(curie: str) -> str:
    for prefix, base in PREFIXES.items():
        if curie.startswith(prefix):
            return base + curie[len(prefix) :]
    raise AssertionError(f"unknown prefix in {curie}")


def mondo_chains() -> dict[str, set[str]]:
    """Undirected exact-match edges from the evidence table of docs/sources.md."""
    text = (ROOT / "docs" / "sources.md").read_text(encoding="utf-8")
    section = text.split("## Mondo exact-match chains", 1)[1].split("\n## ", 1)[0]
    edges: dict[str, set[str]] = defaultdict(set)
    for mondo, targets in re.findall(r"^\| (MONDO:\d+) \| ([^|]+) \|$", section, re.M):
        for target in (t.strip() for t in targets.split(",")):
            edges[expand(mondo)].add(expand(target))
            edges[expand(target)].add(expand(mondo))
    assert len(edges) > 20, "the chain table of docs/sources.md was not found"
    return edges


def mappings(store: ox.Store, predicate: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for quad in store.quads_for_pattern(None, ox.NamedNode(SKOS + predicate), None):
        found[quad.subject.value].add(quad.object.value)
    return found


def test_no_code_is_both_exact_and_broader_or_narrower_through_a_chain(
    curated_store: ox.Store,
) -> None:
    chains = mondo_chains()
    exact = mappings(curated_store, "exactMatch")
    problems = []
    for predicate in ("broadMatch", "narrowMatch"):
        for concept, targets in mappings(curated_store, predicate).items():
            reachable: set[str] = set()
            todo = list(exact.get(concept, set()))
            while todo:
                code = todo.pop()
                if code not in reachable:
                    reachable.add(code)
                    todo.extend(chains.get(code, set()))
            problems += [f"{concept} {predicate} {t}" for t in targets & reachable]
    assert problems == []


def test_the_umbrella_and_pancreatic_net_follow_note_n5(curated_store: ox.Store) -> None:
    exact, close = mappings(curated_store, "exactMatch"), mappings(curated_store, "closeMatch")
    narrow = mappings(curated_store, "narrowMatch")
    net, pnet = (
        "https://w3id.org/netkg/id/neuroendocrine-tumour",
        "https://w3id.org/netkg/id/pancreatic-net",
    )
    assert expand("MONDO:0019496") in close[net] and expand("MONDO:0019496") not in exact[net]
    assert {expand("NCIT:C27031"), expand("MONDO:0005815")} <= exact[pnet]
    assert {expand("NCIT:C27720"), expand("MONDO:0019954")} <= narrow[pnet]


def test_the_liver_is_mapped_to_ncit(curated_store: ox.Store) -> None:
    liver = mappings(curated_store, "exactMatch")["https://w3id.org/netkg/id/liver"]
    assert liver == {expand("NCIT:C12392")}


def test_every_mapping_has_its_justification_and_confidence(curated_store: ox.Store) -> None:
    query = """
        PREFIX owl: <http://www.w3.org/2002/07/owl#>
        PREFIX sssom: <https://w3id.org/sssom/>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?axiom ?justification ?confidence ?comment WHERE {
            ?axiom a owl:Axiom ; sssom:mapping_justification ?justification ;
                   sssom:confidence ?confidence ; rdfs:comment ?comment .
        }"""
    rows = list(curated_store.query(query))
    triples = sum(
        len(v)
        for p in ("exact", "close", "broad", "narrow", "related")
        for v in mappings(curated_store, p + "Match").values()
    )
    assert len(rows) == triples
    for row in rows:
        confidence = float(row["confidence"].value)
        assert row["confidence"].datatype.value.endswith("#double")
        assert 0.0 <= confidence <= 1.0
        keys = re.search(r"Source key ([A-Z0-9+ -]+),", row["comment"].value)
        assert keys, row["axiom"]
        chained = all(k.strip() in {"MONDO", "DO", "MAXO"} for k in keys.group(1).split("+"))
        expected = "MappingChaining" if chained else "ManualMappingCuration"
        assert row["justification"].value.endswith(expected), row["axiom"]
