"""Canonical blank-node labels: the one hasher behind fmt's canonical Turtle and the release.

A blank node has no name of its own: two parses of one file label it differently, so writing the
same bytes every time (fmt's files, the release's sorted N-Triples and its validation report)
needs labels computed from the graph. The fast way is linear: when no blank node is in a cycle
(the `[ … ]` trees and lists curators write, SHACL results), a node is named by a hash of what it
says (its predicates and objects, blank ones by their own content) and of where it hangs (its
parents' names and the predicates that lead to it). Two nodes equal in both are interchangeable
when no blank node is shared (a forest), and are numbered; otherwise, and for cycles, rdflib's
general canonicalisation (`to_canonical_graph`, super-linear in the number of blank nodes) decides.

>>> from rdflib import Graph
>>> a = Graph().parse(data="<urn:x> <urn:p> [ <urn:q> 1 ] .", format="turtle")
>>> b = Graph().parse(data="<urn:x> <urn:p> _:other . _:other <urn:q> 1 .", format="turtle")
>>> set(canonical_graph(a, "b")) == set(canonical_graph(b, "b"))
True
"""

from __future__ import annotations

import hashlib
from collections import Counter

from rdflib import BNode, Graph
from rdflib.compare import to_canonical_graph
from rdflib.term import Node

__all__ = ["canonical_graph"]


def canonical_graph(graph: Graph, prefix: str) -> Graph:
    """`graph` with every blank node labelled from the graph (`prefix` + a hash), so equal graphs
    get equal labels; `prefix` keeps the labels of graphs merged later apart. The namespace
    bindings are kept; a graph without blank nodes is returned as it is."""
    if not any(isinstance(term, BNode) for triple in graph for term in triple):
        return graph
    names = _tree_names(graph, prefix)
    result = Graph(bind_namespaces="none")
    for bound, namespace in graph.namespace_manager.namespaces():
        result.bind(bound, namespace)
    if names is None:
        canonical = to_canonical_graph(graph)
        names = {
            t: BNode(prefix + t) for triple in canonical for t in triple if isinstance(t, BNode)
        }
        graph = canonical

    def relabel(term: Node) -> Node:
        return names[term] if isinstance(term, BNode) else term

    result.addN((relabel(s), relabel(p), relabel(o), result) for s, p, o in graph)
    return result


def _tree_names(graph: Graph, prefix: str) -> dict[Node, BNode] | None:
    """The linear labels described above, or None where they would not be canonical."""
    outgoing: dict[Node, list[tuple[Node, Node]]] = {}
    incoming: dict[Node, list[tuple[Node, Node]]] = {}
    for s, p, o in graph:
        if isinstance(s, BNode):
            outgoing.setdefault(s, []).append((p, o))
            incoming.setdefault(s, [])
        if isinstance(o, BNode):
            incoming.setdefault(o, []).append((s, p))
            outgoing.setdefault(o, [])
    order = _children_first(outgoing)
    if order is None:
        return None
    content: dict[Node, str] = {}
    for node in order:
        parts = sorted(
            f"{p.n3()} [{content[o]}]" if isinstance(o, BNode) else f"{p.n3()} {o.n3()}"
            for p, o in outgoing[node]
        )
        content[node] = hashlib.sha256("\n".join(parts).encode()).hexdigest()
    shared = any(len(parents) > 1 for parents in incoming.values())
    names: dict[Node, BNode] = {}
    seen: Counter[str] = Counter()
    for node in reversed(order):  # parents first
        where = sorted(
            f"{names[s] if isinstance(s, BNode) else s.n3()} {p.n3()}" for s, p in incoming[node]
        )
        key = f"{' | '.join(where) or ' '} {content[node]}"
        seen[key] += 1
        if seen[key] > 1 and shared:  # numbering equal nodes is canonical only in a forest
            return None
        names[node] = BNode(prefix + hashlib.sha256(f"{key} {seen[key]}".encode()).hexdigest()[:20])
    return names


def _children_first(outgoing: dict[Node, list[tuple[Node, Node]]]) -> list[Node] | None:
    """The blank nodes, each after the blank nodes it points to; None for a cycle. Iterative, so
    a long list (`rdf:rest` after `rdf:rest`) is no deeper than a short one."""
    order: list[Node] = []
    done: dict[Node, bool] = {}  # False while a node's children are being visited
    for start in outgoing:
        if start in done:
            continue
        done[start] = False
        stack = [(start, iter(outgoing[start]))]
        while stack:
            node, pending = stack[-1]
            for _p, child in pending:
                if not isinstance(child, BNode):
                    continue
                if child not in done:
                    done[child] = False
                    stack.append((child, iter(outgoing[child])))
                    break
                if not done[child]:
                    return None
            else:
                stack.pop()
                done[node] = True
                order.append(node)
    return order
