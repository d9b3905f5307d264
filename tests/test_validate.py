"""netkg.curate.validate: SHACL results and netkg's own checks, with file:line and a fix."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from curation_support import FIXTURES, bad, project
from rdflib import Graph
from rdflib.namespace import RDF, SH

from netkg.curate.validate import CHECKS, Finding, Report, validate_project
from netkg.errors import SourceError, ValidationFailed

__all__ = ["bad", "project"]  # fixtures used here


def only(report: Report, **match: object) -> Finding:
    found = [f for f in report.findings if all(getattr(f, k) == v for k, v in match.items())]
    assert len(found) == 1, (match, report.findings)
    return found[0]


def test_the_good_fixture_conforms(project: Path) -> None:
    report = validate_project(project)
    assert report.findings == []
    assert report.conforms and report.exit_code == 0
    assert report.counts == {"Error": 0, "Violation": 0, "Warning": 0, "Info": 0}
    assert report.files == ["ontology/netkg.ttl", "data/treatments.ttl", "shapes/shapes.ttl"]
    assert (None, SH.conforms, None) in report.results_graph
    assert report.summary().startswith("ok: 0 violation(s)")


def test_shacl_violation_has_file_line_focus_path_value_shape_and_message(bad: Path) -> None:
    report = validate_project(bad)
    f = only(report, shape="netsh:TreatmentPrefLabel", focus="id:drug-therapy")
    assert (f.file, f.line) == ("data/drugs.ttl", 7)
    assert f.severity == "Violation" and f.check == "shacl"
    assert f.path == "skos:prefLabel" and f.value == '"Drug therapy"'
    assert f.message.startswith("Give exactly one skos:prefLabel with a language tag")
    assert not report.conforms and report.exit_code == 1


def test_a_missing_value_points_at_the_subject(bad: Path) -> None:
    report = validate_project(bad)
    f = only(report, shape="netsh:TreatmentShape/skos:definition", focus="id:drug-therapy")
    assert f.severity == "Warning" and f.value is None
    assert (f.file, f.line) == ("data/drugs.ttl", 6)
    assert f.message == "Add a skos:definition in our own words."


def test_netkg_checks_find_what_shacl_cannot(bad: Path) -> None:
    report = validate_project(bad)
    dangling = only(report, check="undeclared-term", value="id:nowhere")
    assert (dangling.file, dangling.line) == ("data/drugs.ttl", 8)
    assert dangling.severity == "Violation"
    typo = only(report, check="undeclared-term", value="net:Treatmnt")
    assert (typo.file, typo.line) == ("data/drugs.ttl", 10)
    base = only(report, check="iri-outside-base")
    assert base.line == 10 and "<http://w3id.org/netkg/id/typo>" in base.message
    split = only(report, check="split-subject")
    assert (split.file, split.line, split.severity) == ("data/treatments.ttl", 7, "Warning")
    assert split.focus == "id:surgery" and "data/drugs.ttl:12" in split.message


def test_counts_and_order(bad: Path) -> None:
    report = validate_project(bad)
    assert report.counts == {"Error": 0, "Violation": 4, "Warning": 2, "Info": 0}
    keys = [(f.file or "", f.line or 0) for f in report.findings]
    assert keys == sorted(keys)
    results = report.results_graph
    assert len(list(results.subjects(RDF.type, SH.ValidationResult))) == 2


def test_warnings_alone_do_not_fail(project: Path) -> None:
    (project / "data" / "more.ttl").write_text(
        "@prefix id: <https://w3id.org/netkg/id/> .\n"
        "@prefix net: <https://w3id.org/netkg/ontology#> .\n"
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        'id:x a net:Treatment ; skos:prefLabel "X"@en .\n',
        encoding="utf-8",
    )
    report = validate_project(project)
    assert report.counts["Warning"] == 1 and report.counts["Violation"] == 0
    assert report.conforms and report.exit_code == 0


def test_mapping_triples_are_not_a_split_subject(project: Path) -> None:
    (project / "data" / "mappings.ttl").write_text(
        "@prefix id: <https://w3id.org/netkg/id/> .\n"
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        "id:surgery skos:exactMatch <http://purl.obolibrary.org/obo/NCIT_C17173> .\n",
        encoding="utf-8",
    )
    assert validate_project(project).findings == []


def test_named_paths_report_only_their_findings_in_the_projects_context(bad: Path) -> None:
    report = validate_project(bad, [bad / "data" / "treatments.ttl"])
    assert report.files == ["data/treatments.ttl"]
    assert [f.check for f in report.findings] == ["split-subject"]


def test_unreadable_sources_raise_source_error_with_every_problem(project: Path) -> None:
    shutil.copy(FIXTURES / "broken" / "syntax.ttl", project / "data" / "a.ttl")
    shutil.copy(FIXTURES / "broken" / "undefined-prefix.ttl", project / "data" / "b.ttl")
    with pytest.raises(SourceError) as error:
        validate_project(project)
    assert error.value.exit_code == 2
    assert isinstance(error.value.detail, list) and len(error.value.detail) == 2


def test_a_shape_pyshacl_cannot_run_is_an_error_not_a_crash(project: Path) -> None:
    (project / "shapes" / "sparql.ttl").write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "@prefix netsh: <https://w3id.org/netkg/shapes#> .\n"
        "@prefix net: <https://w3id.org/netkg/ontology#> .\n"
        "netsh:Bad a sh:NodeShape ; sh:targetClass net:Treatment ;\n"
        '  sh:sparql [ sh:select "SELECT $this WHERE { VALUES ?x { 1 } }" ] .\n',
        encoding="utf-8",
    )
    report = validate_project(project)
    f = only(report, check="shapes")
    assert f.severity == "Error" and "VALUES" in f.message
    assert (f.file, f.line, f.shape) == ("shapes/sparql.ttl", 5, "netsh:Bad")
    assert report.exit_code == 2


def test_severities_are_data() -> None:
    assert CHECKS["split-subject"].severity == "Warning"
    assert CHECKS["undeclared-term"].severity == "Violation"
    assert CHECKS["syntax"].severity == "Error"
    assert all(c.description for c in CHECKS.values())


def test_to_json_is_the_documented_shape(bad: Path) -> None:
    data = validate_project(bad).to_json()
    assert set(data) == {
        "conforms",
        "exit_code",
        "counts",
        "files",
        "triples",
        "curated_triples",
        "shapes_triples",
        "tests",
        "findings",
    }
    assert data["triples"] == data["curated_triples"] + data["shapes_triples"]
    assert set(data["findings"][0]) == {
        "check",
        "severity",
        "message",
        "file",
        "line",
        "focus",
        "path",
        "value",
        "shape",
    }
    assert data["conforms"] is False and data["exit_code"] == 1
    assert "netsh:TreatmentPrefLabel" in data["tests"]
    assert isinstance(validate_project(bad).results_graph, Graph)


def test_a_named_file_outside_the_project_is_checked_in_its_context(
    project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("elsewhere") / "new.ttl"
    shutil.copy(FIXTURES / "bad" / "drugs.ttl", outside)
    report = validate_project(project, [outside])
    assert report.files == [str(outside)]
    assert {f.file for f in report.findings} == {str(outside)}
    assert any(f.shape == "netsh:TreatmentPrefLabel" for f in report.findings)


def test_raise_for_failure_maps_severities_to_errors(bad: Path) -> None:
    Report(
        findings=[Finding(check="split-subject", severity="Warning", message="w")]
    ).raise_for_failure()  # warnings: nothing to raise
    with pytest.raises(ValidationFailed, match=r"data/drugs.ttl:7: Give exactly one") as error:
        validate_project(bad).raise_for_failure()
    assert error.value.exit_code == 1
    broken = Report(findings=[Finding(check="shapes", severity="Error", message="bad shape")])
    with pytest.raises(SourceError, match="bad shape"):
        broken.raise_for_failure()


def test_named_query_files_are_checked_with_the_project(project: Path) -> None:
    (project / "api").mkdir()
    (project / "api" / "broken.rq").write_text("this is not SPARQL\n", encoding="utf-8")
    report = validate_project(project)
    f = only(report, check="named-query")
    assert f.file == "api/broken.rq" and f.severity == "Error" and f.line
    assert report.exit_code == 2 and "named-query" in report.tests


INVERSE_DATA = """\
@prefix id: <https://w3id.org/netkg/id/> .
@prefix net: <https://w3id.org/netkg/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .

id:surgery a net:Treatment ;
    skos:prefLabel "Surgery"@en ;
    skos:definition "An operation."@en ;
    net:treats id:lung-net .
"""
INVERSE_SHAPES = """\
@prefix net: <https://w3id.org/netkg/ontology#> .
@prefix netsh: <https://w3id.org/netkg/shapes#> .
@prefix sh: <http://www.w3.org/ns/shacl#> .

netsh:TreatedBy a sh:NodeShape ;
    sh:targetObjectsOf net:treats ;
    sh:property [
        sh:path [ sh:inversePath net:treats ] ;
        sh:class net:Drug ;
        sh:message "Only drugs treat this."@en
    ] .

netsh:NotAnIri a sh:NodeShape ;
    sh:targetObjectsOf net:treats ;
    sh:nodeKind sh:Literal ;
    sh:severity sh:Info ;
    sh:message "Just checking."@en .
"""


def test_inverse_paths_and_object_only_focus_nodes_are_located(project: Path) -> None:
    (project / "data" / "treatments.ttl").write_text(INVERSE_DATA, encoding="utf-8")
    (project / "shapes" / "shapes.ttl").write_text(INVERSE_SHAPES, encoding="utf-8")
    with (project / "ontology" / "netkg.ttl").open("a", encoding="utf-8") as ontology:
        ontology.write("\nnet:Drug a owl:Class .\n")
    report = validate_project(project)
    inverse = only(report, shape="netsh:TreatedBy/[]")
    assert (inverse.file, inverse.line) == ("data/treatments.ttl", 8)
    assert inverse.focus == "id:lung-net" and inverse.value == "id:surgery"
    assert inverse.path == "[]" and inverse.message == "Only drugs treat this."
    info = only(report, shape="netsh:NotAnIri")  # id:lung-net is only ever an object
    assert info.severity == "Info" and (info.file, info.line) == ("data/treatments.ttl", 8)
    assert only(report, check="undeclared-term").value == "id:lung-net"


def test_a_problem_a_shape_reports_is_not_reported_again_by_a_netkg_check(tmp_path: Path) -> None:
    """A dangling IRI is caught by nets:DanglingReferenceShape and by `undeclared-term`: once."""
    repo = Path(__file__).resolve().parent.parent
    for folder in ("ontology", "data", "shapes"):
        shutil.copytree(repo / folder, tmp_path / folder)
    statements = tmp_path / "data" / "statements.ttl"
    text = statements.read_text(encoding="utf-8")
    assert "net:usageFrequency id:commonly ." in text
    statements.write_text(
        text.replace("net:usageFrequency id:commonly .", "net:usageFrequency id:sometimes .", 1),
        encoding="utf-8",
    )
    report = validate_project(tmp_path)
    dangling = [
        f
        for f in report.findings
        if f.value == "id:sometimes"
        and f.severity == "Violation"
        and (f.check == "undeclared-term" or f.shape == "nets:DanglingReferenceShape")
    ]
    assert len(dangling) == 1
