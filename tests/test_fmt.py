"""netkg.curate.fmt: canonical Turtle that keeps comments, keeps the graph, is idempotent."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from netkg.curate.fmt import CommentWouldBeLost, canonical, format_paths
from netkg.errors import SourceError

FIXTURES = Path(__file__).parent / "fixtures" / "curation"
MESSY = FIXTURES / "fmt" / "messy.ttl"


def graph_of(text: str) -> Graph:
    return Graph().parse(data=text, format="turtle")


def test_fmt_keeps_the_graph() -> None:
    text = MESSY.read_text(encoding="utf-8")
    assert isomorphic(graph_of(text), graph_of(canonical(text, Path("messy.ttl"))))


def test_fmt_is_idempotent() -> None:
    once = canonical(MESSY.read_text(encoding="utf-8"), Path("messy.ttl"))
    assert canonical(once, Path("messy.ttl")) == once


@pytest.mark.parametrize("path", sorted((FIXTURES / "good").rglob("*.ttl")), ids=lambda p: p.name)
def test_fmt_is_idempotent_and_faithful_on_every_fixture(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    once = canonical(text, path)
    assert canonical(once, path) == once
    assert isomorphic(graph_of(text), graph_of(once))


def test_canonical_layout() -> None:
    out = canonical(MESSY.read_text(encoding="utf-8"), Path("messy.ttl"))
    lines = out.splitlines()
    assert lines[:2] == [
        "# Header: the curated treatments (fmt keeps this on top).",
        "# Second header line.",
    ]
    prefixes = [line for line in lines if line.startswith("@prefix")]
    assert prefixes == sorted(prefixes)
    assert "@prefix dcterms: <http://purl.org/dc/terms/> ." in prefixes  # declared, unused: kept
    subjects = [line.split()[0] for line in lines if line.startswith("id:")]
    assert subjects == ["id:drug-therapy", "id:radiation-therapy", "id:surgery"]
    assert out.endswith("# Trailing note kept at the end.\n")


def test_comments_move_with_their_subject() -> None:
    out = canonical(MESSY.read_text(encoding="utf-8"), Path("messy.ttl"))
    lines = out.splitlines()
    at = lines.index("# Surgery: the main treatment.")
    assert lines[at + 1].startswith("id:surgery ")
    at = lines.index("# but sorts after drug therapy.")
    assert lines[at - 1] == "# Radiation comes second on the page,"
    assert lines[at + 1].startswith("id:radiation-therapy ")
    assert sum(line.startswith("#") for line in lines) == sum(
        line.lstrip().startswith("#") for line in MESSY.read_text(encoding="utf-8").splitlines()
    )


@pytest.mark.parametrize(("name", "line"), [("inner-comment.ttl", 5), ("trailing-comment.ttl", 4)])
def test_refuses_a_comment_it_would_lose(name: str, line: int) -> None:
    path = FIXTURES / "fmt" / name
    with pytest.raises(CommentWouldBeLost, match=rf"{name}:{line}: comment inside"):
        canonical(path.read_text(encoding="utf-8"), Path(name))


def test_hash_in_iris_and_strings_is_not_a_comment() -> None:
    text = (
        "@prefix net: <https://w3id.org/netkg/ontology#> .\n"
        'net:x net:note "not # a comment" ; net:see <http://example.org/a#b> .\n'
    )
    out = canonical(text, Path("x.ttl"))
    assert '"not # a comment"' in out and "<http://example.org/a#b>" in out


def copy_fmt_project(tmp_path: Path) -> Path:
    (tmp_path / "data").mkdir()
    for name in ("messy.ttl", "inner-comment.ttl"):
        shutil.copy(FIXTURES / "fmt" / name, tmp_path / "data" / name)
    return tmp_path


def test_check_changes_nothing_and_lists_files(tmp_path: Path) -> None:
    root = copy_fmt_project(tmp_path)
    before = {p: p.read_bytes() for p in (root / "data").iterdir()}
    outcome = format_paths(root, check=True)
    assert outcome.changed == [Path("data/messy.ttl")]
    assert [p for p, _ in outcome.refused] == [Path("data/inner-comment.ttl")]
    assert {p: p.read_bytes() for p in (root / "data").iterdir()} == before


def test_format_rewrites_atomically_and_then_is_canonical(tmp_path: Path) -> None:
    root = copy_fmt_project(tmp_path)
    inner = (root / "data" / "inner-comment.ttl").read_bytes()
    outcome = format_paths(root)
    assert outcome.changed == [Path("data/messy.ttl")]
    assert (root / "data" / "inner-comment.ttl").read_bytes() == inner  # refused: untouched
    assert sorted(p.name for p in (root / "data").iterdir()) == [
        "inner-comment.ttl",
        "messy.ttl",
    ]  # no temp files
    again = format_paths(root, check=True)
    assert again.changed == [] and again.unchanged == [Path("data/messy.ttl")]


def test_unparseable_files_are_listed_and_left_alone(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    shutil.copy(FIXTURES / "broken" / "syntax.ttl", tmp_path / "data" / "syntax.ttl")
    shutil.copy(FIXTURES / "fmt" / "messy.ttl", tmp_path / "data" / "messy.ttl")
    outcome = format_paths(tmp_path)
    assert [(str(p.file), p.line) for p in outcome.unreadable] == [("data/syntax.ttl", 5)]
    assert outcome.changed == [Path("data/messy.ttl")]


def test_missing_path_raises(tmp_path: Path) -> None:
    with pytest.raises(SourceError):
        format_paths(tmp_path, [tmp_path / "nope.ttl"])


def test_a_comment_above_a_later_prefix_joins_the_header() -> None:
    text = (
        "@prefix id: <https://w3id.org/netkg/id/> .\n"
        "id:a id:p id:b .\n"
        "# why skos is needed\n"
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        'id:a skos:prefLabel "A"@en .\n'
    )
    out = canonical(text, Path("x.ttl"))
    assert out.startswith("# why skos is needed\n\n@prefix id:")
    assert canonical(out, Path("x.ttl")) == out


def test_a_comment_above_a_blank_node_subject_is_refused() -> None:
    text = "@prefix id: <https://w3id.org/netkg/id/> .\n# about the node\n[] id:p id:b .\n"
    with pytest.raises(CommentWouldBeLost, match=r"x.ttl:2: comment above a blank-node subject"):
        canonical(text, Path("x.ttl"))


def test_an_empty_file_stays_empty() -> None:
    assert canonical("", Path("x.ttl")) == ""


SHAPES_LIKE = """\
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <https://w3id.org/netkg/shapes#> .
ex:S sh:property [ sh:path ex:p ; sh:minCount 1 ] , [ sh:path ex:p ; sh:minCount 1 ] ,
        [ sh:path ex:q ; sh:in ( ex:a ex:b ) ] ;
    sh:or ( [ sh:path ex:p ] [ sh:path ex:p ] ) .
[] a sh:NodeShape ; sh:targetClass ex:T .
[] a sh:NodeShape ; sh:targetClass ex:T .
"""


def test_identical_blank_nodes_stay_distinct_and_output_is_stable() -> None:
    once = canonical(SHAPES_LIKE, Path("s.ttl"))
    assert len(graph_of(once)) == len(graph_of(SHAPES_LIKE))
    assert isomorphic(graph_of(once), graph_of(SHAPES_LIKE))
    assert canonical(once, Path("s.ttl")) == once
    assert canonical(SHAPES_LIKE, Path("s.ttl")) == once  # same input, same bytes


def test_same_graph_tells_graphs_apart() -> None:
    from netkg.curate.fmt import _same_graph

    changed = SHAPES_LIKE.replace("sh:minCount 1 ] ,", "sh:minCount 2 ] ,", 1)
    assert _same_graph(graph_of(SHAPES_LIKE), graph_of(SHAPES_LIKE))
    assert not _same_graph(graph_of(SHAPES_LIKE), graph_of(changed))
    shared = (
        "@prefix ex: <https://w3id.org/netkg/x#> .\n"
        "_:b ex:p 1 .\nex:a ex:q _:b .\nex:c ex:q _:b .\n"
    )
    assert _same_graph(graph_of(shared), graph_of(shared))  # shared node: rdflib's test
