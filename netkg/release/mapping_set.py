"""The release's SSSOM mapping set (`dist/netkg.sssom.tsv`): every mapping of the graph as a row.

Written from the rows of `queries/terminology/mappings.rq` (netkg/release/terminology.py runs it):
a YAML header of `#` lines (mapping_set_id, license, curie_map, versions, dates) and one TSV row
per mapping, in SSSOM's column order, not condensed (each row carries its own justification,
author and date, so a plain TSV reader sees them). Nothing in it is kept by hand.

Why not the `sssom` package's writer: it brings linkml, pandas, sqlalchemy and sphinx (some
seventy packages) into every install of netkg, adds 5 to 10 seconds to each `netkg build`, and
warns under pandas 3. Writing a YAML header and a TSV is a few lines; the tests parse and
validate the file with sssom's own parser and validators (tests/test_sssom.py), which is where
that package earns its keep.

>>> write_mapping_set(Path("dist/netkg.sssom.tsv"), rows, version="0.1.0", issued="2026-11-26")
... # doctest: +SKIP
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from pathlib import Path

import yaml

from netkg.prefixes import BASE, PREFIXES, curie

__all__ = ["COLUMNS", "FILE_NAME", "MAPPING_SET_ID", "write_mapping_set"]

FILE_NAME = "netkg.sssom.tsv"
MAPPING_SET_ID = BASE + "download/" + FILE_NAME
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
CURIE_PREFIXES = ("id", "NCIT", "MONDO", "mesh", "sct", "icdo", "skos", "semapv")
"""The prefixes a mapping row uses (docs/model.md): netkg's concepts and the five vocabularies."""

COLUMNS = (
    ("subject_id", "subject"),
    ("subject_label", "subject_label"),
    ("predicate_id", "predicate"),
    ("object_id", "object"),
    ("object_label", "object_label"),
    ("mapping_justification", "justification"),
    ("author_id", "author"),
    ("confidence", "confidence"),
    ("subject_source_version", None),
    ("object_source_version", "object_source_version"),
    ("mapping_date", "mapping_date"),
    ("comment", "comment"),
)
"""SSSOM column → the mappings.rq variable it comes from, in the SSSOM schema's slot order."""
CURIE_COLUMNS = frozenset(
    {"subject_id", "predicate_id", "object_id", "mapping_justification", "author_id"}
)


def _curie(iri: str) -> str:
    found = curie(iri)
    if found is None or found.partition(":")[0] not in CURIE_PREFIXES:
        raise ValueError(f"{iri}: not under a prefix of the mapping set's curie_map")
    return found


def mapping_set_text(rows: Sequence[Mapping[str, str]], *, version: str, issued: str) -> str:
    """`rows` (mappings.rq's solutions, IRIs and literals as strings) as SSSOM/TSV text."""
    metadata = {
        "curie_map": {p: PREFIXES[p] for p in sorted(CURIE_PREFIXES)},
        "mapping_set_id": MAPPING_SET_ID,
        "mapping_set_version": version,
        "mapping_set_title": "netkg mappings to NCIt, MeSH, SNOMED CT, ICD-O-3 and Mondo",
        "mapping_set_description": (
            "Every mapping of the netkg knowledge graph (treatments for neuroendocrine tumours), "
            "generated from the graph's skos:*Match triples and their owl:Axiom annotations."
        ),
        "license": LICENSE,
        "creator_id": ["id:netkg-project"],
        "mapping_date": issued[:10],
        "publication_date": issued[:10],
    }
    header = yaml.safe_dump(metadata, allow_unicode=True, sort_keys=False, width=100)
    out = io.StringIO()
    out.write("".join(f"# {line}\n" for line in header.splitlines()))
    present = [
        (column, key)
        for column, key in COLUMNS
        if key is None or any(row.get(key) for row in rows)  # no column nobody fills
    ]
    writer = csv.writer(out, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(column for column, _ in present)
    for row in sorted(rows, key=lambda r: (r["subject"], r["predicate"], r["object"])):
        cells = []
        for column, key in present:
            value = version if key is None else row.get(key, "")
            cells.append(_curie(value) if value and column in CURIE_COLUMNS else value)
        writer.writerow(cells)
    return out.getvalue()


def write_mapping_set(
    path: Path, rows: Sequence[Mapping[str, str]], *, version: str, issued: str
) -> None:
    """Write the mapping set of `rows` to `path`."""
    text = mapping_set_text(rows, version=version, issued=issued)
    path.write_text(text, encoding="utf-8", newline="\n")
