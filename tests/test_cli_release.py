"""The release commands through the real CLI: every exit code and output format, plus the CI
files that call them (the workflow and the pre-commit hooks)."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from netkg.cli import app

ROOT = Path(__file__).parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "release"
SRC, CHANGED = FIXTURES / "src", FIXTURES / "changed"
runner = CliRunner()


def run(*args: str | Path) -> tuple[int, str, str]:
    result = runner.invoke(app, [str(a) for a in args])
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception  # never a traceback
    return result.exit_code, result.stdout, result.stderr


# --- build ---------------------------------------------------------------------------------------


def test_build_exit_0_writes_the_release(tmp_path: Path) -> None:
    code, out, _ = run("build", "--root", SRC, "--out", tmp_path / "dist", "--date", "2026-01-31")
    assert code == 0
    dist = tmp_path / "dist"
    listed = json.loads((dist / "release.json").read_text(encoding="utf-8"))["files"]
    on_disk = {p.name for p in dist.iterdir() if p.is_file()} - {"release.json"}
    assert set(listed) == on_disk  # the index lists every file it ships, and only those
    assert {"netkg.nt", "netkg.sssom.tsv", "netkg.fhir.json"} <= on_disk
    assert f"version 0.1.0, {len(listed)} files, dated 2026-01-31T00:00:00Z" in out
    assert "release: 57 triples = 57 curated triples (ontology 32 + data 25)" in out


def test_build_quiet_prints_nothing(tmp_path: Path) -> None:
    code, out, _ = run(
        "build", "--root", SRC, "--out", tmp_path / "d", "--date", "2026-01-01", "--quiet"
    )
    assert (code, out) == (0, "")


def test_build_exit_1_on_a_violation(tmp_path: Path) -> None:
    src = Path(shutil.copytree(SRC, tmp_path / "src"))
    path = src / "data" / "treatments.ttl"
    path.write_text(
        path.read_text(encoding="utf-8").replace('skos:prefLabel "surgery"@en ;', ""),
        encoding="utf-8",
    )
    code, _, err = run("build", "--root", src, "--out", tmp_path / "dist", "--date", "2026-01-01")
    assert code == 1
    assert "nothing was built" in err and "netkg validate" in err
    assert not (tmp_path / "dist").exists()


def test_build_no_validate_builds_despite_a_violation(tmp_path: Path) -> None:
    src = Path(shutil.copytree(SRC, tmp_path / "src"))
    path = src / "data" / "treatments.ttl"
    path.write_text(
        path.read_text(encoding="utf-8").replace('skos:prefLabel "surgery"@en ;', ""),
        encoding="utf-8",
    )
    code, _, _ = run(
        "build", "--root", src, "--out", tmp_path / "dist", "--no-validate", "--date", "2026-01-01"
    )
    assert code == 0
    report = json.loads((tmp_path / "dist" / "validation-report.json").read_text(encoding="utf-8"))
    assert report["checked"] is False


def test_build_exit_2_on_a_syntax_error(tmp_path: Path) -> None:
    src = Path(shutil.copytree(SRC, tmp_path / "src"))
    (src / "data" / "bad.ttl").write_text("<a> <b> .\n", encoding="utf-8")
    code, _, err = run("build", "--root", src, "--out", tmp_path / "dist", "--date", "2026-01-01")
    assert code == 2
    assert "bad.ttl" in err


BROKEN_SHAPE = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix net: <https://w3id.org/netkg/ontology#> .
<https://w3id.org/netkg/shapes#Broken> a sh:NodeShape ;
    sh:targetClass net:Treatment ;
    sh:sparql [ sh:select "SELECT $this WHERE { VALUES ?x { 1 } }" ] .
"""


def test_build_exit_2_when_a_shape_cannot_run(tmp_path: Path) -> None:
    src = Path(shutil.copytree(SRC, tmp_path / "src"))
    (src / "shapes" / "broken.ttl").write_text(BROKEN_SHAPE, encoding="utf-8")
    code, _, err = run("build", "--root", src, "--out", tmp_path / "dist", "--date", "2026-01-01")
    assert code == 2
    assert "can't be read or run" in err
    assert not (tmp_path / "dist").exists()


def test_build_bulk_adds_a_file_of_triples(tmp_path: Path) -> None:
    bulk = tmp_path / "more.nt"
    bulk.write_text(
        '<https://w3id.org/netkg/id/x> <http://www.w3.org/2000/01/rdf-schema#label> "x" .\n',
        encoding="utf-8",
    )
    out = tmp_path / "dist"
    code, stdout, _ = run(
        "build", "--root", SRC, "--out", out, "--date", "2026-01-31", "--bulk", bulk
    )
    assert code == 0
    assert "58 triples" in stdout  # the fixture's 57 and one more
    assert (out / "store").is_dir()


def test_build_exit_2_on_a_malformed_bulk_file_and_no_release(tmp_path: Path) -> None:
    bulk = tmp_path / "more.nt"
    bulk.write_text(
        "<https://w3id.org/netkg/id/x> <http://www.w3.org/2000/01/rdf-schema#label> .\n"
    )
    out = tmp_path / "dist"
    code, stdout, stderr = run("build", "--root", SRC, "--out", out, "--bulk", bulk)
    assert code == 2 and stdout == ""
    assert f"{bulk}:1:" in stderr and "not valid N-Triples" in stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["more.nt"]  # nothing half-written


def test_build_exit_2_on_a_bad_date(tmp_path: Path) -> None:
    code, _, err = run("build", "--root", SRC, "--out", tmp_path / "dist", "--date", "soon")
    assert code == 2
    assert "expected an ISO date" in err


# --- diff ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_diff_formats(fmt: str) -> None:
    code, out, _ = run("diff", SRC, CHANGED, "--format", fmt)
    assert code == 0
    if fmt == "json":
        assert json.loads(out)["added"] == 5
    else:
        assert "+5 -1 statements in 3 subject(s)" in out


def test_diff_exit_code_option() -> None:
    assert run("diff", SRC, CHANGED, "--exit-code")[0] == 1
    assert run("diff", SRC, SRC, "--exit-code")[0] == 0


def test_diff_exit_2_on_a_missing_input(tmp_path: Path) -> None:
    code, _, err = run("diff", SRC, tmp_path / "missing")
    assert code == 2 and "no such file" in err


def test_diff_exit_2_on_a_bad_format() -> None:
    code, _, err = run("diff", SRC, CHANGED, "--format", "html")
    assert code == 2 and "use one of text, markdown, json" in err


# --- stats ---------------------------------------------------------------------------------------


def test_stats_table_and_json() -> None:
    code, out, _ = run("stats", SRC)
    assert code == 0 and "Mappings per vocabulary" in out and "NCIt" in out
    code, out, _ = run("stats", SRC, "--format", "json")
    assert code == 0 and json.loads(out)["triples"] == 57


def test_stats_exit_2(tmp_path: Path) -> None:
    assert run("stats", tmp_path)[0] == 2
    assert run("stats", SRC, "--format", "xml")[0] == 2


# --- query ---------------------------------------------------------------------------------------

SELECT = "SELECT ?t WHERE { ?t a net:Treatment } ORDER BY ?t"


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "tsv"])
def test_query_select_formats(fmt: str) -> None:
    code, out, _ = run("query", SELECT, "--source", SRC, "--format", fmt)
    assert code == 0
    if fmt == "json":
        assert len(json.loads(out)["results"]["bindings"]) == 2
    elif fmt == "csv":
        assert list(csv.reader(io.StringIO(out)))[1] == [
            "https://w3id.org/netkg/id/radiation-therapy"
        ]
    else:
        assert "radiation-therapy" in out


def test_query_construct_as_turtle() -> None:
    code, out, _ = run(
        "query",
        "CONSTRUCT { ?t a net:Treatment } WHERE { ?t a net:Treatment }",
        "--source",
        SRC,
        "--format",
        "turtle",
    )
    assert code == 0 and "id:surgery a net:Treatment" in out


def test_query_from_a_file(tmp_path: Path) -> None:
    query = tmp_path / "q.rq"
    query.write_text("ASK { id:surgery a net:Treatment }", encoding="utf-8")
    code, out, _ = run("query", f"@{query}", "--source", SRC)
    assert (code, out) == (0, "true\n")


def test_query_exit_2_on_a_malformed_query() -> None:
    code, _, err = run("query", "SELECT ?x WHERE {", "--source", SRC)
    assert code == 2 and "malformed SPARQL query" in err


def test_query_exit_2_on_a_format_that_does_not_fit() -> None:
    code, _, err = run("query", SELECT, "--source", SRC, "--format", "turtle")
    assert code == 2 and "CONSTRUCT or DESCRIBE" in err
    assert run("query", SELECT, "--source", SRC, "--format", "yaml")[0] == 2


def test_query_exit_2_on_a_missing_source(tmp_path: Path) -> None:
    code, _, err = run("query", SELECT, "--source", tmp_path / "nope")
    assert code == 2 and "no such file" in err


# --- CI files ------------------------------------------------------------------------------------


def test_workflow_runs_the_curation_commands_on_pull_requests() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "curation.yml").read_text())
    trigger = workflow[True]  # YAML 1.1 reads the key `on` as a boolean
    assert sorted(trigger["pull_request"]["paths"]) == [
        "api/**",
        "data/**",
        "ontology/**",
        "shapes/**",
    ]
    steps = workflow["jobs"]["curate"]["steps"]
    runs = [step.get("run", "") for step in steps]
    uses = [step.get("uses", "") for step in steps]
    assert any(u.startswith("actions/checkout@") for u in uses)
    setup = next(s for s in steps if s.get("uses", "").startswith("actions/setup-python@"))
    assert setup["with"]["python-version"] == "3.11"
    for command in (
        "pip install uv==0.13.9",
        "uv sync --frozen",
        "uv run netkg validate --format github",
        "uv run netkg fmt --check",
        "uv run netkg build --out dist",
    ):
        assert command in runs, command
    order = [
        runs.index(c)
        for c in (
            "uv run netkg validate --format github",
            "uv run netkg fmt --check",
            "uv run netkg build --out dist",
        )
    ]
    assert order == sorted(order)
    uploads = [
        s["with"]["path"] for s in steps if s.get("uses", "").startswith("actions/upload-artifact@")
    ]
    assert "dist/" in uploads
    assert any("validation-report" in path for path in uploads)


def test_pre_commit_hooks_run_netkg() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    by_id = {hook["id"]: hook for hook in hooks}
    assert by_id["netkg-validate"]["entry"] == "netkg validate"
    assert by_id["netkg-validate"]["language"] == "python"
    assert by_id["netkg-fmt"]["entry"] == "netkg fmt --check"
    for hook in hooks:
        assert {"id", "name", "entry", "language"} <= set(hook)
