"""The release's SSSOM mapping set: SSSOM tools read and validate it, and it holds exactly the
graph's mappings, field by field, as the release's own graph says them."""

from __future__ import annotations

import hashlib
import json
import warnings
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, URIRef

from netkg.config import Settings
from netkg.release.mapping_set import FILE_NAME, MAPPING_SET_ID
from netkg.web.app import create_app

ROOT = Path(__file__).parent.parent
SPDX = "http://spdx.org/rdf/terms#"
DCAT_MEDIA_TYPE = URIRef("http://www.w3.org/ns/dcat#mediaType")

with warnings.catch_warnings():
    # sssom 0.4.21 sets a pandas option that pandas 3 deprecates, when it is imported
    warnings.simplefilter("ignore")
    from sssom.constants import SchemaValidationType
    from sssom.parsers import parse_sssom_table
    from sssom.util import MappingSetDataFrame
    from sssom.validators import validate
    from sssom_schema import MappingSet

# Every mapping the graph asserts (a skos:*Match from a netkg concept to another vocabulary)
# with the axiom that records it. Written here independently of
# netkg/release/queries/terminology/mappings.rq.
GRAPH_MAPPINGS = """
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX sssom: <https://w3id.org/sssom/>
SELECT ?s ?p ?o ?justification ?label ?author ?date ?version ?confidence WHERE {
  VALUES ?p { skos:exactMatch skos:closeMatch skos:broadMatch skos:narrowMatch skos:relatedMatch }
  ?s ?p ?o .
  FILTER(STRSTARTS(STR(?s), "https://w3id.org/netkg/id/"))
  FILTER(!STRSTARTS(STR(?o), "https://w3id.org/netkg/id/"))
  OPTIONAL {
    ?axiom owl:annotatedSource ?s ; owl:annotatedProperty ?p ; owl:annotatedTarget ?o ;
      sssom:mapping_justification ?justification .
    OPTIONAL { ?axiom sssom:object_label ?label }
    OPTIONAL { ?axiom sssom:author_id ?author }
    OPTIONAL { ?axiom sssom:mapping_date ?date }
    OPTIONAL { ?axiom sssom:object_source_version ?version }
    OPTIONAL { ?axiom sssom:confidence ?confidence }
  }
}
"""


@pytest.fixture(scope="module")
def mapping_set(dist: Path) -> MappingSetDataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sssom logs/warns about propagating mapping_date
        return parse_sssom_table(dist / FILE_NAME)


def _graph_rows(dist: Path) -> list[dict[str, Any]]:
    store = ox.Store()
    store.load(path=dist / "netkg.nt", format=ox.RdfFormat.N_TRIPLES)
    solutions = store.query(GRAPH_MAPPINGS)
    assert isinstance(solutions, ox.QuerySolutions)
    names = [v.value for v in solutions.variables]
    return [{n: (s[n].value if s[n] is not None else None) for n in names} for s in solutions]


def test_sssom_parses_and_validates(dist: Path, mapping_set: MappingSetDataFrame) -> None:
    # strict=True can't be used: sssom 0.4.21 inverts its own metadata check and rejects every
    # file in strict mode. The schema check below covers the same ground: MappingSet() refuses
    # a metadata key that is not a mapping-set slot.
    reports = validate(
        mapping_set,
        [
            SchemaValidationType.JsonSchema,
            SchemaValidationType.PrefixMapCompleteness,
            SchemaValidationType.StrictCurieFormat,
        ],
        fail_on_error=False,
    )
    assert {kind: report.results for kind, report in reports.items()} == {
        kind: [] for kind in reports
    }
    metadata = dict(mapping_set.metadata)
    MappingSet(**{k: v for k, v in metadata.items() if k != "curie_map"})
    built = json.loads((dist / "release.json").read_text())["built"]
    assert metadata["mapping_set_id"] == MAPPING_SET_ID
    assert metadata["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert metadata["mapping_set_version"] == "0.1.0"
    assert str(metadata["mapping_date"]) == built[:10]
    assert set(mapping_set.converter.prefix_map) >= {"id", "NCIT", "MONDO", "mesh", "sct", "icdo"}
    with pytest.raises(TypeError):
        MappingSet(**metadata, not_a_slot="x")  # the schema check above can fail


def test_sssom_holds_exactly_the_graphs_mappings(
    dist: Path, mapping_set: MappingSetDataFrame
) -> None:
    expand = mapping_set.converter.expand
    rows = mapping_set.df.to_dict("records")
    in_file = {
        (expand(r["subject_id"]), expand(r["predicate_id"]), expand(r["object_id"])): r
        for r in rows
    }
    assert len(in_file) == len(rows), "a mapping is listed twice"
    graph = {(g["s"], g["p"], g["o"]): g for g in _graph_rows(dist)}
    assert len(graph) > 50
    assert set(in_file) == set(graph)
    for key, row in in_file.items():
        said = graph[key]
        assert expand(row["mapping_justification"]) == said["justification"], key
        assert (row.get("object_label") or None) == said["label"], key
        assert [expand(a) for a in str(row["author_id"]).split("|")] == [said["author"]], key
        assert str(row["mapping_date"]) == said["date"], key
        assert row["object_source_version"] == said["version"], key
        assert row["subject_source_version"] == "0.1.0"
        if said["confidence"] is None:
            assert "confidence" not in row or row["confidence"] != row["confidence"], key  # NaN
        else:
            assert row["confidence"] == pytest.approx(float(said["confidence"])), key


def test_sssom_is_listed_with_its_checksum(dist: Path) -> None:
    sha = hashlib.sha256((dist / FILE_NAME).read_bytes()).hexdigest()
    assert json.loads((dist / "release.json").read_text())["files"][FILE_NAME] == sha
    void = Graph().parse(dist / "void.ttl")
    distribution = URIRef("https://w3id.org/netkg/void#distribution-" + FILE_NAME)
    assert str(void.value(distribution, DCAT_MEDIA_TYPE)) == "text/tab-separated-values"
    checksum = void.value(distribution, URIRef(SPDX + "checksum"))
    assert str(void.value(checksum, URIRef(SPDX + "checksumValue"))) == sha
    with TestClient(create_app(Settings(dist=dist, workers=1))) as client:
        listing = client.get("/download/", headers={"accept": "application/json"}).json()
        assert {"name": FILE_NAME, "sha256": sha} in [
            {"name": f["name"], "sha256": f["sha256"]} for f in listing["files"]
        ]
        response = client.get(f"/download/{FILE_NAME}")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/tab-separated-values")
        assert hashlib.sha256(response.content).hexdigest() == sha
