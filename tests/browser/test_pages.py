"""netkg's pages in a real headless chromium against a real `netkg serve`: what a person does.

Open the guide, follow a treatment, switch language, run an example query in the editor and see
rows, download a result; every page type passes axe-core (no serious or critical violation) and is
saved as a screenshot in test-artifacts/screenshots/.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from browser_support import axe_violations, describe, screenshot
from playwright.sync_api import Browser, BrowserContext, Page, expect

PAGE_TYPES = {
    "home": "/",
    "guide": "/guide",
    "resource": "/id/surgery",
    "statement": "/id/usage-radiation-when-spread",
    "reference": "/id/ref-singh-2016",
    "ontology": "/ontology",
    "ontology-term": "/ontology#Treatment",
    "editor": "/sparql",
    "downloads": "/download",
    "partners": "/partners",
    "not-found": "/id/no-such-thing",
}


def test_open_the_guide_and_follow_a_treatment(page: Page) -> None:
    page.goto("/guide")
    expect(page.locator("h1")).to_contain_text("neuroendocrine")
    expect(page.locator("li.factor")).to_have_count(7)
    surgery = page.locator("article[data-iri$='/id/surgery'] h3 a")
    expect(surgery).to_have_text(re.compile("surgery", re.IGNORECASE))
    surgery.click()
    expect(page).to_have_url(re.compile(r"/id/surgery$"))
    expect(page.locator("h1")).to_contain_text(re.compile("surgery", re.IGNORECASE))
    # back on the guide, a statement's source link leads to the section of the source page
    page.go_back()
    page.locator("li.fact[data-iri$='/id/usage-surgery-usual'] a.source-link").first.click()
    expect(page).to_have_url(re.compile(r"/id/ccs-net-treatments/surgery$"))


def test_the_diagram_is_clickable(page: Page) -> None:
    page.goto("/guide")
    box = page.locator("figure svg a[href='/id/liver-directed-therapy']")
    expect(box).to_have_count(1)
    box.click()
    expect(page).to_have_url(re.compile(r"/id/liver-directed-therapy$"))
    page.set_viewport_size({"width": 940, "height": 1000})
    page.goto("/guide/diagram.svg")
    screenshot(page, "diagram", full_page=False)
    assert page.locator("a").count() >= 20


def test_switch_language_and_keep_it(page: Page) -> None:
    page.goto("/guide")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.locator(".lang-switch a[hreflang='fr']").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("#treatments-title")).to_have_text("Traitements")
    surgery = page.locator("article[data-iri$='/id/surgery'] h3 a")
    expect(surgery).to_have_attribute("lang", "fr")
    expect(surgery).to_have_text(re.compile("chirurgie", re.IGNORECASE))
    screenshot(page, "guide-fr")
    # the choice follows the person to other pages, without ?lang=
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.locator(".lang-switch a[hreflang='en']").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_accept_language_french(browser: Browser, site: str) -> None:
    context = browser.new_context(base_url=site, locale="fr-CA")
    try:
        page = context.new_page()
        page.goto("/guide")
        expect(page.locator("html")).to_have_attribute("lang", "fr")
    finally:
        context.close()


def test_run_an_example_query_and_download_the_result(
    page: Page, tmp_path: Path, axe_source: Path
) -> None:
    page.goto("/sparql")
    expect(page.locator("h1")).to_contain_text("SPARQL")
    # the example from api/decision-factors.rq (found by its text, not its title)
    texts = page.evaluate("JSON.parse(document.getElementById('examples').textContent)")
    assert len(texts) >= 5, "the examples are the named queries of api/"
    index = next(i for i, text in enumerate(texts) if "net:DecisionFactor" in text)
    page.locator("#example").select_option(value=str(index))
    expect(page.locator("#query")).not_to_have_value("")
    page.locator("#query-form button[type=submit]").click()
    rows = page.locator("#results table tbody tr")
    expect(rows).to_have_count(7)  # the seven decision factors
    # IRIs in the results are links to their pages here
    expect(page.locator("#results table tbody a[href^='/id/']").first).to_be_visible()
    # the page address now carries the query, so it can be shared
    shared = page.url
    assert "#query=" in shared
    screenshot(page, "editor-results")
    violations = axe_violations(page, axe_source)  # the results table too
    assert not violations, describe(violations)
    # download as CSV
    with page.expect_download() as info:
        page.locator("#results a.download", has_text="CSV").click()
    saved = tmp_path / "results.csv"
    info.value.save_as(saved)
    table = list(csv.reader(io.StringIO(saved.read_text("utf-8"))))
    assert len(table) == rows.count() + 1, "the CSV has the header and every row of the table"
    # opening the shared address runs the same query again
    page.goto("about:blank")
    page.goto(shared)
    expect(page.locator("#results table tbody tr")).to_have_count(len(table) - 1)


def test_the_editor_highlights_and_leaves_the_keyboard_free(page: Page) -> None:
    page.goto("/sparql")
    query = page.locator("#query")
    query.fill("SELECT ?s WHERE { ?s a <https://w3id.org/netkg/ontology#Treatment> } # done")
    expect(page.locator("#query-highlight .tok-keyword").first).to_have_text("SELECT")
    expect(page.locator("#query-highlight .tok-var").first).to_have_text("?s")
    expect(page.locator("#query-highlight .tok-comment")).to_have_text("# done")
    query.focus()
    page.keyboard.press("Escape")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") != "query"


def test_skip_link_and_landmarks(page: Page) -> None:
    page.goto("/guide")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    skip.press("Enter")
    assert page.url.endswith("#main")
    for landmark in ("header", "main", "footer", "nav"):
        assert page.locator(landmark).count() >= 1, landmark


def test_the_guide_reads_without_javascript(browser: Browser, site: str) -> None:
    context = browser.new_context(base_url=site, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/guide")
        expect(page.locator("li.fact")).to_have_count(12)
        expect(page.locator("li.reference")).to_have_count(9)
        expect(page.locator("figure svg a").first).to_be_visible()
        screenshot(page, "guide-no-js")
    finally:
        context.close()


def test_the_guide_fits_a_phone(browser: Browser, site: str) -> None:
    context = browser.new_context(
        base_url=site, viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True
    )
    try:
        page = context.new_page()
        for name in ("guide", "resource", "editor", "home"):
            page.goto(PAGE_TYPES[name])
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 1, f"{name} scrolls sideways on a phone by {overflow}px"
            screenshot(page, f"{name}-phone")
    finally:
        context.close()


@pytest.mark.parametrize("name", sorted(PAGE_TYPES))
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_page_type_is_accessible(
    context: BrowserContext, axe_source: Path, name: str, lang: str
) -> None:
    page = context.new_page()
    separator = "&" if "?" in PAGE_TYPES[name] else "?"
    path, _, fragment = PAGE_TYPES[name].partition("#")
    response = page.goto(f"{path}{separator}lang={lang}" + (f"#{fragment}" if fragment else ""))
    assert response is not None
    assert response.status == (404 if name == "not-found" else 200)
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("main")).to_have_count(1)
    expect(page.locator("h1")).to_have_count(1)
    screenshot(page, f"{name}-{lang}")
    violations = axe_violations(page, axe_source)
    assert not violations, describe(violations)
