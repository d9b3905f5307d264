"""The one blank-node hasher (fmt and the release): labels from the graph, never from a parse."""

from __future__ import annotations

import pytest
from rdflib import BNode, Graph
from rdflib.compare import isomorphic

from netkg.curate.bnodes import canonical_graph

TREE = """@prefix ex: <http://example.org/> .
ex:a ex:p [ ex:q 1 ; ex:r [ ex:s "x"@en ] ] , [ ex:q 1 ; ex:r [ ex:s "x"@en ] ] ;
     ex:list ( 1 2 [ ex:q 2 ] ) .
"""
SHARED = """@prefix ex: <http://example.org/> .
ex:a ex:p _:path . ex:b ex:p _:path . _:path ex:q _:leaf . _:leaf ex:r 1 .
"""
SHARED_AND_EQUAL = """@prefix ex: <http://example.org/> .
ex:a ex:p _:one , _:two . _:one ex:q _:shared . _:two ex:q _:own .
ex:b ex:z _:shared . _:shared ex:r 1 . _:own ex:r 1 .
"""
CYCLE = """@prefix ex: <http://example.org/> .
ex:a ex:p _:x . _:x ex:next _:y . _:y ex:next _:x .
"""


def parse(text: str) -> Graph:
    return Graph().parse(data=text, format="turtle")


def labels(graph: Graph) -> set[str]:
    return {str(t) for triple in graph for t in triple if isinstance(t, BNode)}


@pytest.mark.parametrize("text", [TREE, SHARED, SHARED_AND_EQUAL, CYCLE])
def test_two_parses_get_the_same_labels_and_the_same_graph(text: str) -> None:
    first, second = parse(text), parse(text)
    assert labels(first).isdisjoint(labels(second))  # rdflib labels each parse anew
    one, two = canonical_graph(first, "d"), canonical_graph(second, "d")
    assert set(one) == set(two)
    assert len(one) == len(first) and isomorphic(one, first)
    assert all(label.startswith("d") for label in labels(one))


def test_equal_trees_stay_two_nodes_labelled_by_content_in_linear_time() -> None:
    graph = canonical_graph(parse(TREE), "o")
    assert len(graph) == len(parse(TREE))  # the two equal `[ … ]` are not merged
    assert all(len(label) == 21 for label in labels(graph))  # the hash, not rdflib's fallback


def test_a_shared_node_without_equal_ones_keeps_the_linear_labels() -> None:
    assert all(len(label) == 21 for label in labels(canonical_graph(parse(SHARED), "r")))


def test_equal_nodes_in_a_graph_that_shares_some_go_to_rdflibs_canonicalisation() -> None:
    graph = canonical_graph(parse(SHARED_AND_EQUAL), "r")
    assert all(label.startswith("rcb") for label in labels(graph))
    assert isomorphic(graph, parse(SHARED_AND_EQUAL))


def test_a_list_deeper_than_pythons_stack_gets_the_linear_labels() -> None:
    items = " ".join(str(i) for i in range(3000))
    text = f"<http://example.org/a> <http://example.org/p> ( {items} ) ."
    one, two = canonical_graph(parse(text), "d"), canonical_graph(parse(text), "d")
    assert set(one) == set(two) and len(one) == 6001
    assert all(len(label) == 21 for label in labels(one))  # the linear labels


def test_a_graph_without_blank_nodes_is_returned_as_it_is() -> None:
    graph = parse("<http://example.org/a> <http://example.org/p> 1 .")
    assert canonical_graph(graph, "d") is graph
