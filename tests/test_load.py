"""netkg.curate.load: finding sources, parsing them, and knowing the file:line of every triple."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, SKOS

from netkg.curate.load import SOURCE_DIRS, Location, SourceProblem, find_sources, load_files
from netkg.errors import SourceError

FIXTURES = Path(__file__).parent / "fixtures" / "curation"
ID = "https://w3id.org/netkg/id/"
NET = "https://w3id.org/netkg/ontology#"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURES / "good", tmp_path, dirs_exist_ok=True)
    return tmp_path


def problems_of(error: pytest.ExceptionInfo[SourceError]) -> list[SourceProblem]:
    detail = error.value.detail
    assert isinstance(detail, list)
    return detail


def test_source_dirs_are_the_documented_three() -> None:
    assert SOURCE_DIRS == ("ontology", "data", "shapes")


def test_find_sources_defaults_to_the_three_folders(project: Path) -> None:
    found = find_sources(project)
    assert [p.relative_to(project).as_posix() for p in found] == [
        "ontology/netkg.ttl",
        "data/treatments.ttl",
        "shapes/shapes.ttl",
    ]


def test_find_sources_lists_every_missing_path_at_once(project: Path) -> None:
    empty = project / "empty"
    empty.mkdir()
    with pytest.raises(SourceError) as error:
        find_sources(project, [project / "nope.ttl", empty, project / "data"])
    problems = problems_of(error)
    assert [(p.file.name, p.check) for p in problems] == [
        ("nope.ttl", "missing"),
        ("empty", "missing"),
    ]
    assert "no such file" in error.value.message and "no .ttl" in error.value.message
    assert error.value.exit_code == 2


def test_find_sources_with_nothing_to_load(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="nothing to load"):
        find_sources(tmp_path)


def test_load_assigns_roles_by_folder(project: Path) -> None:
    sources = load_files(find_sources(project), root=project)
    assert {str(f.path): f.role for f in sources.files} == {
        "ontology/netkg.ttl": "ontology",
        "data/treatments.ttl": "data",
        "shapes/shapes.ttl": "shapes",
    }
    assert (URIRef(ID + "surgery"), RDF.type, URIRef(NET + "Treatment")) in sources.data
    assert (URIRef(NET + "Treatment"), None, None) in sources.ontology
    assert len(sources.shapes) > 0
    assert sources.prefixes["id"] == ID


def test_load_guesses_the_role_of_a_file_outside_the_folders(project: Path, tmp_path: Path) -> None:
    loose = tmp_path / "loose-shapes.ttl"
    shutil.copy(project / "shapes" / "shapes.ttl", loose)
    sources = load_files([loose], root=project)
    assert sources.files[0].role == "shapes"
    assert len(sources.shapes) > 0 and len(sources.data) == 0


LINES = """\
@prefix id: <https://w3id.org/netkg/id/> .
@prefix net: <https://w3id.org/netkg/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .

# a comment
id:surgery a net:Treatment ;
    skos:prefLabel "Surgery"@en ;
    skos:definition \"\"\"A long
definition.\"\"\" ;
    net:x id:a ,
        id:b ,
        [ net:y id:c ;
          net:z id:d ] ,
        ( id:e ) .

id:b skos:prefLabel "B"@en .
"""


def test_every_triple_has_the_line_its_object_starts_on(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    file = tmp_path / "data" / "lines.ttl"
    file.write_text(LINES, encoding="utf-8")
    sources = load_files([file], root=tmp_path)
    surgery, x = URIRef(ID + "surgery"), URIRef(NET + "x")

    def line(s: URIRef | BNode, p: URIRef | None = None, o: object = None) -> int | None:
        found = sources.locate(s, p, o)  # type: ignore[arg-type]
        return found.line if found else None

    assert line(surgery, RDF.type, URIRef(NET + "Treatment")) == 6
    assert line(surgery, SKOS.prefLabel, Literal("Surgery", lang="en")) == 7
    assert line(surgery, SKOS.definition) == 8  # where the long literal starts
    assert line(surgery, x, URIRef(ID + "a")) == 10
    assert line(surgery, x, URIRef(ID + "b")) == 11
    nested = sources.data.value(predicate=URIRef(NET + "y"), object=URIRef(ID + "c"))
    assert isinstance(nested, BNode)
    assert line(surgery, x, nested) == 12
    assert line(nested, URIRef(NET + "z")) == 13
    assert line(URIRef(ID + "b")) == 16
    assert line(surgery) == 6  # a subject alone: its first line
    assert sources.locate(URIRef(ID + "nothing")) is None
    where = sources.locate(surgery)
    assert where is not None and where.file == Path("data/lines.ttl")


def test_lines_do_not_drift_over_a_long_file() -> None:
    """rdflib's own line counter counts a line again when its parser backtracks; by the end of
    the real data it is twenty lines late. Every one-line literal is found on its own line."""
    root = Path(__file__).resolve().parent.parent
    sources = load_files(find_sources(root), root=root)
    checked = 0
    for stated in sources.by_subject.values():
        for st in stated:
            text = str(st.object)
            if st.predicate == RDF.first:  # a list item: located at its statement's subject
                continue
            if (
                isinstance(st.object, Literal)
                and st.object.datatype is None  # strings: numbers are rewritten (9e-01 is 0.9)
                and "\n" not in text
                and "\\" not in text
            ):
                line = (
                    (root / st.location.file).read_text("utf-8").split("\n")[st.location.line - 1]
                )
                assert text[:12] in line, (st.location, text)
                checked += 1
    assert checked > 500


def test_a_resource_is_located_where_it_is_defined(tmp_path: Path) -> None:
    """Not where a file merely mentions it (a mapping), nor at its first object's line."""
    (tmp_path / "data").mkdir()
    prefixes = (
        "@prefix id: <https://w3id.org/netkg/id/> .\n"
        "@prefix net: <https://w3id.org/netkg/ontology#> .\n"
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
    )
    (tmp_path / "data" / "a-mappings.ttl").write_text(
        prefixes + "\nid:surgery skos:exactMatch <http://example.org/x> .\n", encoding="utf-8"
    )
    (tmp_path / "data" / "treatments.ttl").write_text(
        prefixes + '\n# surgery\nid:surgery\n    a net:Treatment ;\n    skos:prefLabel "S"@en .\n',
        encoding="utf-8",
    )
    sources = load_files(find_sources(tmp_path), root=tmp_path)
    surgery = URIRef(ID + "surgery")
    assert sources.definition(surgery) == Location(Path("data/treatments.ttl"), 6)
    assert sources.locate(surgery, SKOS.definition) == Location(Path("data/treatments.ttl"), 6)
    assert sources.locate(surgery, SKOS.prefLabel) == Location(Path("data/treatments.ttl"), 8)


def test_every_broken_file_is_reported_in_one_run() -> None:
    broken = FIXTURES / "broken"
    files = [
        broken / "image.ttl",
        broken / "notes.json",
        broken / "syntax.ttl",
        broken / "undefined-prefix.ttl",
    ]
    with pytest.raises(SourceError) as error:
        load_files(files, root=FIXTURES)
    found = {p.file.name: p for p in problems_of(error)}
    assert set(found) == {"image.ttl", "notes.json", "syntax.ttl", "undefined-prefix.ttl"}
    assert found["image.ttl"].check == "not-rdf" and "UTF-8" in found["image.ttl"].message
    assert found["notes.json"].check == "not-rdf"
    assert found["syntax.ttl"].check == "syntax" and found["syntax.ttl"].line == 5
    assert found["undefined-prefix.ttl"].check == "undefined-prefix"
    assert found["undefined-prefix.ttl"].line == 4
    assert "foo:" in found["undefined-prefix.ttl"].message
    assert str(found["syntax.ttl"]).startswith("broken/syntax.ttl:5: ")
    assert error.value.message.count("\n") == 4  # a head line and one line per file


def test_a_broken_file_does_not_hide_the_good_ones_problems(project: Path) -> None:
    (project / "data" / "bad.ttl").write_text("id:x a .\n", encoding="utf-8")
    with pytest.raises(SourceError) as error:
        load_files(find_sources(project), root=project)
    assert [p.file.as_posix() for p in problems_of(error)] == ["data/bad.ttl"]


def test_an_empty_file_loads_as_an_empty_graph(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "empty.ttl").write_text("", encoding="utf-8")
    sources = load_files(find_sources(tmp_path), root=tmp_path)
    assert sources.files[0].triples == 0


def test_progress_is_called_for_large_files(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    big = tmp_path / "data" / "big.nt"
    line = f'<{ID}s> <{NET}p> "{"x" * 200}" .\n'
    big.write_text(line * (9 * 1024 * 1024 // len(line) + 1), encoding="utf-8")
    seen: list[tuple[Path, int]] = []
    sources = load_files([big], root=tmp_path, progress=lambda p, n: seen.append((p, n)))
    assert seen and seen[0][0] == Path("data/big.nt") and seen[0][1] > 8 * 1024 * 1024
    assert len(sources.data) == 1  # the same triple, stated many times
    assert len(sources.by_subject[URIRef(ID + "s")]) == 1  # and indexed once, at line 1
    assert sources.locate(URIRef(ID + "s")) == Location(Path("data/big.nt"), 1)


def test_json_in_a_ttl_file_is_a_syntax_error_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "x.ttl").write_text('\n{"not": "turtle"}\n', encoding="utf-8")
    with pytest.raises(SourceError) as error:
        load_files(find_sources(tmp_path), root=tmp_path)
    [problem] = problems_of(error)
    assert (problem.file, problem.line, problem.check) == (Path("data/x.ttl"), 2, "syntax")


def test_every_undefined_prefix_is_listed_with_the_iri_other_files_use(project: Path) -> None:
    (project / "data" / "new.ttl").write_text(
        "@prefix id: <https://w3id.org/netkg/id/> .\n"
        'id:a skos:prefLabel "A"@en ;\n'
        '    foo:bar "not: a prefix" ;\n'
        '    skos:definition "D"@en .\n',
        encoding="utf-8",
    )
    with pytest.raises(SourceError) as error:
        load_files(find_sources(project), root=project)
    problems = problems_of(error)
    assert [(p.line, p.prefix, p.check) for p in problems] == [
        (2, "skos", "undefined-prefix"),
        (3, "foo", "undefined-prefix"),
    ]
    assert problems[0].message == (
        "undefined prefix skos: — add `@prefix skos: <http://www.w3.org/2004/02/skos/core#> .` "
        "at the top of the file (as the other files declare it)"
    )
    assert "<…>" in problems[1].message
    assert error.value.message.startswith("1 source file(s) could not be read:")
