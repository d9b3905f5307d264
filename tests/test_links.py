"""No broken link, no dead IRI: a real `netkg serve` of the project's own release, crawled.

Starting from the pages a person opens (/, /guide, /ontology, /sparql, /partners) and every
resource page, every internal `href` and `src` is followed (GET, redirects included) and must
answer 2xx. Every IRI the release mints under netkg's base must dereference the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
import pyoxigraph as ox
import pytest
from lxml import html
from service_support import running_netkg

from netkg.release.build import build_release

ROOT = Path(__file__).parent.parent
BASE = "https://w3id.org/netkg/"
START = ["/", "/guide", "/ontology", "/sparql", "/partners"]
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_release(ROOT, tmp_path_factory.mktemp("links") / "dist")


@pytest.fixture(scope="module")
def server(release: Path) -> Iterator[str]:
    with running_netkg(release) as base:
        yield base


def minted_iris(release: Path) -> set[str]:
    """Every IRI under netkg's base in the release, fragment dropped (the document is fetched)."""
    iris: set[str] = set()
    for quad in ox.parse(path=release / "netkg.nq", format=ox.RdfFormat.N_QUADS):
        for term in (quad.subject, quad.predicate, quad.object, quad.graph_name):
            if isinstance(term, ox.NamedNode) and term.value.startswith(BASE):
                iris.add(term.value.partition("#")[0])
    return iris


def _links(page: str, url: str, origin: str) -> set[str]:
    """The internal links of an HTML page (same origin), as absolute URLs without fragment."""
    found = set()
    for element in html.fromstring(page).xpath("//*[@href or @src]"):
        target = element.get("href") or element.get("src")
        absolute = urljoin(url, target).partition("#")[0]
        if absolute.startswith(origin + "/") or absolute == origin:
            found.add(absolute)
    return found


def test_every_minted_iri_dereferences(server: str, release: Path) -> None:
    iris = minted_iris(release)
    assert any("/external/icdo3/" in iri for iri in iris)  # the codes netkg names for ICD-O-3
    broken = {}
    with httpx.Client(follow_redirects=True, timeout=30) as http:
        for iri in sorted(iris):
            for accept in ("text/html", "text/turtle"):
                response = http.get(server + "/" + iri[len(BASE) :], headers={"Accept": accept})
                if response.status_code != 200:
                    broken[f"{iri} ({accept})"] = response.status_code
    assert broken == {}, "\n".join(f"{k}: {v}" for k, v in broken.items())


def test_no_internal_link_is_broken(server: str, release: Path) -> None:
    resources = {server + "/" + iri[len(BASE) :] for iri in minted_iris(release) if "/id/" in iri}
    to_visit = [server + path for path in START] + sorted(resources)
    seen = set(to_visit)
    broken: dict[str, int] = {}
    crawled = 0
    with httpx.Client(follow_redirects=True, timeout=30, headers=BROWSER) as http:
        while to_visit:
            url = to_visit.pop()
            response = http.get(url)
            crawled += 1
            if response.status_code != 200:
                broken[url] = response.status_code
                continue
            if not response.headers.get("content-type", "").startswith("text/html"):
                continue
            if urlsplit(url).path.startswith("/download/"):
                continue
            for link in _links(response.text, str(response.url), server) - seen:
                seen.add(link)
                # a link's target is fetched; only our own pages are crawled further
                to_visit.append(link)
    assert broken == {}, "\n".join(f"{k}: {v}" for k, v in broken.items())
    assert crawled > len(resources)
