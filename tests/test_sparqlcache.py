"""The SPARQL parse cache that makes pyshacl's SPARQL shapes fast: same answers, one parse."""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef

from netkg.curate.sparqlcache import install, prepared

DATA = """
@prefix ex: <https://example.org/> .
ex:a ex:label "a" .
ex:b ex:other "b" .
"""
QUERY = "SELECT ?l WHERE { $this <https://example.org/label> ?l }"


def test_one_text_is_parsed_once_and_answers_per_binding() -> None:
    install()
    graph = Graph().parse(data=DATA, format="turtle")
    prepared.cache_clear()
    a = list(graph.query(QUERY, initBindings={"this": URIRef("https://example.org/a")}))
    b = list(graph.query(QUERY, initBindings={"this": URIRef("https://example.org/b")}))
    assert [row[0] for row in a] == [Literal("a")]  # type: ignore[index]
    assert b == []
    info = prepared.cache_info()
    assert (info.misses, info.hits) == (1, 1)


def test_pyshacl_sparql_constraints_report_the_same_with_the_cache() -> None:
    from pyshacl import validate

    shapes = Graph().parse(
        data="""
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <https://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:S a sh:NodeShape ; sh:targetSubjectsOf ex:label, ex:other ;
  sh:sparql [ sh:message "needs a label" ;
    sh:select "SELECT $this WHERE { FILTER NOT EXISTS { $this ex:label ?l } }" ;
    sh:prefixes ex:ns ] .
ex:ns sh:declare [ sh:prefix "ex" ; sh:namespace "https://example.org/"^^xsd:anyURI ] .
""",
        format="turtle",
    )
    install()
    conforms, results, _ = validate(Graph().parse(data=DATA, format="turtle"), shacl_graph=shapes)
    assert conforms is False
    focus = set(results.objects(None, URIRef("http://www.w3.org/ns/shacl#focusNode")))
    assert focus == {URIRef("https://example.org/b")}
