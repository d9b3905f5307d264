"""The Content-Security-Policy blocks nothing netkg's pages need, in a real chromium.

Every page type is opened with a listener for CSP violations (the browser's own
`securitypolicyviolation` events and console reports); the editor runs a query, the guide's
diagram keeps its colours (its inline <style> is allowed by hash), and /docs draws Swagger UI.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

PAGES = ["/", "/guide", "/id/surgery", "/ontology", "/partners", "/download/", "/void"]
LISTEN = """() => {
  window.__violations = [];
  document.addEventListener('securitypolicyviolation',
    (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));
}"""


@pytest.fixture
def watched(page: Page) -> Iterator[Page]:
    """`page`, failing the test on any CSP violation or CSP console report."""
    reports: list[str] = []
    page.on(
        "console",
        lambda message: (
            reports.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.add_init_script(f"({LISTEN})()")
    yield page
    violations = page.evaluate("window.__violations || []")
    assert not reports and not violations, (reports, violations)


@pytest.mark.parametrize("path", PAGES)
def test_no_page_breaks_the_policy(watched: Page, path: str) -> None:
    response = watched.goto(path)
    assert response is not None and response.ok
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    watched.wait_for_load_state("networkidle")


def test_the_editor_runs_under_the_policy(watched: Page) -> None:
    watched.goto("/sparql")
    watched.locator("#query").fill("SELECT ?s WHERE { ?s a net:Treatment } ORDER BY ?s")
    watched.locator("#query-form button[type=submit]").click()
    expect(watched.locator("#results table tbody tr")).to_have_count(5)
    expect(watched.locator("#query-highlight .tok-keyword").first).to_have_text("SELECT")


def test_a_query_opened_by_address_shows_its_results_without_script(watched: Page) -> None:
    watched.goto("/sparql?query=SELECT%20%3Fs%20WHERE%20%7B%20%3Fs%20a%20net%3ATreatment%20%7D")
    expect(watched.locator("#results table tbody tr")).to_have_count(5)
    expect(watched.locator("#query")).to_have_value(re.compile("net:Treatment"))


def test_the_guide_diagram_keeps_its_inline_style(watched: Page) -> None:
    watched.goto("/guide")
    box = watched.locator("figure svg .n-treat rect").first
    expect(box).to_be_visible()
    assert box.evaluate("node => getComputedStyle(node).fill") == "rgb(234, 242, 227)"


def test_swagger_ui_draws_the_api_under_its_own_policy(watched: Page) -> None:
    response = watched.goto("/docs")
    assert response is not None
    assert "'sha256-" in response.headers["content-security-policy"]
    expect(watched.locator(".opblock").first).to_be_visible(timeout=20_000)
    expect(watched.locator(".opblock-summary-path", has_text="/sparql").first).to_be_visible()
