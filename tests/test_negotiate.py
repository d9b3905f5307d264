"""Accept parsing and format overrides: the rules every negotiated route relies on."""

from __future__ import annotations

import pytest

from netkg.errors import BadRequest
from netkg.web.negotiate import (
    GRAPH_FORMATS,
    SOLUTIONS_FORMATS,
    choose,
    format_override,
    parse_accept,
)

RDF = ["text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml"]
RESULTS = list(SOLUTIONS_FORMATS.values())


@pytest.mark.parametrize(
    ("accept", "offered", "expected"),
    [
        (None, RDF, "text/turtle"),  # no header: the server's first choice
        ("", RDF, "text/turtle"),
        ("*/*", RDF, "text/turtle"),
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
            [*RDF, "text/html"],
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
def test_choose(accept: str | None, offered: list[str], expected: str | None) -> None:
    assert choose(accept, offered) == expected


def test_parse_accept_clamps_q_and_keeps_order() -> None:
    ranges = parse_accept("a/b;q=7, c/*;q=-1, */*")
    assert [(r.type, r.subtype, r.q) for r in ranges] == [
        ("a", "b", 1.0),
        ("c", "*", 0.0),
        ("*", "*", 1.0),
    ]


@pytest.mark.parametrize(
    ("value", "table", "expected"),
    [
        ("ttl", GRAPH_FORMATS, "text/turtle"),
        ("turtle", GRAPH_FORMATS, "text/turtle"),
        ("JSONLD", GRAPH_FORMATS, "application/ld+json"),
        ("application/rdf+xml", GRAPH_FORMATS, "application/rdf+xml"),
        ("csv", SOLUTIONS_FORMATS, "text/csv"),
        ("application/json", SOLUTIONS_FORMATS, "application/sparql-results+json"),
        (None, SOLUTIONS_FORMATS, None),
    ],
)
def test_format_override(value: str | None, table: dict[str, str], expected: str | None) -> None:
    assert format_override(value, table) == expected


def test_unknown_format_is_a_400_listing_the_accepted_values() -> None:
    with pytest.raises(BadRequest) as raised:
        format_override("yaml", GRAPH_FORMATS)
    assert raised.value.status_code == 400
    assert "jsonld, nt, rdf, ttl" in raised.value.message
