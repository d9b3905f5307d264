"""Deterministic synthetic source trees of the curated graph's shape, for the curation benchmark.

The curated data is copied k times: copy 0 keeps its IRIs, copy i renames every `id:` IRI
`id:x` to `id:c{i}-x`, every blank node, and tags every plain or language-tagged string with
` (copy i)`, so labels stay unique and every shape targets k times as many nodes. The ontology and
shapes are copied unchanged; the data keeps its file split (one file per curated file, holding all
its copies). The same arguments always give the same bytes.

    uv run python bench/generate.py --triples 100000 --out bench/out/synthetic-100000
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.term import Node

ROOT = Path(__file__).resolve().parent.parent
ID = "https://w3id.org/netkg/id/"


def _renamer(copy: int, shared: set[Node]):  # type: ignore[no-untyped-def]
    def rename(term: Node) -> Node:
        if copy == 0 or term in shared:
            return term
        if isinstance(term, URIRef) and str(term).startswith(ID):
            return URIRef(f"{ID}c{copy}-{str(term)[len(ID) :]}")
        if isinstance(term, BNode):
            return BNode(f"{term}c{copy}")
        if isinstance(term, Literal) and term.language:
            return Literal(f"{term} (copy {copy})", lang=term.language)
        return term

    return rename


def _shared(source: Path) -> set[Node]:
    """`id:` IRIs the shapes name (allowed values, schemes): a controlled vocabulary that every
    copy shares rather than duplicates, so the copies conform exactly as the original does."""
    shapes = Graph()
    for path in sorted((source / "shapes").glob("*.ttl")):
        shapes.parse(path, format="turtle")
    terms = {t for triple in shapes for t in triple}
    return {t for t in terms if isinstance(t, URIRef) and str(t).startswith(ID)}


def _data_files(source: Path) -> list[tuple[str, Graph]]:
    graphs: list[tuple[str, Graph]] = []
    for path in sorted((source / "data").glob("*.ttl")):
        # canonical blank-node labels: a parse gives random ones, the output must not
        graphs.append((path.name, to_canonical_graph(Graph().parse(path, format="turtle"))))
    return graphs


def generate(triples: int, out: Path, source: Path = ROOT) -> int:
    """Write `out/{ontology,data,shapes}` with about `triples` triples; return the exact count."""
    files = _data_files(source)
    shared = _shared(source)
    written = 0
    ontology = sum(len(Graph().parse(p)) for p in sorted((source / "ontology").glob("*.ttl")))
    per_copy = sum(len(graph) for _, graph in files)  # a little less: shared terms once
    if per_copy == 0:
        raise SystemExit(f"{source}/data has no triples to copy")
    copies = max(1, -(-(triples - ontology) // per_copy))
    if out.exists():
        shutil.rmtree(out)
    for folder in ("ontology", "shapes"):
        if (source / folder).is_dir():
            shutil.copytree(source / folder, out / folder)
    (out / "data").mkdir(parents=True)
    for name, graph in files:
        with open(out / "data" / name, "w", encoding="utf-8", newline="\n") as handle:
            triples = sorted(graph, key=lambda t: (t[0].n3(), t[1].n3(), t[2].n3()))
            for copy in range(copies):
                rename = _renamer(copy, shared)
                # N-Triples lines are Turtle too; sorted input keeps the output byte-stable
                for s, p, o in triples:
                    if copy and s in shared:
                        continue  # described once, by copy 0
                    handle.write(f"{rename(s).n3()} {p.n3()} {rename(o).n3()} .\n")
                    written += 1
    return ontology + written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, required=True, help="about how many triples")
    parser.add_argument("--out", type=Path, required=True, help="folder to (re)create")
    parser.add_argument("--source", type=Path, default=ROOT, help="the curated tree to copy")
    args = parser.parse_args(argv)
    count = generate(args.triples, args.out, args.source)
    print(f"{args.out}: {count} triples")
    return 0


if __name__ == "__main__":
    sys.exit(main())
