"""`netkg diff OLD NEW`: the statements added and removed between two releases or source trees,
grouped by subject and labelled, as text, Markdown (a pull-request comment) or JSON.

Blank nodes are compared by structure (rdflib.compare), so re-serialising a file changes nothing.

>>> d = diff_paths(Path("tests/fixtures/release/src"), Path("tests/fixtures/release/src"))
>>> d.added, d.removed
(0, 0)
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import RDFS, Graph, Literal, URIRef
from rdflib.compare import graph_diff, to_isomorphic
from rdflib.namespace import SKOS, NamespaceManager
from rdflib.term import Node

from netkg.errors import SourceError
from netkg.labels import pick_literal
from netkg.prefixes import BASE, PREFIXES

__all__ = [
    "FORMATS",
    "Change",
    "Diff",
    "diff_graphs",
    "diff_paths",
    "is_release",
    "load_graph",
    "render",
]

FORMATS = ("text", "markdown", "json")


#: The release's curated named graphs: what a source tree becomes (docs/model.md).
CURATED_GRAPHS = tuple(URIRef(f"{BASE}graph/{g}") for g in ("ontology", "data"))


def is_release(path: Path) -> bool:
    return path.is_dir() and (path / "release.json").is_file()


def _curated_lines(nquads: Path) -> str:
    """The curated graphs' triples of a release's netkg.nq, as N-Triples: one quad a line
    (docs/model.md), so a line is a triple and its graph name."""
    ends = tuple(f" {name.n3()} ." for name in CURATED_GRAPHS)
    lines = nquads.read_text(encoding="utf-8").splitlines()
    return "".join(
        line[: -len(end)] + " .\n" for line in lines for end in ends if line.endswith(end)
    )


def load_graph(path: Path, *, curated_only: bool = False) -> Graph:
    """The graph at `path`: a release folder's netkg.nt (curated graphs and the named-query
    examples; with `curated_only`, just its curated graphs from netkg.nq), a source tree's
    ontology/ and data/ (the curated part), or one RDF file."""
    graph = Graph(bind_namespaces="none")
    try:
        if is_release(path) and curated_only:
            graph.parse(data=_curated_lines(path / "netkg.nq"), format="nt")
        elif is_release(path):
            graph.parse(path / "netkg.nt", format="nt")
        elif path.is_dir():
            from netkg.curate.load import load_sources

            return load_sources(path).merged
        elif path.is_file():
            graph.parse(path, format="nt" if path.suffix == ".nt" else None)
        else:
            raise SourceError(f"{path}: no such file or folder")
    except SourceError:
        raise
    except Exception as error:  # rdflib raises many kinds for unreadable input
        raise SourceError(f"{path}: cannot read it as RDF: {error}") from error
    return graph


@dataclass
class Change:
    """One subject's added and removed (predicate, object) pairs."""

    subject: Node
    label: str | None
    added: list[tuple[Node, Node]] = field(default_factory=list)
    removed: list[tuple[Node, Node]] = field(default_factory=list)


@dataclass
class Diff:
    old: str
    new: str
    changes: list[Change]
    compared: str = ""  # what was compared with what, when not the same kind of thing

    @property
    def added(self) -> int:
        return sum(len(c.added) for c in self.changes)

    @property
    def removed(self) -> int:
        return sum(len(c.removed) for c in self.changes)

    def __bool__(self) -> bool:
        return bool(self.changes)


def _label(graph: Graph, subject: Node) -> str | None:
    """The subject's preferred label (else rdfs:label), untagged or English first."""
    for predicate in (SKOS.prefLabel, RDFS.label):
        labels = (o for o in graph.objects(subject, predicate) if isinstance(o, Literal))
        found = pick_literal(sorted(labels, key=lambda o: (str(o.language), str(o))), None)
        if found is not None:
            return str(found)
    return None


def diff_graphs(
    old: Graph, new: Graph, *, old_name: str = "old", new_name: str = "new", compared: str = ""
) -> Diff:
    """Statements only in `old` (removed) and only in `new` (added), by subject."""
    _, only_old, only_new = graph_diff(to_isomorphic(old), to_isomorphic(new))
    changes: dict[Node, Change] = {}
    for graph, attr in ((only_old, "removed"), (only_new, "added")):
        for s, p, o in graph:
            change = changes.get(s)
            if change is None:
                change = Change(s, _label(new, s) or _label(old, s))
                changes[s] = change
            getattr(change, attr).append((p, o))
    ordered = sorted(
        changes.values(), key=lambda c: (not isinstance(c.subject, URIRef), str(c.subject))
    )
    for change in ordered:
        change.added.sort(key=lambda po: (str(po[0]), po[1].n3()))
        change.removed.sort(key=lambda po: (str(po[0]), po[1].n3()))
    return Diff(old_name, new_name, ordered, compared)


def diff_paths(old: Path, new: Path) -> Diff:
    """Compare like with like: two releases in full; a release and a source tree by the
    release's curated graphs (ontology, data), since a source tree has no generated part."""
    mixed = is_release(old) != is_release(new)
    if mixed:
        compared = "the release's curated graphs, ontology and data, with the sources"
    elif is_release(old):
        compared = "both releases' curated graphs and named-query examples; VoID left out"
    else:
        compared = ""
    return diff_graphs(
        load_graph(old, curated_only=mixed),
        load_graph(new, curated_only=mixed),
        old_name=str(old),
        new_name=str(new),
        compared=compared,
    )


def _namespaces() -> NamespaceManager:
    manager = NamespaceManager(Graph(bind_namespaces="none"), bind_namespaces="none")
    for prefix, namespace in PREFIXES.items():
        manager.bind(prefix, namespace)
    return manager


def _summary(d: Diff) -> str:
    if not d:
        return "no changes"
    return f"+{d.added} -{d.removed} statements in {len(d.changes)} subject(s)"


def render(d: Diff, fmt: str) -> str:
    """The diff as `text`, `markdown` or `json` (terms in N-Triples form)."""
    ns = _namespaces()

    def show(term: Node) -> str:
        return str(term.n3(ns))

    if fmt == "json":
        document: dict[str, Any] = {
            "old": d.old,
            "new": d.new,
            "compared": d.compared or None,
            "added": d.added,
            "removed": d.removed,
            "subjects": [
                {
                    "subject": c.subject.n3(),
                    "label": c.label,
                    "added": [[p.n3(), o.n3()] for p, o in c.added],
                    "removed": [[p.n3(), o.n3()] for p, o in c.removed],
                }
                for c in d.changes
            ],
        }
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if fmt == "markdown":
        lines = [f"### netkg diff: {_summary(d)}", ""]
        lines.append(f"`{d.old}` → `{d.new}`" + (f" ({d.compared})" if d.compared else ""))
        for c in d.changes:
            title = f"`{show(c.subject)}`" + (f" — {c.label}" if c.label else "")
            lines += ["", f"#### {title}", "", "```diff"]
            lines += [f"- {show(p)} {show(o)}" for p, o in c.removed]
            lines += [f"+ {show(p)} {show(o)}" for p, o in c.added]
            lines.append("```")
        return "\n".join(lines) + "\n"
    if fmt != "text":
        raise ValueError(f"unknown format {fmt!r}")
    lines = [f"{d.old} → {d.new}: {_summary(d)}" + (f" ({d.compared})" if d.compared else "")]
    for c in d.changes:
        lines += ["", show(c.subject) + (f"  ({c.label})" if c.label else "")]
        lines += [f"  - {show(p)} {show(o)}" for p, o in c.removed]
        lines += [f"  + {show(p)} {show(o)}" for p, o in c.added]
    return "\n".join(lines) + "\n"
