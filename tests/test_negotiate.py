"""Accept parsing and format overrides: the rules every negotiated route relies on."""

from __future__ import annotations

import pytest

from netkg.errors import BadRequest, NotAcceptable
from netkg.web.negotiate import (
    GRAPH,
    REGISTRY,
    SOLUTIONS,
    Choice,
    Offer,
    choose,
    negotiate,
    parse_accept,
)

RDF = ("text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml")
RESULTS = SOLUTIONS.media_types


@pytest.mark.parametrize(
    ("accept", "offered", "expected"),
    [
        (None, RDF, "text/turtle"),  # no header: the server's first choice
        ("", RDF, "text/turtle"),
        ("*/*", RDF, "text/turtle"),
        ("*", RDF, "text/turtle"),  # what Java's URLConnection sends
        ("application/ld+json", RDF, "application/ld+json"),
        ("text/turtle;q=0.5, application/ld+json;q=0.9", RDF, "application/ld+json"),
        ("application/*", RDF, "application/n-triples"),  # wildcard: server order breaks the tie
        ("text/*;q=0.2, application/rdf+xml;q=0.3", RDF, "application/rdf+xml"),
        # the most specific range decides: turtle is refused even though */* allows everything
        ("text/turtle;q=0, */*;q=0.1", RDF, "application/n-triples"),
        ("image/png", RDF, None),
        ("image/png, text/turtle;q=0", RDF, None),
        ("TEXT/Turtle", RDF, "text/turtle"),  # media types are case-insensitive
        ("text/turtle;charset=utf-8;q=0.7, application/ld+json;q=0.6", RDF, "text/turtle"),
        # browsers: html when offered
        (
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            (*RDF, "text/html"),
            "text/html",
        ),
        # aliases clients really send (SPARQLWrapper asks for application/json)
        ("application/json", RESULTS, "application/sparql-results+json"),
        ("application/xml", RESULTS, "application/sparql-results+xml"),
        # an alias only counts when named, never through a wildcard
        ("text/csv;q=0.5, application/*;q=0.4", RESULTS, "text/csv"),
        ("garbage, ;;, text/csv", RESULTS, "text/csv"),  # malformed ranges are skipped
        ("text/csv;q=abc, text/tab-separated-values;q=0.1", RESULTS, "text/tab-separated-values"),
    ],
)
def test_choose(accept: str | None, offered: tuple[str, ...], expected: str | None) -> None:
    assert choose(accept, offered) == expected


def test_parse_accept_clamps_q_and_keeps_order() -> None:
    ranges = parse_accept("a/b;q=7, c/*;q=-1, */*")
    assert [(r.type, r.subtype, r.q) for r in ranges] == [
        ("a", "b", 1.0),
        ("c", "*", 0.0),
        ("*", "*", 1.0),
    ]


@pytest.mark.parametrize(
    ("value", "offer", "expected"),
    [
        ("ttl", GRAPH, "text/turtle"),
        ("turtle", GRAPH, "text/turtle"),
        ("JSONLD", GRAPH, "application/ld+json"),
        ("application/rdf+xml", GRAPH, "application/rdf+xml"),
        ("csv", SOLUTIONS, "text/csv"),
        ("application/json", SOLUTIONS, "application/sparql-results+json"),
        ("json", GRAPH, "application/ld+json"),  # another spelling, where JSON means JSON-LD
        ("application/ld+json,application/x-json+ld", GRAPH, "application/ld+json"),
    ],
)
def test_format_names_a_format_whatever_accept_says(
    value: str, offer: Offer, expected: str
) -> None:
    assert negotiate(offer, "image/png", [value]) == Choice(expected, False)


def test_without_format_accept_decides_and_the_choice_varies_on_it() -> None:
    assert negotiate(SOLUTIONS, None) == Choice("application/sparql-results+json", True)
    assert negotiate(SOLUTIONS, "text/csv", ["", " "]) == Choice("text/csv", True)  # blank: unset


def test_format_beats_a_suffix_beats_accept() -> None:
    assert negotiate(GRAPH, "text/turtle", suffix="nt") == Choice("application/n-triples", False)
    assert negotiate(GRAPH, None, ["rdf"], suffix="nt").media_type == "application/rdf+xml"


def test_unknown_format_is_a_400_listing_the_accepted_values() -> None:
    with pytest.raises(BadRequest) as raised:
        negotiate(GRAPH, None, ["yaml"])
    assert raised.value.status_code == 400
    assert "'yaml'" in raised.value.message
    assert "jsonld, nt, rdf, ttl" in raised.value.message
    with pytest.raises(BadRequest, match="unknown format 'docx'"):
        negotiate(GRAPH, None, suffix="docx")


def test_format_values_that_disagree_are_a_400() -> None:
    with pytest.raises(BadRequest, match="give one"):
        negotiate(GRAPH, None, ["ttl", "nt"])


def test_an_accept_nothing_satisfies_is_a_406_listing_the_offer() -> None:
    with pytest.raises(NotAcceptable) as raised:
        negotiate(GRAPH, "image/png")
    assert raised.value.status_code == 406
    assert "image/png" in raised.value.message
    assert ", ".join(RDF) in raised.value.message


def test_an_offer_is_made_only_of_registered_formats() -> None:
    with pytest.raises(ValueError, match="image/png"):
        Offer("a picture", {"png": "image/png"})
    assert all(known.media_type == media for media, known in REGISTRY.items())
    # /sparql picks the offer by the query's form: each holds only its kind
    assert {REGISTRY[m].kind for m in SOLUTIONS.media_types} == {"solutions"}
    assert {REGISTRY[m].kind for m in GRAPH.media_types} == {"graph"}
