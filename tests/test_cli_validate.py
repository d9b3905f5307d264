"""`netkg validate` and `netkg fmt` as curators and CI run them: every exit code, every format."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from curation_support import FIXTURES, bad, project
from lxml import etree
from typer.testing import CliRunner

from netkg.cli import app

__all__ = ["bad", "project"]  # fixtures used here
runner = CliRunner()


def run(*args: str | Path) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def test_valid_project_exits_0(project: Path) -> None:
    code, out = run("validate", "--root", project)
    assert code == 0
    assert out.strip().splitlines()[-1].startswith("ok: 0 violation(s), 0 warning(s), 0 info")


def test_violations_exit_1_with_file_line_and_fix(bad: Path) -> None:
    code, out = run("validate", "--root", bad)
    assert code == 1
    assert (
        "data/drugs.ttl:7: Violation [netsh:TreatmentPrefLabel] Give exactly one skos:prefLabel"
    ) in out
    assert "data/drugs.ttl:8: Violation [undeclared-term] id:nowhere" in out
    assert out.strip().splitlines()[-1].startswith("FAIL: 4 violation(s), 2 warning(s)")


def test_warnings_only_exit_0(project: Path) -> None:
    (project / "data" / "more.ttl").write_text(
        "@prefix id: <https://w3id.org/netkg/id/> .\n"
        "@prefix net: <https://w3id.org/netkg/ontology#> .\n"
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        'id:x a net:Treatment ; skos:prefLabel "X"@en .\n',
        encoding="utf-8",
    )
    code, out = run("validate", "--root", project)
    assert code == 0 and "Warning [netsh:TreatmentShape/skos:definition]" in out


@pytest.mark.parametrize("name", ["syntax.ttl", "undefined-prefix.ttl", "image.ttl"])
def test_unreadable_file_exits_2(project: Path, name: str) -> None:
    shutil.copy(FIXTURES / "broken" / name, project / "data" / name)
    code, out = run("validate", "--root", project)
    assert code == 2 and f"data/{name}:" in out


def test_every_broken_file_in_one_run(project: Path) -> None:
    for name in ("syntax.ttl", "undefined-prefix.ttl", "image.ttl"):
        shutil.copy(FIXTURES / "broken" / name, project / "data" / name)
    code, out = run("validate", "--root", project, "--format", "github")
    assert code == 2
    errors = [line for line in out.splitlines() if line.startswith("::error ")]
    assert [e.split(",")[0] for e in errors] == [
        "::error file=data/image.ttl",
        "::error file=data/syntax.ttl",
        "::error file=data/undefined-prefix.ttl",
    ]
    assert "line=5" in errors[1] and "line=4" in errors[2]
    assert out.splitlines()[-1] == (
        "FAIL: 3 error(s) in 3 file(s) that can't be read; fix them, "
        "then run again to check the rest"
    )


def test_missing_path_exits_2(project: Path) -> None:
    code, out = run("validate", "--root", project, project / "data" / "nope.ttl")
    assert code == 2 and "no such file or folder" in out


def test_empty_folder_exits_2(project: Path) -> None:
    (project / "empty").mkdir()
    code, out = run("validate", "--root", project, project / "empty")
    assert code == 2 and "folder has no .ttl or .nt files" in out


def test_not_rdf_exits_2(project: Path) -> None:
    shutil.copy(FIXTURES / "broken" / "notes.json", project / "notes.json")
    code, out = run("validate", "--root", project, project / "notes.json")
    assert code == 2 and "not an RDF source" in out


def test_nothing_to_validate_exits_2(tmp_path: Path) -> None:
    code, out = run("validate", "--root", tmp_path)
    assert code == 2 and "nothing to load" in out


def test_json_format(bad: Path) -> None:
    code, out = run("validate", "--root", bad, "--format", "json")
    assert code == 1
    data = json.loads(out)
    assert data["exit_code"] == 1 and data["counts"]["Violation"] == 4


def test_junit_format(bad: Path) -> None:
    code, out = run("validate", "--root", bad, "-f", "junit")
    assert code == 1
    suite = etree.fromstring(out.encode("utf-8")).find("testsuite")
    assert suite is not None and suite.get("failures") == "3"  # shape, undeclared, base


def test_github_format(bad: Path) -> None:
    code, out = run("validate", "--root", bad, "--format", "github")
    assert code == 1
    assert (
        "::error file=data/drugs.ttl,line=7,title=netsh%3ATreatmentPrefLabel::"
        "Give exactly one skos:prefLabel"
    ) in out
    assert "::warning file=data/treatments.ttl,line=7,title=split-subject::" in out


def test_unknown_format_is_a_usage_error(project: Path) -> None:
    result = runner.invoke(app, ["validate", "--root", str(project), "--format", "xml"])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_fmt_check_exits_1_and_prints_the_fix(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    shutil.copy(FIXTURES / "fmt" / "messy.ttl", tmp_path / "data" / "messy.ttl")
    code, out = run("fmt", "--check", "--root", tmp_path, tmp_path / "data")
    assert code == 1
    assert "would reformat data/messy.ttl" in out and "netkg fmt data/messy.ttl" in out
    code, out = run("fmt", "--root", tmp_path, tmp_path / "data")
    assert code == 0 and "reformatted data/messy.ttl" in out
    code, out = run("fmt", "--check", "--root", tmp_path, tmp_path / "data")
    assert code == 0 and "1 file(s) already canonical" in out


def test_fmt_refusal_exits_1_with_the_comments_line(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    shutil.copy(FIXTURES / "fmt" / "inner-comment.ttl", tmp_path / "data" / "x.ttl")
    code, out = run("fmt", "--root", tmp_path)
    assert code == 1 and "data/x.ttl:5: comment inside a statement" in out


def test_fmt_unreadable_exits_2(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    shutil.copy(FIXTURES / "broken" / "syntax.ttl", tmp_path / "data" / "x.ttl")
    code, out = run("fmt", "--root", tmp_path)
    assert code == 2 and "data/x.ttl:5:" in out
    code, out = run("fmt", "--root", tmp_path, tmp_path / "missing.ttl")
    assert code == 2 and "no such file" in out


def test_the_installed_command_has_real_exit_codes(bad: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "netkg.cli", "validate", "-f", "github"],
        cwd=bad,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stdout.startswith("::warning file=data/drugs.ttl,line=6,")
    assert "\n::error file=data/drugs.ttl,line=7," in result.stdout


def test_a_large_file_is_announced_on_stderr(project: Path) -> None:
    big = project / "data" / "big.nt"
    padding = "x" * (9 * 1024 * 1024)
    big.write_text(
        f"<https://w3id.org/netkg/id/surgery> <http://www.w3.org/2000/01/rdf-schema#"
        f'comment> "{padding}" .\n',
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "netkg.cli", "validate", "-f", "json"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "parsing data/big.nt (9.0 MB)…" in result.stderr
    assert json.loads(result.stdout)["files"][1] == "data/big.nt"  # stdout stays pure JSON
