"""What a netkg IRI dereferences to: its description graph, fetched with one SPARQL CONSTRUCT.

A description is the resource's own triples (with any blank-node structure under them), the labels
of the things it links to (so a reader needs no second request), the things that link to it, and
the mapping axioms (`owl:Axiom` with `owl:annotatedSource`) about it. It goes through the Store, so
the same code works on the embedded and the remote store.

It also turns a description into every representation the service offers: Turtle, N-Triples,
RDF/XML, JSON-LD compacted with netkg's `@context`, and the view model an HTML page shows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
from pyld import jsonld

from netkg import queries
from netkg.labels import pick, pick_literal
from netkg.prefixes import PREFIXES, curie
from netkg.release.context import pyld_dataset
from netkg.store import Store
from netkg.store.guard import inline_terms
from netkg.store.results import limited_triples, used_prefixes

__all__ = [
    "ONTOLOGY_GRAPH",
    "Description",
    "Graph",
    "Value",
    "describe",
    "graph_query",
    "ontology_graph",
    "ontology_view",
    "own_triples",
    "serialise",
]

RDF = PREFIXES["rdf"]
RDFS = PREFIXES["rdfs"]
OWL = PREFIXES["owl"]
SKOS = PREFIXES["skos"]
XSD = PREFIXES["xsd"]
SSSOM = PREFIXES["sssom"]
DCTERMS = PREFIXES["dcterms"]
ONTOLOGY_GRAPH = "https://w3id.org/netkg/graph/ontology"

TURTLE = "text/turtle"
N_TRIPLES = "application/n-triples"
RDF_XML = "application/rdf+xml"
JSON_LD = "application/ld+json"

Term = ox.NamedNode | ox.BlankNode | ox.Literal


def _key(term: object) -> tuple[int, str]:
    kind = 0 if isinstance(term, ox.NamedNode) else 1 if isinstance(term, ox.BlankNode) else 2
    return kind, str(term)


@dataclass(frozen=True)
class Description:
    """The description graph of `iri`, triples sorted so that its bytes are deterministic."""

    iri: str
    triples: tuple[ox.Triple, ...]

    @classmethod
    def of(cls, iri: str, triples: Iterable[ox.Triple]) -> Description:
        ordered = sorted(
            set(triples),
            key=lambda t: (
                str(t.subject) != f"<{iri}>",
                _key(t.subject),
                str(t.predicate),
                _key(t.object),
            ),
        )
        return cls(iri, tuple(ordered))

    def __bool__(self) -> bool:
        return bool(self.triples)


def own_triples(
    store: Store, sparql: str, substitutions: Mapping[str, Term] | None = None
) -> list[ox.Triple]:
    """The triples of netkg's own CONSTRUCT (trusted: it runs in the serving process), typed and
    counted against the store's row limit, as a served graph is."""
    result = store.execute(sparql, substitutions=substitutions, trusted=True)
    assert not isinstance(result, ox.QuerySolutions | ox.QueryBoolean)
    return limited_triples(result, store.max_rows)


def describe(store: Store, iri: str) -> Description:
    """The description of `iri` (empty when the graph says nothing about it): `describe.rq`, the
    IRI written in as a validated term (`inline_terms`: 1.3 ms at 1M triples instead of 480 ms
    as a substitution)."""
    sparql = inline_terms(queries.text(__name__, "describe"), {"s": ox.NamedNode(iri)})
    return Description.of(iri, own_triples(store, sparql))


def graph_query(graph: str) -> str:
    """The CONSTRUCT of every triple of the named graph `graph` (`graph.rq`)."""
    return inline_terms(queries.text(__name__, "graph"), {"graph": ox.NamedNode(graph)})


def ontology_graph(store: Store, iri: str) -> Description:
    """The whole ontology (the release's ontology graph, docs/model.md), as the description of
    the ontology document `iri`."""
    return Description.of(iri, own_triples(store, graph_query(ONTOLOGY_GRAPH)))


# --- representations --------------------------------------------------------------------------


def serialise(description: Description, media_type: str, context: Mapping[str, Any]) -> bytes:
    """`description` in one of the RDF media types; JSON-LD is compacted with `context`."""
    if media_type == JSON_LD:
        return _jsonld(description, context)
    fmt = ox.RdfFormat.from_media_type(media_type)
    if fmt is None:
        raise ValueError(f"not an RDF media type: {media_type}")
    readable = fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML)
    prefixes = used_prefixes(description.triples) if readable else None
    body = ox.serialize(description.triples, format=fmt, prefixes=prefixes)
    assert body is not None
    return body


def _jsonld(description: Description, context: Mapping[str, Any]) -> bytes:
    expanded = jsonld.from_rdf(pyld_dataset(description.triples), {})
    inner = context.get("@context", context)
    compacted = jsonld.compact(expanded, {"@context": inner}, {"graph": False})
    text = json.dumps(compacted, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return text.encode("utf-8")


# --- the view an HTML page shows --------------------------------------------------------------


@dataclass(frozen=True)
class Value:
    """One object of a statement as a page shows it: a link (with label) or a literal."""

    text: str
    iri: str | None = None  # set for IRIs
    lang: str | None = None
    datatype: str | None = None  # set for typed literals other than xsd:string
    members: tuple[Value, ...] = ()  # an RDF list or a blank node, summarised


@dataclass
class Labels:
    """The best label of each IRI in a description, by language, for people."""

    pref: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def of(cls, triples: Iterable[ox.Triple]) -> Labels:
        found: dict[str, dict[str, dict[str, str]]] = {}
        for t in triples:
            p = t.predicate.value
            if p not in (SKOS + "prefLabel", RDFS + "label"):
                continue
            if not isinstance(t.subject, ox.NamedNode) or not isinstance(t.object, ox.Literal):
                continue
            lang = t.object.language or ""
            found.setdefault(t.subject.value, {}).setdefault(p, {}).setdefault(lang, t.object.value)
        labels = cls()
        for iri, by_property in found.items():
            merged = dict(by_property.get(RDFS + "label", {}))
            merged.update(by_property.get(SKOS + "prefLabel", {}))  # prefLabel wins
            labels.pref[iri] = merged
        return labels

    def tagged(self, iri: str, lang: str) -> tuple[str, str | None] | None:
        """The label in `lang`, else English, else untagged, else any, with its language: a page
        marks a label that is not in its own language (see `_values.html`), never hides it."""
        found = pick(self.pref.get(iri, {}).items(), lang, lambda option: option[0])
        return (found[1], found[0] or None) if found else None

    def get(self, iri: str, lang: str) -> str | None:
        found = self.tagged(iri, lang)
        return found[0] if found else None

    def label(self, iri: str, lang: str) -> str:
        """The label, else a short name: `id:`/`net:` local name, a known CURIE, or the IRI."""
        return self.get(iri, lang) or short_name(iri)

    def value(self, iri: str, lang: str) -> Value:
        """The label as a link `Value`, with the language it is written in."""
        found = self.tagged(iri, lang)
        if found is None:
            return Value(short_name(iri), iri=iri)
        return Value(found[0], iri=iri, lang=found[1])


def short_name(iri: str) -> str:
    """`…/id/surgery` -> `surgery`; `https://schema.org/Chapter` -> `schema:Chapter`."""
    short = curie(iri)
    if short is None:
        return iri
    prefix, _, local = short.partition(":")
    if prefix in ("id", "net"):
        return local
    return short if local else iri


def local_name(iri: str) -> str:
    """`https://w3id.org/netkg/ontology#Treatment` -> `Treatment`; `…/id/a/b` -> `b`."""
    for sep in ("#", "/"):
        _, found, tail = iri.rstrip("/").rpartition(sep)
        if found and tail:
            return tail
    return iri


class Graph:
    """Index of a description's triples for templates: by subject, and the incoming links."""

    def __init__(self, triples: Sequence[ox.Triple]) -> None:
        self.triples = triples
        self.labels = Labels.of(triples)
        self.out: dict[str, dict[str, list[Term]]] = {}
        self.into: dict[str, dict[str, list[Term]]] = {}
        for t in triples:
            subject = t.subject.value if isinstance(t.subject, ox.NamedNode) else str(t.subject)
            self.out.setdefault(subject, {}).setdefault(t.predicate.value, []).append(
                t.object  # type: ignore[arg-type]
            )
            if isinstance(t.object, ox.NamedNode):
                self.into.setdefault(t.object.value, {}).setdefault(t.predicate.value, []).append(
                    t.subject  # type: ignore[arg-type]
                )

    def objects(self, subject: str, predicate: str) -> list[Term]:
        return self.out.get(subject, {}).get(predicate, [])

    def iris(self, subject: str, predicate: str) -> list[str]:
        return [o.value for o in self.objects(subject, predicate) if isinstance(o, ox.NamedNode)]

    def literals(self, subject: str, predicate: str) -> list[ox.Literal]:
        return [o for o in self.objects(subject, predicate) if isinstance(o, ox.Literal)]

    def text(self, subject: str, predicate: str, lang: str) -> str | None:
        chosen = pick_literal(self.literals(subject, predicate), lang)
        return chosen.value if chosen is not None else None

    def literal(self, subject: str, predicate: str, lang: str) -> Value | None:
        """Like `text`, with the language the chosen literal is written in."""
        chosen = pick_literal(self.literals(subject, predicate), lang)
        return Value(chosen.value, lang=chosen.language) if chosen is not None else None

    def value(self, term: Term, lang: str, depth: int = 0) -> Value:
        """A term as a page shows it; blank nodes (lists, class expressions) summarised."""
        if isinstance(term, ox.NamedNode):
            return self.labels.value(term.value, lang)
        if isinstance(term, ox.Literal):
            datatype = term.datatype.value
            shown = None if datatype in (XSD + "string", RDF + "langString") else datatype
            return Value(term.value, lang=term.language, datatype=shown)
        if depth > 5:
            return Value("…")
        key = str(term)
        items = self._list(key)
        if items is not None:
            return Value("list", members=tuple(self.value(i, lang, depth + 1) for i in items))
        for operator, word in (("unionOf", "one of"), ("intersectionOf", "all of")):
            listed = self.objects(key, OWL + operator)
            if listed:
                inner = self.value(listed[0], lang, depth + 1)
                return Value(word, members=inner.members)
        parts = tuple(
            Value(self.labels.label(p, lang), iri=p, members=(self.value(o, lang, depth + 1),))
            for p, objects in sorted(self.out.get(key, {}).items())
            for o in objects
        )
        return Value("", members=parts)

    def _list(self, key: str) -> list[Term] | None:
        items: list[Term] = []
        seen: set[str] = set()
        while key not in seen:
            seen.add(key)
            first = self.objects(key, RDF + "first")
            rest = self.objects(key, RDF + "rest")
            if not first or not rest:
                return None
            items.append(first[0])
            if isinstance(rest[0], ox.NamedNode) and rest[0].value == RDF + "nil":
                return items
            key = str(rest[0])
        return None


# --- the ontology, documented ------------------------------------------------------------------

#: Each kind of property and the anchor of its section (heading: UI string `ontology.<anchor>`).
PROPERTY_KINDS = (
    (OWL + "ObjectProperty", "object-properties"),
    (OWL + "DatatypeProperty", "datatype-properties"),
    (OWL + "AnnotationProperty", "annotation-properties"),
    (RDF + "Property", "other-properties"),
)


@dataclass
class TermView:
    """One class or property on the ontology page; `anchor` makes `ontology#Name` land on it."""

    iri: str
    anchor: str
    label: str
    definition: Value | None
    comment: Value | None
    parents: list[Value]  # rdfs:subClassOf / rdfs:subPropertyOf (external ones are alignments)
    equivalents: list[Value]
    children: list[Value] = field(default_factory=list)
    domain: list[Value] = field(default_factory=list)
    range: list[Value] = field(default_factory=list)
    inverse: list[Value] = field(default_factory=list)
    characteristics: list[str] = field(default_factory=list)
    deprecated: bool = False
    label_lang: str | None = None  # the language `label` is written in


def ontology_view(description: Description, lang: str) -> dict[str, Any]:
    """The ontology page's model: header, class tree (by rdfs:subClassOf), properties by kind."""
    iri = description.iri
    graph = Graph(description.triples)
    own = (iri + "#", iri + "/")

    def is_term(subject: str) -> bool:
        return subject.startswith(own)

    def values(subject: str, predicate: str) -> list[Value]:
        return [graph.value(o, lang) for o in graph.objects(subject, predicate)]

    def term(subject: str, parent: str, equivalent: str) -> TermView:
        anchor = subject[len(iri) + 1 :]
        label = graph.labels.value(subject, lang)
        return TermView(
            iri=subject,
            anchor=anchor,
            label=label.text,
            label_lang=label.lang,
            definition=graph.literal(subject, SKOS + "definition", lang),
            comment=graph.literal(subject, RDFS + "comment", lang),
            parents=values(subject, parent),
            equivalents=values(subject, equivalent),
            deprecated=any(o.value == "true" for o in graph.literals(subject, OWL + "deprecated")),
        )

    def typed(kind: str) -> list[str]:
        return sorted(
            s
            for s, props in graph.out.items()
            if is_term(s)
            and any(
                isinstance(o, ox.NamedNode) and o.value == kind for o in props.get(RDF + "type", [])
            )
        )

    classes: dict[str, TermView] = {}
    for c in typed(OWL + "Class") + typed(RDFS + "Class"):
        classes.setdefault(c, term(c, RDFS + "subClassOf", OWL + "equivalentClass"))
    children: dict[str, list[str]] = {}
    for c in classes:
        for parent in graph.iris(c, RDFS + "subClassOf"):
            if parent in classes:
                children.setdefault(parent, []).append(c)
    for c, kids in children.items():
        kids.sort(key=lambda k: classes[k].label.lower())
        classes[c].children = [
            Value(classes[k].label, iri=k, lang=classes[k].label_lang) for k in kids
        ]
    roots = sorted(
        (c for c in classes if not any(p in classes for p in graph.iris(c, RDFS + "subClassOf"))),
        key=lambda c: classes[c].label.lower(),
    )

    def tree(c: str, seen: frozenset[str]) -> dict[str, Any]:
        kids = [k for k in children.get(c, []) if k not in seen]
        return {"term": classes[c], "children": [tree(k, seen | {k}) for k in kids]}

    groups = []
    seen_props: set[str] = set()
    for kind, heading in PROPERTY_KINDS:
        views = []
        for prop in typed(kind):
            if prop in seen_props:
                continue
            seen_props.add(prop)
            view = term(prop, RDFS + "subPropertyOf", OWL + "equivalentProperty")
            view.domain = values(prop, RDFS + "domain")
            view.range = values(prop, RDFS + "range")
            view.inverse = values(prop, OWL + "inverseOf")
            view.characteristics = sorted(
                local_name(t) for t in graph.iris(prop, RDF + "type") if t != kind
            )
            views.append(view)
        if views:
            views.sort(key=lambda v: v.label.lower())
            groups.append((heading, views))
    return {
        "iri": iri,
        "title": graph.literal(iri, DCTERMS + "title", lang) or graph.labels.value(iri, lang),
        "description": graph.literal(iri, DCTERMS + "description", lang),
        "version": graph.text(iri, OWL + "versionInfo", lang),
        "version_iri": next(iter(graph.iris(iri, OWL + "versionIRI")), None),
        "license": values(iri, DCTERMS + "license"),
        "class_tree": [tree(c, frozenset({c})) for c in roots],
        "classes": sorted(classes.values(), key=lambda v: v.label.lower()),
        "property_groups": groups,
        "alternates": [
            (name, f"/ontology.{name}", media)
            for name, media in (
                ("ttl", TURTLE),
                ("jsonld", JSON_LD),
                ("nt", N_TRIPLES),
                ("rdf", RDF_XML),
            )
        ],
    }
