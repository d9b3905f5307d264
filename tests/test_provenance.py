"""Provenance to the sentence: every statement's excerpt resolves in the shipped source text.

Each net:Statement points (net:excerpt) to a W3C Web Annotation oa:SpecificResource whose
oa:hasSource is the page's text snapshot (data/source/ccs-net-treatments.txt) and whose
selectors (oa:TextQuoteSelector, oa:TextPositionSelector) name its sentence. Positions count
Unicode code points from 0, end exclusive, as the Web Annotation model defines them.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from netkg.release.build import build_release

ROOT = Path(__file__).resolve().parent.parent
TEXT_FILE = ROOT / "data" / "source" / "ccs-net-treatments.txt"
TEXT = TEXT_FILE.read_text(encoding="utf-8")
TEXT_IRI = "https://w3id.org/netkg/id/ccs-net-treatments-text"

PREFIXES = """
PREFIX net: <https://w3id.org/netkg/ontology#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX spdx: <http://spdx.org/rdf/terms#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX id: <https://w3id.org/netkg/id/>
"""


def select(store: ox.Store, query: str) -> list[dict[str, Any]]:
    result = store.query(PREFIXES + query)
    assert isinstance(result, ox.QuerySolutions)
    names = [v.value for v in result.variables]
    return [{n: (s[n].value if s[n] is not None else None) for n in names} for s in result]


def test_the_shipped_text_is_the_one_the_tests_read() -> None:
    fixture = ROOT / "tests" / "fixtures" / "ccs-net-treatments.txt"
    assert TEXT_FILE.read_bytes() == fixture.read_bytes()


def test_every_statement_has_an_excerpt(curated_store: ox.Store) -> None:
    missing = select(
        curated_store,
        """SELECT ?s WHERE {
             ?s a/rdfs:subClassOf* net:Statement .
             FILTER NOT EXISTS { ?s net:excerpt/oa:hasSelector/oa:exact ?exact }
           }""",
    )
    assert missing == []
    count = select(curated_store, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s net:excerpt ?e }")
    assert int(count[0]["n"]) == 12


def test_every_selector_resolves_in_the_text(curated_store: ox.Store) -> None:
    rows = select(
        curated_store,
        """SELECT ?s ?source ?exact ?prefix ?suffix ?start ?end WHERE {
             ?s net:excerpt ?excerpt .
             ?excerpt a oa:SpecificResource ; oa:hasSource ?source ;
                      oa:hasSelector ?quote, ?position .
             ?quote a oa:TextQuoteSelector ; oa:exact ?exact ; oa:prefix ?prefix ;
                    oa:suffix ?suffix .
             ?position a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end .
           }""",
    )
    assert len(rows) == 12
    for row in rows:
        assert row["source"] == TEXT_IRI, row["s"]
        start, end = int(row["start"]), int(row["end"])
        # the position selector and the quote selector name the same characters
        assert TEXT[start:end] == row["exact"], row["s"]
        # the quote with its context occurs exactly once, at that position
        context = row["prefix"] + row["exact"] + row["suffix"]
        at = TEXT.find(context)
        assert at == start - len(row["prefix"]), row["s"]
        assert TEXT.find(context, at + 1) == -1, row["s"]


def test_the_text_resource_records_its_checksum_and_publisher(curated_store: ox.Store) -> None:
    rows = select(
        curated_store,
        """SELECT ?sha ?publisher ?page ?recorded WHERE {
             id:ccs-net-treatments-text spdx:checksum ?c ; dcterms:publisher ?publisher ;
                 dcterms:isFormatOf ?page ; net:snapshotRecorded ?recorded .
             ?c spdx:algorithm spdx:checksumAlgorithm_sha256 ; spdx:checksumValue ?sha .
             ?page dcterms:hasFormat id:ccs-net-treatments-text .
           }""",
    )
    assert len(rows) == 1
    assert rows[0]["sha"] == hashlib.sha256(TEXT_FILE.read_bytes()).hexdigest()
    assert rows[0]["publisher"] == "https://w3id.org/netkg/id/canadian-cancer-society"
    # the text's footer is the only date it carries
    assert "© 2024 Canadian Cancer Society" in TEXT


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("release") / "dist"
    return build_release(ROOT, out, date="2026-12-01T00:00:00Z")


def test_the_release_ships_the_text_with_its_checksum(release: Path) -> None:
    shipped = release / "ccs-net-treatments.txt"
    assert shipped.read_bytes() == TEXT_FILE.read_bytes()
    digest = hashlib.sha256(shipped.read_bytes()).hexdigest()
    index = json.loads((release / "release.json").read_text(encoding="utf-8"))
    assert index["files"]["ccs-net-treatments.txt"] == digest
    void = (release / "void.ttl").read_text(encoding="utf-8")
    assert "ccs-net-treatments.txt" in void and digest in void
