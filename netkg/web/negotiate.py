"""Content negotiation: one format registry, one function that picks a representation.

Every route that has more than one representation states what it offers as an `Offer` (its short
names — file suffixes and `?format=` values — for media types of `REGISTRY`, in its order of
preference) and calls `negotiate`, so /sparql, /id/…, /api/…, /fhir/… and the error pages agree
on the rules: `?format=` beats a file suffix beats Accept; a name the route doesn't offer is a
400 listing those it does; an Accept it can't satisfy is a 406 listing what it offers.

Accept headers are read with python-mimeparse (media ranges, parameters, the most specific range
deciding a type's q), plus what clients really send: malformed ranges are skipped, an invalid q
refuses the range, ties go to the route's first choice, and the other media types clients use
for ours (`application/json` for JSON-LD, …) count when named exactly, never through a wildcard.

>>> choose("text/*;q=0.5, application/ld+json", ("text/turtle", "application/ld+json"))
'application/ld+json'
>>> choose("image/png", ("text/turtle",)) is None
True
>>> choose_language("fr-CA,fr;q=0.9,en;q=0.5", ("en", "fr"))
'fr'
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, NamedTuple

import mimeparse  # type: ignore[import-untyped]  # no type information published

from netkg.errors import BadRequest, NotAcceptable

__all__ = [
    "GRAPH",
    "HTML",
    "REGISTRY",
    "SOLUTIONS",
    "Choice",
    "Format",
    "MediaRange",
    "Offer",
    "choose",
    "choose_language",
    "negotiate",
    "parse_accept",
]

# --- the registry: every representation netkg serves ---------------------------------------

Kind = Literal["solutions", "graph", "page", "json"]

W3C_FORMATS = "http://www.w3.org/ns/formats/"


@dataclass(frozen=True)
class Format:
    """One representation: what it is, and the other names clients use for it."""

    media_type: str
    kind: Kind
    spellings: tuple[str, ...] = ()
    """Other `?format=` values for it, wherever it is offered (`turtle`, `json-ld`, …)."""
    sent_as: tuple[str, ...] = ()
    """Other media types clients ask for it by (SPARQLWrapper asks for application/json, …)."""
    w3c: str | None = None
    """The W3C's IRI for it (the service description's sd:resultFormat)."""


REGISTRY: dict[str, Format] = {
    f.media_type: f
    for f in (
        Format(
            "application/sparql-results+json",
            "solutions",
            ("json", "srj", "sparql-json"),
            ("application/json", "text/javascript", "application/javascript"),
            W3C_FORMATS + "SPARQL_Results_JSON",
        ),
        Format(
            "application/sparql-results+xml",
            "solutions",
            ("xml", "srx", "sparql-xml"),
            ("application/xml", "text/xml"),
            W3C_FORMATS + "SPARQL_Results_XML",
        ),
        Format("text/csv", "solutions", w3c=W3C_FORMATS + "SPARQL_Results_CSV"),
        Format("text/tab-separated-values", "solutions", w3c=W3C_FORMATS + "SPARQL_Results_TSV"),
        Format(
            "text/turtle",
            "graph",
            ("turtle", "n3"),  # N3 is served as Turtle, its subset
            (
                "application/x-turtle",
                "application/turtle",
                "text/n3",
                "text/rdf+n3",
                "application/n3",
            ),
            W3C_FORMATS + "Turtle",
        ),
        Format(
            "application/n-triples",
            "graph",
            ("ntriples", "n-triples"),
            ("text/plain",),
            W3C_FORMATS + "N-Triples",
        ),
        Format(
            "application/ld+json",
            "graph",
            ("json-ld", "json"),  # JSON-LD is JSON; pyld asks for application/json
            ("application/json", "application/x-json+ld"),
            W3C_FORMATS + "JSON-LD",
        ),
        Format(
            "application/rdf+xml",
            "graph",
            ("rdfxml", "rdf+xml", "xml"),
            ("application/xml", "text/xml"),
            W3C_FORMATS + "RDF_XML",
        ),
        Format("text/html", "page", sent_as=("application/xhtml+xml",)),
        Format("application/json", "json"),
        Format(
            "application/fhir+json",
            "json",
            ("json",),
            ("application/json", "application/json+fhir"),  # the latter: FHIR before R4
        ),
    )
}
"""Every media type a route may offer. An `Offer` of anything else fails at import."""

HTML = "text/html"


# --- reading Accept and Accept-Language ----------------------------------------------------


class MediaRange(NamedTuple):
    type: str
    subtype: str
    q: float


def _weighted(header: str | None) -> Iterator[tuple[str, float]]:
    """(item, q) of a comma-separated header with q-values (Accept, Accept-Language), in order.

    `item` keeps its other parameters. q is clamped to 0..1; an unreadable q refuses the item.
    """
    for part in (header or "").split(","):
        item, *params = part.split(";")
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = min(max(float(value.strip()), 0.0), 1.0)
                except ValueError:
                    q = 0.0
            else:
                item += ";" + param
        if item.strip():
            yield item.strip().lower(), q


def parse_accept(header: str | None) -> list[MediaRange]:
    """An Accept header's media ranges; malformed ranges are skipped, none means `*/*`."""
    ranges: list[MediaRange] = []
    for item, q in _weighted(header):
        try:
            type_, subtype, _ = mimeparse.parse_mime_type(item)  # also reads a bare "*"
        except ValueError:
            continue
        if type_ and subtype and (type_ != "*" or subtype == "*"):
            ranges.append(MediaRange(type_, subtype, q))
    return ranges if ranges or (header or "").strip() else [MediaRange("*", "*", 1.0)]


def choose(accept: str | None, offered: Sequence[str]) -> str | None:
    """The offered media type the client prefers most, or None when none is acceptable.

    `offered` is in the server's order of preference, which breaks ties.
    """
    ranges = parse_accept(accept)
    parsed = [(r.type, r.subtype, {"q": str(r.q)}) for r in ranges]
    best: tuple[float, str] | None = None
    for media_type in offered:
        q, _ = mimeparse.quality_and_fitness_parsed(media_type, parsed)
        # another name for it counts only when named exactly, never through a wildcard
        known = REGISTRY.get(media_type)
        for r in ranges:
            if known is not None and f"{r.type}/{r.subtype}" in known.sent_as:
                q = max(q, r.q)
        if q > 0 and (best is None or q > best[0]):
            best = (q, media_type)
    return None if best is None else best[1]


def choose_language(accept_language: str | None, offered: Sequence[str]) -> str | None:
    """The offered language an Accept-Language header prefers (by primary subtag), or None.

    >>> choose_language("de, en;q=0.1", ("en", "fr"))
    'en'
    """
    best: tuple[float, str] | None = None
    for item, q in _weighted(accept_language):
        primary = item.split(";")[0].split("-")[0].strip()
        if primary in offered and q > 0 and (best is None or q > best[0]):
            best = (q, primary)  # an earlier one wins a tie
    return None if best is None else best[1]


# --- what one route offers, and the one choice ----------------------------------------------


class Offer:
    """What one route can answer: short names (file suffixes, `?format=` values) for media types
    of the registry, in the route's order of preference; `what` names it in error messages."""

    __slots__ = ("by_accept", "media_types", "names", "what")

    def __init__(self, what: str, names: Mapping[str, str]) -> None:
        unknown = [media for media in names.values() if media not in REGISTRY]
        if unknown:
            raise ValueError(f"not in the format registry: {', '.join(unknown)}")
        self.what = what
        self.names = dict(names)
        self.media_types = tuple(dict.fromkeys(names.values()))
        self.by_accept: Callable[[str | None], Choice | None] = functools.lru_cache(maxsize=256)(
            self._by_accept
        )
        """What Accept picks, cached: clients send few distinct Accept headers, and /sparql's
        fast path negotiates on every request."""

    def __repr__(self) -> str:
        return f"Offer({self.what!r}, {self.names!r})"

    def _by_accept(self, accept: str | None) -> Choice | None:
        media = choose(accept, self.media_types)
        return None if media is None else Choice(media, True)

    def choose(self, accept: str | None) -> str | None:
        """What Accept picks among everything offered (cached per Accept)."""
        chosen = self.by_accept(accept)
        return None if chosen is None else chosen.media_type

    def named(self, value: str) -> set[str]:
        """The offered media types one `?format=` value names.

        A value is a short name of this route, another spelling of an offered format, a media
        type, or a comma-separated list of media types (SPARQLWrapper sends
        `format=application/ld+json,application/x-json+ld`).
        """
        key = value.strip().lower()
        if key in self.names:
            return {self.names[key]}
        for media in self.media_types:
            if key in REGISTRY[media].spellings:
                return {media}
        named: set[str] = set()
        for piece in key.split(","):
            media = piece.split(";")[0].strip()
            named |= {m for m in self.media_types if media == m or media in REGISTRY[m].sent_as}
        return named

    def unknown(self, value: str) -> BadRequest:
        """The 400 for a name this route doesn't offer: it lists those it does."""
        accepted = sorted(self.names)
        return BadRequest(
            f"parameter 'format' (or the suffix): unknown format {value!r} for {self.what}; "
            "accepted values: " + ", ".join(accepted),
            detail={"parameter": "format", "accepts": accepted},
        )


SOLUTIONS = Offer(
    "solutions (SELECT, ASK)",
    {
        "json": "application/sparql-results+json",
        "xml": "application/sparql-results+xml",
        "csv": "text/csv",
        "tsv": "text/tab-separated-values",
    },
)
"""SELECT / ASK results (SPARQL 1.1 Query Results JSON, XML, CSV, TSV)."""

GRAPH = Offer(
    "a graph (CONSTRUCT, DESCRIBE)",
    {
        "ttl": "text/turtle",
        "nt": "application/n-triples",
        "jsonld": "application/ld+json",
        "rdf": "application/rdf+xml",
    },
)
"""RDF graphs: CONSTRUCT / DESCRIBE results, resources, the service description."""


class Choice(NamedTuple):
    media_type: str
    negotiated: bool
    """Chosen by Accept (the response varies on it), not named by `?format=` or a suffix."""


def negotiate(
    offer: Offer,
    accept: str | None,
    formats: Sequence[str] = (),
    suffix: str | None = None,
) -> Choice:
    """The representation of `offer` a request asks for: `?format=` (every value given must
    agree; blank ones are ignored), else a file suffix, else Accept.

    400 for a name `offer` doesn't have, or for `format=` values that disagree; 406 when Accept
    allows nothing offered.
    """
    values = [value for value in formats if value.strip()]
    if values:
        agreed = set(offer.media_types)
        for value in values:
            named = offer.named(value)
            if not named:
                raise offer.unknown(value)
            agreed &= named
        if not agreed:
            raise BadRequest(
                "the 'format' parameters name different formats ("
                + ", ".join(repr(v) for v in values)
                + "); give one"
            )
        candidates = tuple(media for media in offer.media_types if media in agreed)
        return Choice(choose(accept, candidates) or candidates[0], False)
    if suffix is not None:
        by_suffix = offer.named(suffix)
        if not by_suffix:
            raise offer.unknown(suffix)
        return Choice(next(m for m in offer.media_types if m in by_suffix), False)
    chosen = offer.by_accept(accept)
    if chosen is None:
        raise NotAcceptable(
            f"nothing here satisfies Accept: {accept}; {offer.what} is offered as "
            + ", ".join(offer.media_types)
        )
    return chosen
