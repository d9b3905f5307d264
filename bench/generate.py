"""Deterministic synthetic graphs of the curated graph's shape, for the curation benchmark.

The curated data is copied k times: copy 0 keeps its IRIs, copy i renames every `id:` IRI
`id:x` to `id:c{i}-x`, every blank node, and tags every language-tagged string with
` (copy i)`, so labels stay unique and every shape targets k times as many nodes. The `id:` IRIs
the shapes name (controlled vocabularies) are shared by every copy. Two outputs:

- a source tree (`--out DIR`): `ontology/` and `shapes/` copied, `data/` holding copies 0..k-1
  in the curated file split, for timing `netkg validate` and a fully validated `netkg build`;
- a bulk file (`--bulk FILE.nt|FILE.nq`): copies 1..k only, as N-Triples or N-Quads (in the data
  graph), for `netkg build --bulk FILE` on top of the curated tree, which holds copy 0.

The same arguments always give the same bytes. Each copy is one `str.format` of a template made
once, so ten million triples take seconds, not minutes.

    uv run python bench/generate.py --triples 100000 --out bench/out/synthetic-100000
    uv run python bench/generate.py --triples 1000000 --bulk bench/out/bulk-1000000.nt
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.term import Node

ROOT = Path(__file__).resolve().parent.parent
ID = "https://w3id.org/netkg/id/"
DATA_GRAPH = "https://w3id.org/netkg/graph/data"


def _shared(source: Path) -> set[Node]:
    """`id:` IRIs the shapes name (allowed values, schemes): a controlled vocabulary that every
    copy shares rather than duplicates, so the copies conform exactly as the original does."""
    shapes = Graph()
    for path in sorted((source / "shapes").glob("*.ttl")):
        shapes.parse(path, format="turtle")
    terms = {t for triple in shapes for t in triple}
    return {t for t in terms if isinstance(t, URIRef) and str(t).startswith(ID)}


def _data_files(source: Path) -> list[tuple[str, list[tuple[Node, Node, Node]]]]:
    """Each data file's triples, blank nodes canonically labelled (a parse gives random ones,
    the output must not) and sorted, so the output is byte-stable."""
    files = []
    for path in sorted((source / "data").glob("*.ttl")):
        graph = to_canonical_graph(Graph().parse(path, format="turtle"))
        files.append((path.name, sorted(graph, key=lambda t: (t[0].n3(), t[1].n3(), t[2].n3()))))
    return files


def _escape(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def _nt(term: Node) -> str:
    """`term` in N-Triples, as pyoxigraph writes it (rdflib's `n3()` may use long quotes)."""
    if isinstance(term, URIRef):
        return str(ox.NamedNode(str(term)))
    if isinstance(term, BNode):
        return f"_:{term}"
    assert isinstance(term, Literal)
    if term.language:
        return str(ox.Literal(str(term), language=term.language))
    datatype = ox.NamedNode(str(term.datatype)) if term.datatype is not None else None
    return str(ox.Literal(str(term), datatype=datatype))


_MARK = "\ue000"  # a private-use character: written as is, never in the curated text


def _template(term: Node, shared: set[Node]) -> str:
    """`term` of copy {0} in N-Triples, as a format string (`{0}` is the copy number)."""
    if isinstance(term, URIRef) and str(term).startswith(ID) and term not in shared:
        return _escape(f"<{ID}c") + "{0}-" + _escape(_nt(term)[len(ID) + 1 :])
    if isinstance(term, BNode):
        renamed = BNode(f"{term}c{_MARK}")
    elif isinstance(term, Literal) and term.language:
        renamed = Literal(f"{term} (copy {_MARK})", lang=term.language)
    else:
        renamed = term
    return _escape(_nt(renamed)).replace(_MARK, "{0}")


def _copy_template(triples: list[tuple[Node, Node, Node]], shared: set[Node], end: str) -> str:
    """One copy of `triples` as a format string; copies i >= 1 skip the shared subjects."""
    lines = []
    for s, p, o in triples:
        if s in shared:
            continue  # described once, by copy 0
        lines.append(f"{_template(s, shared)} {_template(p, shared)} {_template(o, shared)}{end}")
    return "".join(lines)


def _copies(total: int, ontology: int, per_copy: int) -> int:
    if per_copy == 0:
        raise SystemExit("the curated data has no triples to copy")
    return max(1, -(-(total - ontology) // per_copy))


def _ontology_triples(source: Path) -> int:
    return sum(len(Graph().parse(p)) for p in sorted((source / "ontology").glob("*.ttl")))


def generate(triples: int, out: Path, source: Path = ROOT) -> int:
    """Write the source tree `out/{ontology,data,shapes}` with about `triples` triples; return
    the exact count (copy 0 in full, the others without the shared subjects)."""
    files = _data_files(source)
    shared = _shared(source)
    ontology = _ontology_triples(source)
    copies = _copies(triples, ontology, sum(len(t) for _, t in files))
    if out.exists():
        shutil.rmtree(out)
    for folder in ("ontology", "shapes"):
        if (source / folder).is_dir():
            shutil.copytree(source / folder, out / folder)
    (out / "data").mkdir(parents=True)
    written = 0
    for name, data in files:
        template = _copy_template(data, shared, " .\n")
        with open(out / "data" / name, "w", encoding="utf-8", newline="\n") as handle:
            # copy 0 as it is; N-Triples lines are Turtle too
            handle.write("".join(f"{_nt(s)} {_nt(p)} {_nt(o)} .\n" for s, p, o in data))
            for copy in range(1, copies):
                handle.write(template.format(copy))
        written += len(data) + (copies - 1) * template.count("\n")
    return ontology + written


def generate_bulk(triples: int, out: Path, source: Path = ROOT) -> int:
    """Write copies 1..k as one N-Triples (`.nt`) or N-Quads (`.nq`, the data graph) file, so
    that the curated tree (copy 0) plus the file hold about `triples` triples; return how many
    the file holds."""
    if out.suffix not in (".nt", ".nq"):
        raise SystemExit(f"{out}: name the bulk file .nt or .nq")
    files = _data_files(source)
    shared = _shared(source)
    ontology = _ontology_triples(source)
    data = [t for _, part in files for t in part]
    copies = _copies(triples, ontology, len(data))
    end = f" <{DATA_GRAPH}> .\n" if out.suffix == ".nq" else " .\n"
    template = _copy_template(data, shared, end)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8", newline="\n") as handle:
        for copy in range(1, copies):
            handle.write(template.format(copy))
    return (copies - 1) * template.count("\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, required=True, help="about how many triples")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--out", type=Path, help="source tree folder to (re)create")
    target.add_argument("--bulk", type=Path, help="N-Triples (.nt) or N-Quads (.nq) file to write")
    parser.add_argument("--source", type=Path, default=ROOT, help="the curated tree to copy")
    args = parser.parse_args(argv)
    if args.bulk is not None:
        count = generate_bulk(args.triples, args.bulk, args.source)
        print(f"{args.bulk}: {count} triples (plus the curated tree)")
    else:
        count = generate(args.triples, args.out, args.source)
        print(f"{args.out}: {count} triples")
    return 0


if __name__ == "__main__":
    sys.exit(main())
