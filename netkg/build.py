"""Write the release (`dist/`) that the service reads: the merged graph in several syntaxes.

Minimal first version; the release engineer extends it (validation, VoID/DCAT, atomic writes).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from pathlib import Path

from rdflib import Dataset, Graph, URIRef

BASE = "https://w3id.org/netkg/"
ONTOLOGY_GRAPH = URIRef(BASE + "graph/ontology")
DATA_GRAPH = URIRef(BASE + "graph/data")


def _parse_folder(folder: Path) -> Graph:
    graph = Graph()
    for path in sorted(folder.glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


def build_release(root: Path, out: Path) -> Path:
    """Build `out` from `root` (ontology/, data/); replace it only when complete."""
    ontology = _parse_folder(root / "ontology")
    data = _parse_folder(root / "data")
    merged = ontology + data
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".dist-", dir=out.parent))
    try:
        merged.serialize(tmp / "netkg.ttl", format="turtle")
        lines = sorted(set(merged.serialize(format="nt").splitlines()) - {""})
        (tmp / "netkg.nt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        dataset = Dataset()
        for graph_iri, graph in ((ONTOLOGY_GRAPH, ontology), (DATA_GRAPH, data)):
            named = dataset.graph(graph_iri)
            for triple in graph:
                named.add(triple)
        quads = sorted(set(dataset.serialize(format="nquads").splitlines()) - {""})
        (tmp / "netkg.nq").write_text("\n".join(quads) + "\n", encoding="utf-8")
        merged.serialize(tmp / "netkg.jsonld", format="json-ld")
        files = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(tmp.iterdir())}
        (tmp / "release.json").write_text(json.dumps({"files": files}, indent=2), encoding="utf-8")
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out
