"""Curator slips in every data file are reported at the line the curator must edit, in their words.

Each test copies the real sources, makes one mistake a curator makes (the place of the mistake is
where the test typed it, found from the file's own text), runs `netkg validate --format json` and
asserts the exact file:line and what the message tells the curator to do.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from netkg.cli import app

ROOT = Path(__file__).resolve().parent.parent
DATA_FILES = sorted(p.name for p in (ROOT / "data").glob("*.ttl"))
runner = CliRunner()


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for folder in ("ontology", "data", "shapes"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    return tmp_path


def validate(tree: Path) -> tuple[int, list[dict[str, Any]]]:
    result = runner.invoke(app, ["validate", "--root", str(tree), "--format", "json"])
    assert "Traceback" not in result.output
    document = json.loads(result.output)
    return result.exit_code, document["findings"]


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def lines_after(text: str, offset: int) -> list[str]:
    """The lines after the one holding `offset` that carry Turtle (no blank or comment lines)."""
    rest = text[text.index("\n", offset) + 1 :].split("\n")
    return [line for line in rest if line.strip() and not line.lstrip().startswith("#")]


def at(findings: list[dict[str, Any]], file: str, line: int) -> list[dict[str, Any]]:
    return [f for f in findings if f["file"] == file and f["line"] == line]


def read(tree: Path, name: str) -> str:
    return (tree / "data" / name).read_text(encoding="utf-8")


def write(tree: Path, name: str, text: str) -> None:
    (tree / "data" / name).write_text(text, encoding="utf-8")


def test_the_real_sources_conform(tree: Path) -> None:
    code, findings = validate(tree)
    assert code == 0, [f for f in findings if f["severity"] != "Info"]


@pytest.mark.parametrize("name", DATA_FILES)
def test_an_unterminated_string_is_reported_on_its_own_line(tree: Path, name: str) -> None:
    text = read(tree, name)
    assert text.endswith("\n")
    write(tree, name, text + '\n<urn:x> <urn:p> "unterminated .\n')
    line = text.count("\n") + 2  # a blank line, then ours (e.g. attributes.ttl:292)
    code, findings = validate(tree)
    assert code == 2
    [finding] = findings
    assert (finding["file"], finding["line"]) == (f"data/{name}", line)
    assert finding["check"] == "syntax"
    assert 'this text is not closed: add the closing "' in finding["message"]
    assert "<urn:x>" in finding["message"]  # the line itself, to recognise it


@pytest.mark.parametrize("name", DATA_FILES)
def test_a_semicolon_typed_for_the_full_stop_is_reported_at_the_semicolon(
    tree: Path, name: str
) -> None:
    text = read(tree, name)
    end = next(
        m
        for m in re.finditer(r" \.$", text, re.MULTILINE)
        if not text[text.rfind("\n", 0, m.start()) + 1 :].startswith("@")
        and (following := lines_after(text, m.start()))
        and not following[0][0].isspace()
    )
    write(tree, name, text[: end.start()] + " ;" + text[end.end() :])
    code, findings = validate(tree)
    assert code == 2
    [finding] = findings
    assert (finding["file"], finding["line"]) == (f"data/{name}", line_of(text, end.start()))
    assert finding["message"].startswith(
        "this statement ends with ';' but the next line starts a new subject: end it with '.'"
    )
    assert "objectList" not in finding["message"]


@pytest.mark.parametrize("name", DATA_FILES)
def test_a_full_stop_typed_for_a_semicolon_is_reported_at_the_full_stop(
    tree: Path, name: str
) -> None:
    text = read(tree, name)
    end = next(
        m
        for m in re.finditer(r" ;$", text, re.MULTILINE)
        if lines_after(text, m.start())[0][0].isspace()
    )
    write(tree, name, text[: end.start()] + " ." + text[end.end() :])
    code, findings = validate(tree)
    assert code == 2
    [finding] = findings
    assert (finding["file"], finding["line"]) == (f"data/{name}", line_of(text, end.start()))
    assert finding["message"].startswith(
        "this statement ends with '.' but the next line goes on with it (it is indented): use ';'"
    )


@pytest.mark.parametrize("name", DATA_FILES)
def test_a_missing_prefix_is_reported_where_it_is_first_used(tree: Path, name: str) -> None:
    text = read(tree, name)
    declaration = re.search(r"^@prefix skos: <[^>]+> \.\n", text, re.MULTILINE)
    assert declaration is not None
    mutated = text[: declaration.start()] + text[declaration.end() :]
    write(tree, name, mutated)
    first_use = next(
        n
        for n, line in enumerate(mutated.split("\n"), 1)
        if not line.startswith(("#", "@")) and "skos:" in re.sub(r'"(?:[^"\\]|\\.)*"', '""', line)
    )
    code, findings = validate(tree)
    assert code == 2
    [finding] = findings
    assert (finding["file"], finding["line"]) == (f"data/{name}", first_use)
    assert finding["check"] == "undefined-prefix"
    assert (
        "undefined prefix skos: — add `@prefix skos: <http://www.w3.org/2004/02/skos/core#> .`"
        in finding["message"]
    )


def _defined(tree: Path) -> set[str]:
    """The id: slugs the data types (`id:slug a …`), read from the text."""
    return {
        m.group(1)
        for path in (tree / "data").glob("*.ttl")
        for m in re.finditer(r"^id:([\w-]+) a ", path.read_text(encoding="utf-8"), re.MULTILINE)
    }


@pytest.mark.parametrize("name", DATA_FILES)
def test_a_mistyped_iri_is_reported_where_it_is_used_with_the_closest_one(
    tree: Path, name: str
) -> None:
    text, defined = read(tree, name), _defined(tree)
    use = next(
        m
        for m in re.finditer(r"^\s+(?:\S+ )?id:([a-z][\w-]{5,})(?:,| ;| \.)$", text, re.MULTILINE)
        if m.group(1) in defined
    )
    slug = use.group(1)
    typo = slug[: len(slug) // 2] + slug[len(slug) // 2 + 1 :]
    start = use.start(1)
    write(tree, name, text[:start] + typo + text[use.end(1) :])
    code, findings = validate(tree)
    assert code == 1
    here = at(findings, f"data/{name}", line_of(text, start))
    assert any(
        f["severity"] == "Violation"
        and f"id:{typo}" in f["message"] + str(f["value"])
        and f["message"].endswith(f"Did you mean id:{slug}?")
        for f in here
    ), here
    violations = [f for f in findings if f["severity"] == "Violation"]
    assert {f["file"] for f in violations} == {f"data/{name}"}, violations


def _first_labelled_block(text: str) -> re.Match[str]:
    """The first block (`subject a …` up to its full stop) of a netkg class with a prefLabel
    (the label shapes cover netkg's classes and SKOS concepts, not e.g. foaf:Organization)."""
    return next(
        m
        for m in re.finditer(r"^(\S+) a .*?\.$(?=\n\n|\n*\Z)", text, re.MULTILINE | re.DOTALL)
        if "skos:prefLabel" in m.group(0)
        and any(c in m.group(0).split(" ;")[0] for c in ("net:", "skos:Concept"))
    )


LABELLED = [n for n in DATA_FILES if "skos:prefLabel" in (ROOT / "data" / n).read_text("utf-8")]


@pytest.mark.parametrize("name", LABELLED)
def test_a_resource_without_labels_is_reported_where_it_is_defined(tree: Path, name: str) -> None:
    text = read(tree, name)
    block = _first_labelled_block(text)
    label = re.compile(r"^    (?:rdfs:label|skos:prefLabel) (?:[^\n]*,\n)*[^\n]* ;\n", re.MULTILINE)
    assert len(label.findall(block.group(0))) == 2  # rdfs:label and skos:prefLabel, mid-block
    write(tree, name, text[: block.start()] + label.sub("", block.group(0)) + text[block.end() :])
    subject = block.group(1)
    code, findings = validate(tree)
    assert code == 1
    about = [f for f in findings if f["focus"] == subject and f["severity"] != "Info"]
    assert about, findings
    # Where it is defined (e.g. data/treatments.ttl:16), not where it is mentioned (mappings.ttl).
    assert {(f["file"], f["line"]) for f in about} == {
        (f"data/{name}", line_of(text, block.start()))
    }
    assert any(f["message"].startswith("Add an English preferred label") for f in about)


@pytest.mark.parametrize("name", DATA_FILES)
def test_a_resource_without_its_type_is_reported_where_it_is_defined(tree: Path, name: str) -> None:
    text = read(tree, name)
    typed = re.search(r"^(\S+) a [^;.]*;", text, re.MULTILINE)
    assert typed is not None
    write(tree, name, text[: typed.start()] + typed.group(1) + text[typed.end() :])
    _code, findings = validate(tree)
    subject, line = typed.group(1), line_of(text, typed.start())
    here = at(findings, f"data/{name}", line)
    assert any(
        f["severity"] in ("Violation", "Warning")  # a Violation when something points at it
        and f"{subject} is described" in f["message"]
        and "has no rdf:type" in f["message"]
        and "add `a` and its class" in f["message"]
        for f in here
    ), findings


def test_a_mistyped_predicate_is_reported_at_its_line(tree: Path) -> None:
    text = read(tree, "treatments.ttl")
    use = re.search(r"^    rdfs:label ", text, re.MULTILINE)
    assert use is not None
    write(tree, "treatments.ttl", text[: use.start()] + "    rdfs:lable " + text[use.end() :])
    _code, findings = validate(tree)
    [typo] = [f for f in findings if f["check"] == "predicate-typo"]
    assert (typo["file"], typo["line"]) == ("data/treatments.ttl", line_of(text, use.start()))
    assert typo["message"].startswith("rdfs:lable is used only here; did you mean rdfs:label")


def test_fmt_reports_a_syntax_slip_at_the_same_line_in_the_same_words(tree: Path) -> None:
    text = read(tree, "treatments.ttl")
    end = re.search(r' schema:name "[^"]*"@en \.$', text, re.MULTILINE)
    assert end is not None
    write(tree, "treatments.ttl", text[: end.end() - 1] + ";" + text[end.end() :])
    result = runner.invoke(app, ["fmt", "--check", "--root", str(tree)])
    assert result.exit_code == 2
    assert (
        f"data/treatments.ttl:{line_of(text, end.start())}: this statement ends with ';' but the "
        "next line starts a new subject: end it with '.'"
    ) in result.output
