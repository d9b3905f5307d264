"""netkg's own SPARQL queries (netkg/<package>/queries/<module>/*.rq), the one CURIE function and
the one language picker that every module shares."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

import netkg
from netkg import queries
from netkg.labels import pick, pick_literal
from netkg.prefixes import PREFIXES, curie

PACKAGE = Path(netkg.__file__).parent
FILES = sorted(PACKAGE.glob("*/queries/**/*.rq"))


def test_the_package_queries_are_found_where_the_loader_looks() -> None:
    assert len(FILES) >= 25  # stats, terminology, partner, guide, describe, resources, sparql
    for module, name in [
        ("netkg.curate.stats", "classes"),
        ("netkg.release.terminology", "concepts"),
        ("netkg.web.partner", "condition"),
        ("netkg.web.guide", "statements"),
        ("netkg.web.describe", "describe"),
        ("netkg.web.resources", "index"),
        ("netkg.web.sparql", "named-graphs"),
    ]:
        path = queries.folder(module) / f"{name}.rq"
        assert path in FILES
        assert queries.text(module, name) == path.read_text(encoding="utf-8")
    with pytest.raises(ValueError, match=r"netkg\.<package>\.<module>"):
        queries.folder("netkg.cli")


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_every_package_query_is_valid_sparql(path: Path) -> None:
    """Each file runs as it is (on an empty store, with the endpoint's predeclared prefixes)."""
    text = path.read_text(encoding="utf-8")
    ox.Store().query(text, prefixes=PREFIXES)  # raises SyntaxError on invalid SPARQL
    assert text.startswith("#"), "each query says in a comment what it is for"


def test_curie_takes_the_longest_namespace_and_none_outside_the_table() -> None:
    assert curie("https://w3id.org/netkg/id/surgery") == "id:surgery"
    assert curie("http://purl.obolibrary.org/obo/NCIT_C15329") == "NCIT:C15329"
    assert curie("http://www.w3.org/ns/oa#exact") == "oa:exact"
    assert curie("https://example.org/x") is None


def test_the_language_picker_prefers_the_asked_language_then_english_then_untagged() -> None:
    fr, en, untagged, de = (
        ox.Literal("bonjour", language="fr"),
        ox.Literal("hello", language="en"),
        ox.Literal("hi"),
        ox.Literal("hallo", language="de"),
    )
    assert pick_literal([de, untagged, en, fr], "fr") == fr
    assert pick_literal([de, untagged, en, fr], "es") == en
    assert pick_literal([de, untagged, fr], "es") == untagged
    assert pick_literal([de, fr], "es") == de  # never nothing: the first, its tag tells
    assert pick_literal([], "fr") is None
    assert pick([("", "hi"), ("en", "hello")], None, lambda t: t[0]) == ("", "hi")
