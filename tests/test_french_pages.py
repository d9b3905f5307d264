"""Pages in French never pass English off as French (and English pages never pass off French).

Each page is rendered by the real service from the real release and parsed. A text shown in the
page's language must not be one of the graph's or the UI's texts in the other language; a text
shown in the other language must say so: `lang=` on its element and a visible marker
(`<small class="untranslated">`). Citations (`<cite>`) are references as printed, not texts to
translate, and quotations (`<q>`, `<blockquote>`) are the page's own words, in its language.
"""

from __future__ import annotations

import re
from pathlib import Path

import lxml.html
import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from netkg.web.pages import STRINGS, translate

ROOT = Path(__file__).resolve().parent.parent
PAGES = [
    "/",
    "/guide",
    "/partners",
    "/download/",
    "/id/surgery",
    "/id/radiation-therapy",
    "/id/usage-radiation-when-spread",
    "/id/neuroendocrine-tumour",
    "/id/ccs-net-treatments",
    "/ontology",
]
EXEMPT = {"blockquote", "cite", "code", "pre", "q", "script", "style", "title"}
OTHER = {"en": "fr", "fr": "en"}
MIN_INSIDE = 5  # a text this long counts inside a longer one; a shorter one only on its own


@pytest.fixture(scope="module")
def texts(dist: Path) -> dict[str | None, set[str]]:
    """Every text of the release and of the UI, by language (None: untagged)."""
    found: dict[str | None, set[str]] = {"en": set(), "fr": set(), None: set()}
    for quad in ox.parse(path=dist / "netkg.nq", format=ox.RdfFormat.N_QUADS):
        if isinstance(quad.object, ox.Literal):
            language = (quad.object.language or "").split("-")[0] or None
            found.setdefault(language, set()).add(quad.object.value.strip())
    for lang in ("en", "fr"):
        found[lang] |= {text.strip() for text in STRINGS[lang].values()}
    return found


def foreign(texts: dict[str | None, set[str]], lang: str) -> set[str]:
    """Texts only the other language has: shown unmarked, they are a silent fallback."""
    return texts[OTHER[lang]] - texts[lang] - texts[None]


def _language(element: lxml.html.HtmlElement) -> str | None:
    current: lxml.html.HtmlElement | None = element
    while current is not None:
        if current.get("lang"):
            return str(current.get("lang")).split("-")[0]
        current = current.getparent()
    return None


def _exempt(element: lxml.html.HtmlElement) -> bool:
    return any(
        isinstance(e.tag, str) and e.tag.split("}")[-1] in EXEMPT
        for e in [element, *element.iterancestors()]
    )


def _words(texts: frozenset[str]) -> set[str]:
    return {w.lower() for text in texts for w in re.findall(r"[\w'\u2019-]+", text)}


def _finder(others: set[str], own: frozenset[str]) -> re.Pattern[str] | None:
    """Finds any of `others` as whole words inside a longer text: not the short ones, and not
    one whose every word is also a word of the page's language ("conditions", "Classes")."""
    known = _words(own)
    long = sorted(
        (o for o in others if len(o) >= MIN_INSIDE and not _words(frozenset([o])) <= known),
        key=len,
        reverse=True,
    )
    if not long:
        return None
    words = "|".join(re.escape(o) for o in long)
    return re.compile(r"(?<![\w/-])(" + words + r")(?![\w/-])")  # not inside a name or a path


def language_problems(
    html: str, lang: str, others: set[str], own: frozenset[str] = frozenset()
) -> list[str]:
    """Unmarked texts of the other language, and marked-foreign elements with no marker.

    A text that is itself one of `own` (a known text in `lang`, or in none) may quote a title
    of the other language.
    """
    tree = lxml.html.fromstring(html)
    finder = _finder(others, own)
    problems = []
    for element in tree.iter():
        if not isinstance(element.tag, str) or _exempt(element):
            continue
        here = _language(element)
        pieces = [element.text] + [child.tail for child in element]
        for piece in pieces:
            if not piece or not piece.strip() or here != lang:
                continue
            found = piece.strip() if piece.strip() in others else None
            quoting = piece.strip() in own
            match = finder.search(piece) if finder and not found and not quoting else None
            if found or match:
                problems.append(f"<{element.tag}> shows {found or match[0]!r} as {lang}")
        tagged = element.get("lang")
        if tagged and tagged != lang and element.get("hreflang") is None:
            following = element.getnext()
            marked = element.find_class("untranslated") or (
                following is not None and "untranslated" in (following.get("class") or "")
            )
            if not marked:
                problems.append(
                    f"<{element.tag} lang={tagged}> {element.text_content()!r}: no marker"
                )
    return problems


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_pages_never_pass_one_language_off_as_the_other(
    client: TestClient, texts: dict[str | None, set[str]], path: str, lang: str
) -> None:
    response = client.get(path, params={"lang": lang}, headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert f'<html lang="{lang}">' in response.text
    own = frozenset(texts[lang] | texts[None])  # untagged: titles, external labels
    assert language_problems(response.text, lang, foreign(texts, lang), own) == []


def test_the_check_finds_a_silent_fallback_and_accepts_a_marked_one() -> None:
    silent = '<html lang="fr"><body><p>surgery</p><p lang="en">An operation.</p></body></html>'
    marked = (
        '<html lang="fr"><body><p><span lang="en">surgery</span>'
        '<small class="untranslated" lang="fr">(en anglais)</small></p></body></html>'
    )
    assert language_problems(silent, "fr", {"surgery"}) == [
        "<p> shows 'surgery' as fr",
        "<p lang=en> 'An operation.': no marker",
    ]
    assert language_problems(marked, "fr", {"surgery"}) == []
    inside = (
        '<html lang="fr"><body><li><code>/x</code>: surgery (MedicalTherapy)</li></body></html>'
    )
    assert language_problems(inside, "fr", {"surgery"}) == ["<li> shows 'surgery' as fr"]


def test_every_ui_string_is_in_every_language() -> None:
    assert set(STRINGS["fr"]) == set(STRINGS["en"])
    assert translate("fr", "nav.guide") == "Guide des traitements"
    assert translate("fr", "no.such.key") == "no.such.key"  # a gap shows, never English


def test_a_resource_without_french_says_so(client: TestClient) -> None:
    """The void description's English-only parts would be marked, not shown as French."""
    page = client.get("/id/ccs-net-treatments", params={"lang": "fr"}).text
    tree = lxml.html.fromstring(page)
    english = [e for e in tree.iter() if isinstance(e.tag, str) and e.get("lang") == "en"]
    assert english  # the page's English title and text are listed as such …
    for element in english:
        if _exempt(element) or element.get("hreflang"):
            continue
        following = element.getnext()
        assert following is not None and "untranslated" in (following.get("class") or "")
        assert following.text_content() == "(en anglais)"
