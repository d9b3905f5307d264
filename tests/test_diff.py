"""`netkg diff`: added and removed statements by subject, with labels, in three formats."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from netkg.curate.diff import diff_paths, render
from netkg.errors import SourceError
from netkg.release.build import build_release

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "release"
OLD, NEW = FIXTURES / "src", FIXTURES / "changed"


def test_same_tree_has_no_changes() -> None:
    d = diff_paths(OLD, OLD)
    assert not d
    assert "no changes" in render(d, "text")


def test_changes_are_grouped_by_subject_with_labels() -> None:
    d = diff_paths(OLD, NEW)
    assert (d.added, d.removed) == (5, 1)
    by_subject = {c.subject.n3(): c for c in d.changes}
    assert sorted(by_subject) == [
        "<https://w3id.org/netkg/id/liver-directed-therapy>",
        "<https://w3id.org/netkg/id/radiation-therapy>",
        "<https://w3id.org/netkg/id/surgery>",
    ]
    surgery = by_subject["<https://w3id.org/netkg/id/surgery>"]
    assert surgery.label == "surgery"
    assert [o.n3() for _, o in surgery.removed] == ['"Removing the tumour in an operation."@en']
    assert [o.n3() for _, o in surgery.added] == ['"An operation to remove the tumour."@en']
    assert by_subject["<https://w3id.org/netkg/id/liver-directed-therapy>"].label == (
        "liver-directed therapy"
    )


def test_text_format() -> None:
    text = render(diff_paths(OLD, NEW), "text")
    assert "+5 -1 statements in 3 subject(s)" in text
    assert (
        'id:surgery  (surgery)\n  - skos:definition "Removing the tumour in an operation."@en'
        in text
    )
    assert '  + skos:altLabel "radiation treatment"@en' in text


def test_markdown_format_for_a_pull_request_comment() -> None:
    text = render(diff_paths(OLD, NEW), "markdown")
    assert text.startswith("### netkg diff: +5 -1 statements in 3 subject(s)")
    assert "#### `id:surgery` — surgery" in text
    assert '```diff\n- skos:definition "Removing the tumour in an operation."@en\n' in text


def test_json_format() -> None:
    document = json.loads(render(diff_paths(OLD, NEW), "json"))
    assert (document["added"], document["removed"]) == (5, 1)
    first = document["subjects"][0]
    assert first["subject"] == "<https://w3id.org/netkg/id/liver-directed-therapy>"
    assert [
        "<http://www.w3.org/2004/02/skos/core#prefLabel>",
        '"liver-directed therapy"@en',
    ] in first["added"]


def test_a_release_compares_with_its_own_sources(tmp_path: Path) -> None:
    """A release folder and a source tree are both inputs; blank nodes compare by structure."""
    dist = build_release(OLD, tmp_path / "dist", date="2026-01-01")
    assert not diff_paths(dist, OLD)
    assert diff_paths(dist, NEW).added == 5


def test_a_release_and_its_sources_compare_like_with_like(tmp_path: Path) -> None:
    """The release's generated part (named-query examples, VoID) is not in any source tree, so a
    release is compared with sources by its curated graphs, and with a release in full."""
    src = tmp_path / "src"
    shutil.copytree(OLD, src)
    shutil.copytree(ROOT / "api", src / "api")
    dist = build_release(src, tmp_path / "dist", date="2026-01-01")
    examples = json.loads((dist / "release.json").read_text(encoding="utf-8"))["graphs"]["queries"]
    assert examples > 0
    for old, new in ((dist, src), (src, dist)):
        d = diff_paths(old, new)
        assert (d.added, d.removed) == (0, 0), render(d, "text")
        assert render(d, "text") == (
            f"{old} → {new}: no changes "
            "(the release's curated graphs, ontology and data, with the sources)\n"
        )
    changed = diff_paths(dist, NEW)
    assert (changed.added, changed.removed) == (5, 1)
    other = build_release(NEW, tmp_path / "other", date="2026-01-01")
    full = diff_paths(dist, other)  # release with release: the examples count too
    assert (full.added, full.removed) == (5, 1 + examples)
    document = json.loads(render(full, "json"))
    assert document["compared"] == (
        "both releases' curated graphs and named-query examples; VoID left out"
    )


def test_a_missing_path_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such file"):
        diff_paths(OLD, tmp_path / "nowhere")


def test_an_unparsable_file_is_a_source_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text("this is not turtle", encoding="utf-8")
    with pytest.raises(SourceError, match="cannot read it as RDF"):
        diff_paths(OLD, bad)
