"""Content negotiation: Accept headers with q-values and wildcards, and `?format=` overrides.

One place decides which representation a client gets, so /sparql, /id/… and /api/… agree:

>>> choose("text/*;q=0.5, application/ld+json", ["text/turtle", "application/ld+json"])
'application/ld+json'
>>> choose("image/png", ["text/turtle"]) is None
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

from netkg.errors import BadRequest

# --- format tables: short name (for ?format= and file suffixes) -> media type ------------------

SOLUTIONS_FORMATS: dict[str, str] = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
"""SELECT / ASK results (SPARQL 1.1 Query Results JSON, XML, CSV, TSV)."""

GRAPH_FORMATS: dict[str, str] = {
    "ttl": "text/turtle",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdf": "application/rdf+xml",
}
"""RDF graphs: CONSTRUCT / DESCRIBE results, resources, the service description."""

HTML = "text/html"

FORMAT_ALIASES: dict[str, str] = {
    "turtle": "ttl",
    "ntriples": "nt",
    "n-triples": "nt",
    "json-ld": "jsonld",
    "rdfxml": "rdf",
    "rdf+xml": "rdf",
    "srj": "json",
    "srx": "xml",
}
"""Other spellings accepted for `?format=`."""

MEDIA_ALIASES: dict[str, str] = {
    "application/json": "application/sparql-results+json",
    "text/javascript": "application/sparql-results+json",
    "application/javascript": "application/sparql-results+json",
    "application/xml": "application/sparql-results+xml",
    "text/xml": "application/sparql-results+xml",
    "application/x-turtle": "text/turtle",
    "text/plain": "application/n-triples",
}
"""Media types some clients send for ours (SPARQLWrapper asks for application/json, …)."""

W3C_FORMAT_IRIS: dict[str, str] = {
    "application/sparql-results+json": "http://www.w3.org/ns/formats/SPARQL_Results_JSON",
    "application/sparql-results+xml": "http://www.w3.org/ns/formats/SPARQL_Results_XML",
    "text/csv": "http://www.w3.org/ns/formats/SPARQL_Results_CSV",
    "text/tab-separated-values": "http://www.w3.org/ns/formats/SPARQL_Results_TSV",
    "text/turtle": "http://www.w3.org/ns/formats/Turtle",
    "application/n-triples": "http://www.w3.org/ns/formats/N-Triples",
    "application/ld+json": "http://www.w3.org/ns/formats/JSON-LD",
    "application/rdf+xml": "http://www.w3.org/ns/formats/RDF_XML",
}
"""The W3C's IRIs for each format (used in the service description, sd:resultFormat)."""


class MediaRange(NamedTuple):
    type: str
    subtype: str
    q: float
    order: int


def parse_accept(header: str | None) -> list[MediaRange]:
    """Parse an Accept header; malformed ranges are skipped, an empty header means `*/*`."""
    if not header or not header.strip():
        return [MediaRange("*", "*", 1.0, 0)]
    ranges: list[MediaRange] = []
    for order, part in enumerate(header.split(",")):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        if "/" not in media:
            if media == "*":  # some clients send a bare "*"
                media = "*/*"
            else:
                continue
        type_, _, subtype = media.partition("/")
        if not type_ or not subtype or (type_ == "*" and subtype != "*"):
            continue
        q = 1.0
        for param in pieces[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = min(max(float(value.strip()), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        ranges.append(MediaRange(type_, subtype, q, order))
    return ranges


def _quality(media_type: str, ranges: Sequence[MediaRange]) -> float:
    """The q of the most specific range matching `media_type` (exact > type/* > */*)."""
    type_, _, subtype = media_type.lower().partition("/")
    best: tuple[int, float] | None = None
    for r in ranges:
        if r.type == type_ and r.subtype == subtype:
            specificity = 2
        elif r.type == type_ and r.subtype == "*":
            specificity = 1
        elif r.type == "*":
            specificity = 0
        else:
            continue
        if best is None or specificity > best[0]:
            best = (specificity, r.q)
    return 0.0 if best is None else best[1]


def choose(
    accept_header: str | None,
    offered: Sequence[str],
    aliases: Mapping[str, str] | None = None,
) -> str | None:
    """The offered media type the client prefers most, or None when none is acceptable.

    `offered` is in the server's order of preference, which breaks ties. `aliases` maps
    other names a client may ask for onto offered types (default: MEDIA_ALIASES).
    """
    ranges = parse_accept(accept_header)
    alias_map = MEDIA_ALIASES if aliases is None else aliases
    best: tuple[float, int, str] | None = None
    for rank, media_type in enumerate(offered):
        q = _quality(media_type, ranges)
        for alias, target in alias_map.items():
            if target == media_type:
                # an alias counts only when named exactly, never through a wildcard
                for r in ranges:
                    if f"{r.type}/{r.subtype}" == alias:
                        q = max(q, r.q)
        if q <= 0:
            continue
        if best is None or q > best[0]:
            best = (q, rank, media_type)
    return None if best is None else best[2]


def format_override(value: str | None, table: Mapping[str, str]) -> str | None:
    """Map a `?format=` value (short name, alias or media type) to a media type in `table`.

    Raises BadRequest naming the accepted values, so a typo is never silently ignored.
    """
    if value is None or value == "":
        return None
    key = value.strip().lower()
    key = FORMAT_ALIASES.get(key, key)
    if key in table:
        return table[key]
    media = MEDIA_ALIASES.get(key, key)
    if media in table.values():
        return media
    accepted = ", ".join(sorted(table))
    raise BadRequest(f"unknown format {value!r}; accepted values: {accepted}")


def media_type_to_name(media_type: str) -> str | None:
    """The short name (`ttl`, `json`, …) of one of our media types."""
    for table in (SOLUTIONS_FORMATS, GRAPH_FORMATS):
        for name, media in table.items():
            if media == media_type:
                return name
    return None
