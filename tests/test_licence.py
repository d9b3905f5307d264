"""Licence and rights, stated where people and machines look: `/`, VoID/DCAT, the README.

netkg licenses its own work (CC BY 4.0); the page's content stays the Canadian Cancer Society's;
SNOMED CT codes come with SNOMED International's terms. (The partner documents carry the same
statements: tests/test_partner_jsonld.py.)
"""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest
from fastapi.testclient import TestClient
from rdflib import RDF, RDFS, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS

ROOT = Path(__file__).resolve().parent.parent
CC_BY = URIRef("https://creativecommons.org/licenses/by/4.0/")
NV = Namespace("https://w3id.org/netkg/void#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")  # rdflib's closed DCAT warns on lookups
ID = Namespace("https://w3id.org/netkg/id/")


@pytest.fixture(scope="module")
def void(dist: Path) -> Graph:
    return Graph().parse(dist / "void.ttl")


def _texts(void: Graph, subject: URIRef, predicate: URIRef) -> dict[str, str]:
    return {
        str(o.language): str(o) for o in void.objects(subject, predicate) if isinstance(o, Literal)
    }


def test_void_licenses_netkgs_work_and_states_the_rights_of_others(void: Graph) -> None:
    assert set(void.objects(NV.netkg, DCTERMS.license)) == {CC_BY}
    assert void.value(NV.netkg, DCTERMS.publisher) == ID["netkg-project"]
    rights = set(void.objects(NV.netkg, DCTERMS.rights))
    assert rights == {NV["rights-netkg"], NV["rights-ccs"], NV["rights-snomed"]}
    for statement in rights:
        assert (statement, RDF.type, DCTERMS.RightsStatement) in void
        for predicate in (RDFS.label, RDFS.comment):
            assert set(_texts(void, statement, predicate)) == {"en", "fr"}, (statement, predicate)
    assert void.value(NV["rights-netkg"], DCTERMS.license) == CC_BY
    assert void.value(NV["rights-netkg"], DCTERMS.rightsHolder) == ID["netkg-project"]
    assert void.value(NV["rights-ccs"], DCTERMS.rightsHolder) == ID["canadian-cancer-society"]
    ccs = _texts(void, NV["rights-ccs"], RDFS.comment)
    assert "© 2024 Canadian Cancer Society" in ccs["en"]
    assert "© 2024 Société canadienne du cancer" in ccs["fr"]
    assert "does not cover" in ccs["en"]
    snomed = _texts(void, NV["rights-snomed"], RDFS.comment)
    assert "owned and licensed by SNOMED International" in snomed["en"]
    assert "does not cover them and grants no right" in snomed["en"]
    # netkg states the terms; it claims no SNOMED CT licence of its own
    assert "netkg holds" not in snomed["en"] and "affiliate" not in snomed["en"].lower()
    assert "SNOMED International" in snomed["fr"]


def test_each_release_file_says_its_terms(void: Graph) -> None:
    """netkg's files are CC BY 4.0; the copy of the page's text is the Society's, not netkg's."""
    files = {
        str(void.value(d, DCTERMS.title)): d for d in void.objects(NV.netkg, DCAT.distribution)
    }
    assert "ccs-net-treatments.txt" in files and "netkg.ttl" in files
    for name, distribution in files.items():
        licences = set(void.objects(distribution, DCTERMS.license))
        if name.endswith(".txt"):
            assert licences == set(), name
            assert void.value(distribution, DCTERMS.rights) == NV["rights-ccs"]
            assert str(void.value(distribution, DCAT.mediaType)).startswith("text/plain")
        else:
            assert licences == {CC_BY}, name


@pytest.mark.parametrize(
    ("lang", "heading", "says"),
    [
        (
            "en",
            "Licence and rights",
            ["CC BY 4.0", "Canadian Cancer Society", "SNOMED International"],
        ),
        (
            "fr",
            "Licence et droits",
            ["CC BY 4.0", "Société canadienne du cancer", "SNOMED International"],
        ),
    ],
)
def test_the_home_page_states_licence_and_rights(
    client: TestClient, void: Graph, lang: str, heading: str, says: list[str]
) -> None:
    response = client.get("/", params={"lang": lang}, headers={"Accept": "text/html"})
    assert response.status_code == 200
    page = lxml.html.fromstring(response.text)
    section = page.get_element_by_id("rights")
    assert section.xpath("string(.//h2)") == heading
    assert section.xpath(".//a[@rel='license']/@href") == [str(CC_BY)]
    text = section.text_content()
    for statement in void.objects(NV.netkg, DCTERMS.rights):
        for predicate in (RDFS.label, RDFS.comment):
            assert _texts(void, statement, predicate)[lang] in text
    for word in says:
        assert word in text
    # netkg's own licence comes first
    assert section.xpath("string(.//dt[1]/@id)") == "rights-netkg"
    # every page links to the statement
    assert page.xpath("//footer//a[@href='/#rights']")


def test_the_readme_states_licence_and_rights() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Licence and rights") :]
    section = section[: section.find("\n## ", 5) if "\n## " in section[5:] else None]
    for words in (
        "CC BY 4.0",
        "© 2024 Canadian Cancer Society",
        "SNOMED International",
        "dcterms:license",
        "dcterms:rights",
    ):
        assert words in section, words


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_downloads_page_says_which_files_are_whose(client: TestClient, lang: str) -> None:
    page = lxml.html.fromstring(client.get("/download/", params={"lang": lang}).text)
    text = page.xpath("string(//main)")
    assert "CC BY 4.0" in text and "SNOMED International" in text
    assert "ccs-net-treatments.txt" in text  # the file whose rights are the Society's
    assert page.xpath("//main//a[@href='/#rights']")
