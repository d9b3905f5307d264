"""The SHACL shapes in shapes/: every rule has a valid and an invalid fixture, tested one by one.

tests/fixtures/shapes/valid/<Shape>.ttl must conform to *all* shapes, with no result of any
severity; tests/fixtures/shapes/invalid/<Shape>.ttl must break nets:<Shape> (and only it), with the
severity that nets:<Shape> declares. A new shape without both fixtures fails
test_every_shape_has_fixtures.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import OWL, RDF, SH

ROOT = Path(__file__).resolve().parent.parent
SHAPES_DIR = ROOT / "shapes"
ONTOLOGY_DIR = ROOT / "ontology"
DATA_DIR = ROOT / "data"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "shapes"
NETS = Namespace("https://w3id.org/netkg/shapes#")

VALID = sorted((FIXTURES / "valid").glob("*.ttl"))
INVALID = sorted((FIXTURES / "invalid").glob("*.ttl"))


def _parse(paths: Iterable[Path]) -> Graph:
    graph = Graph()
    for path in paths:
        graph.parse(path, format="turtle")
    return graph


@cache
def shapes() -> Graph:
    return _parse(sorted(SHAPES_DIR.glob("*.ttl")))


@cache
def ontology() -> Graph:
    return _parse(sorted(ONTOLOGY_DIR.glob("*.ttl")))


@cache
def ontology_terms() -> Graph:
    """The ontology without its owl:Ontology header, whose creator and source live in data/.

    Fixtures are standalone: they need the ontology's terms (sh:targetClass follows
    rdfs:subClassOf) but must not inherit the header's references to data individuals.
    """
    full = ontology()
    terms = Graph()
    headers = set(full.subjects(RDF.type, OWL.Ontology))
    for triple in full:
        if triple[0] not in headers:
            terms.add(triple)
    return terms


def named_shapes() -> set[URIRef]:
    graph = shapes()
    found = set(graph.subjects(RDF.type, SH.NodeShape)) | set(
        graph.subjects(RDF.type, SH.PropertyShape)
    )
    return {s for s in found if isinstance(s, URIRef) and s.startswith(str(NETS))}


def results(data: Graph) -> list[tuple[URIRef, URIRef, str]]:
    """(sourceShape, severity, message) of every validation result.

    The data graph holds the ontology too (as the release's merged graph does): pyshacl's
    ont_graph only copies RDFS/OWL axioms, so skos:definition on terms would be invisible there.
    """
    _, report, _ = validate(data, shacl_graph=shapes(), inference="none", advanced=False)
    found = []
    # Top-level results only: pyshacl also types the nested results of sh:node as results.
    for result in report.objects(None, SH.result):
        found.append(
            (
                report.value(result, SH.sourceShape),
                report.value(result, SH.resultSeverity),
                f"{report.value(result, SH.focusNode)} {report.value(result, SH.resultMessage)}",
            )
        )
    return found


def _require_ontology() -> None:
    """The shapes target classes through the ontology, so it must be there."""
    assert list(ONTOLOGY_DIR.glob("*.ttl")), "ontology/*.ttl is missing"


def test_shapes_are_named_and_documented() -> None:
    graph = shapes()
    assert named_shapes(), "no named shapes in shapes/"
    for shape in sorted(named_shapes()):
        assert graph.value(shape, SH.severity) in {SH.Violation, SH.Warning, SH.Info}, shape
        message = graph.value(shape, SH.message)
        assert message is not None and message.language == "en", f"{shape} needs sh:message@en"
        assert graph.value(shape, URIRef("http://www.w3.org/2000/01/rdf-schema#comment")), shape


def test_every_shape_has_fixtures() -> None:
    names = {shape.removeprefix(str(NETS)) for shape in named_shapes()}
    assert {p.stem for p in VALID} == names, "valid fixtures and shapes differ"
    assert {p.stem for p in INVALID} == names, "invalid fixtures and shapes differ"


@pytest.mark.parametrize("path", VALID, ids=[p.stem for p in VALID])
def test_valid_fixture_conforms(path: Path) -> None:
    _require_ontology()
    found = results(_parse([path]) + ontology_terms())
    assert found == [], "\n".join(f"{s} {sev} {m}" for s, sev, m in found)


@pytest.mark.parametrize("path", INVALID, ids=[p.stem for p in INVALID])
def test_invalid_fixture_fails_with_its_shape(path: Path) -> None:
    _require_ontology()
    shape = NETS[path.stem]
    assert shape in named_shapes(), f"no shape nets:{path.stem} for {path.name}"
    found = results(_parse([path]) + ontology_terms())
    assert {s for s, _, _ in found} == {shape}, "\n".join(f"{s} {sev} {m}" for s, sev, m in found)
    severity = shapes().value(shape, SH.severity)
    assert {sev for _, sev, _ in found} == {severity}


def test_curated_graph_has_no_violation() -> None:
    """ontology/ + data/ conform: no sh:Violation (warnings are reported, not failed), and fast."""
    _require_ontology()
    data_files = sorted(DATA_DIR.glob("*.ttl"))
    assert data_files, "data/*.ttl is missing"
    data = _parse(data_files) + ontology()
    start = time.perf_counter()
    found = results(data)
    elapsed = time.perf_counter() - start
    violations = [f"{s} {m}" for s, sev, m in found if sev == SH.Violation]
    assert violations == [], "\n".join(sorted(violations))
    # About 0.4 s on a busy 2-core machine; a SHACL-SPARQL shape run per focus node would cost
    # 10-25 s (pyshacl parses the query again for each), which this bound catches.
    assert elapsed < 10.0, f"validation took {elapsed:.2f}s"
