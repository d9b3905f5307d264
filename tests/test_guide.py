"""The treatment guide shows every fact of the source page, each linked to its source and record.

Two independent comparisons, so that a fact dropped anywhere fails a test:
- graph → guide: every decision factor, treatment, statement, reference and disclaimer point the
  release holds (read here with our own SPARQL, not the guide's) is on the page, with links to its
  resource page, to the resources it names and to the section of the source page it comes from;
- source text → graph: the page's bullets, qualifiers ("usually", "not usually", "most", …), roles,
  references and disclaimer phrases are each carried by some statement of the graph.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path
from xml.etree import ElementTree

import lxml.html
import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from netkg.web.negotiate import choose_language
from netkg.web.pages import LANGUAGES, local_href

ROOT = Path(__file__).resolve().parent.parent
NETKG_ID = "https://w3id.org/netkg/id/"
SOURCE_TEXT = (Path(__file__).parent / "fixtures" / "ccs-net-treatments.txt").read_text("utf-8")
BASE = "https://w3id.org/netkg/"
PREFIXES = """
PREFIX net: <https://w3id.org/netkg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX schema: <https://schema.org/>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""


@pytest.fixture(scope="module")
def graph(dist: Path) -> ox.Store:
    """The release read independently of the service, to know what the guide must show."""
    store = ox.Store()
    store.load(path=dist / "netkg.nt", format=ox.RdfFormat.N_TRIPLES)
    return store


@pytest.fixture(scope="module")
def guide(client: TestClient) -> lxml.html.HtmlElement:
    response = client.get("/guide", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    return lxml.html.fromstring(response.text)


def select(graph: ox.Store, query: str) -> list[dict[str, str]]:
    result = graph.query(PREFIXES + query)
    assert isinstance(result, ox.QuerySolutions)
    names = [v.value for v in result.variables]
    return [{name: row[name].value for name in names if row[name] is not None} for row in result]


def label(graph: ox.Store, iri: str, lang: str = "en") -> str:
    rows = select(
        graph, f"SELECT ?l WHERE {{ <{iri}> skos:prefLabel ?l FILTER(lang(?l) = '{lang}') }}"
    )
    assert rows, f"{iri} has no prefLabel@{lang}"
    return rows[0]["l"]


def href(iri: str) -> str:
    return local_href(iri, BASE)


def element(page: lxml.html.HtmlElement, iri: str) -> lxml.html.HtmlElement:
    found = page.xpath("//*[@data-iri=$iri]", iri=iri)
    assert len(found) == 1, f"expected one element for {iri} on the guide, found {len(found)}"
    return found[0]


def hrefs(node: lxml.html.HtmlElement) -> set[str]:
    return {a.get("href") for a in node.iter("a")}


def text_of(node: lxml.html.HtmlElement) -> str:
    return " ".join(node.text_content().split())


def words(text: str) -> str:
    return " ".join(re.sub(r"[^\w'\u2019-]+", " ", text.lower()).split())


def has_phrase(haystack: str, phrase: str) -> bool:
    return re.search(r"\b" + re.escape(words(phrase)) + r"\b", words(haystack)) is not None


@pytest.fixture(scope="module")
def sections(graph: ox.Store) -> dict[str, str]:
    """The source text cut at the section titles the graph records: {section IRI: its text}."""
    rows = select(
        graph,
        "SELECT ?s ?title WHERE { ?s a net:PageSection ; dcterms:title ?title }",
    )
    lines = SOURCE_TEXT.splitlines()
    starts: list[tuple[int, str]] = []
    for row in rows:
        where = [n for n, line in enumerate(lines) if line.strip() == row["title"].strip()]
        assert where, f"section title {row['title']!r} is not a heading of the source page"
        # the page title heads both the page and its overview: take the first heading not taken
        taken = {n for n, _ in starts}
        starts.append((next(n for n in where if n not in taken), row["s"]))
    starts.sort()
    cut = {}
    for (start, iri), (end, _) in zip(starts, [*starts[1:], (len(lines), "")], strict=True):
        cut[iri] = "\n".join(lines[start + 1 : end])
    return cut


def bullets(text: str) -> list[str]:
    return [line.strip().lstrip("•").strip() for line in text.splitlines() if "•" in line]


# --- decision factors ----------------------------------------------------------------------


def test_every_decision_factor_in_the_page_order(
    graph: ox.Store, guide: lxml.html.HtmlElement, sections: dict[str, str]
) -> None:
    factors = select(
        graph,
        """SELECT ?f ?pos ?reads ?source WHERE {
             ?f a net:DecisionFactor ; net:listPosition ?pos ; net:reads ?reads ;
                dcterms:source ?source }
           ORDER BY xsd:integer(?pos)""",
    )
    overview = sections[factors[0]["source"]]
    page_bullets = bullets(overview.split("Expert review")[0])
    assert len(factors) == len(page_bullets) == 7
    shown = [li.get("data-iri") for li in guide.xpath("//li[contains(@class, 'factor')]")]
    assert shown == [f["f"] for f in factors], "factors missing or out of the page's order"
    for factor, bullet in zip(factors, page_bullets, strict=True):
        item = element(guide, factor["f"])
        assert {href(factor["f"]), href(factor["reads"]), href(factor["source"])} <= hrefs(item)
        assert label(graph, factor["f"]).lower() in text_of(item).lower()
        # the graph's factor says what the page's bullet at the same position says
        content = {w for w in words(label(graph, factor["f"])).split() if len(w) > 4}
        assert content & set(words(bullet).split()), (factor["f"], bullet)


# --- statements: usage, spread, follow-up --------------------------------------------------

STATEMENT_LINKS = (
    "treatment",
    "followUp",
    "condition",
    "usageFrequency",
    "situation",
    "whenUsedSituation",
    "whenUsedFrequency",
    "indication",
    "indicationWeight",
    "eventFrequency",
    "practiceFrequency",
    "choiceDependsOn",
    "dependencyWeight",
    "benefitShare",
    "site",
    "sharedAmong",
)


# The properties that carry the page's qualifiers (how often, how many, how strongly).
QUALIFIERS = (
    "usageFrequency",
    "whenUsedFrequency",
    "eventFrequency",
    "practiceFrequency",
    "indicationWeight",
    "dependencyWeight",
    "benefitShare",
)


@pytest.fixture(scope="module")
def statements(graph: ox.Store) -> dict[str, dict[str, set[str]]]:
    rows = select(
        graph,
        """SELECT ?s ?p ?o WHERE {
             VALUES ?kind { net:UsageStatement net:ConditionalUseStatement
                            net:IndicationStatement net:SpreadStatement net:FollowUpStatement }
             ?s a ?kind ; ?p ?o }""",
    )
    found: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for row in rows:
        found[row["s"]][row["p"].rsplit("#", 1)[-1].rsplit("/", 1)[-1]].add(row["o"])
    return found


def test_the_graph_has_the_page_statements(statements: dict[str, dict[str, set[str]]]) -> None:
    # 6 usage, 1 conditional-use, 1 indication, 1 spread and 3 follow-up statements
    # (docs/model.md)
    assert len(statements) == 12, sorted(statements)


def test_every_statement_is_shown_with_all_its_links(
    graph: ox.Store, guide: lxml.html.HtmlElement, statements: dict[str, dict[str, set[str]]]
) -> None:
    for iri, props in statements.items():
        item = element(guide, iri)
        links = hrefs(item)
        assert href(iri) in links, f"{iri}: no link to its own record"
        assert props["source"], f"{iri} has no dcterms:source"
        for source in props["source"]:
            assert href(source) in links, f"{iri}: no link to its source {source}"
        for prop in STATEMENT_LINKS:
            for value in props.get(prop, set()):
                if prop in ("treatment", "followUp"):
                    # the statement sits inside the article about its treatment
                    article = item.xpath("ancestor::article[1]")
                    assert article and article[0].get("data-iri") == value, (iri, value)
                else:
                    assert href(value) in links, f"{iri}: no link to its {prop} {value}"
                    assert label(graph, value).lower() in text_of(item).lower()
        assert label(graph, iri)[:1].upper() + label(graph, iri)[1:] in text_of(item)


def test_every_qualifier_of_the_source_page_is_in_a_statement(
    graph: ox.Store, statements: dict[str, dict[str, set[str]]], sections: dict[str, str]
) -> None:
    """Each "usually", "not usually", "often", "most"… the page says is carried by the graph."""
    qualifiers = select(
        graph,
        """SELECT ?c ?l WHERE {
             VALUES ?scheme { <https://w3id.org/netkg/id/usage-frequency>
                              <https://w3id.org/netkg/id/emphasis>
                              <https://w3id.org/netkg/id/population-share> }
             ?c skos:inScheme ?scheme ; skos:prefLabel ?l FILTER(lang(?l) = 'en') }""",
    )
    assert len(qualifiers) >= 6
    by_label = {row["l"].lower(): row["c"] for row in qualifiers}
    longest_first = sorted(by_label, key=len, reverse=True)
    for section, text in sections.items():
        said: set[str] = set()
        remaining = words(text)
        for phrase in longest_first:
            pattern = r"\b" + re.escape(phrase) + r"\b"
            if re.search(pattern, remaining):
                said.add(by_label[phrase])
                remaining = re.sub(pattern, " ", remaining)
        carried = {
            value
            for props in statements.values()
            if section in props["source"]
            for prop in QUALIFIERS
            for value in props.get(prop, set())
        }
        assert said <= carried, f"{section}: the page says {said - carried} but no statement does"


def test_statements_match_their_source_section(
    graph: ox.Store, statements: dict[str, dict[str, set[str]]], sections: dict[str, str]
) -> None:
    for iri, props in statements.items():
        cited = [s for s in props["source"] if s in sections]
        assert cited, f"{iri} cites no section of the page"
        text = " ".join(sections[s] for s in cited)
        for prop in (*QUALIFIERS, "site", "sharedAmong"):
            for value in props.get(prop, set()):
                assert has_phrase(text, label(graph, value)), (iri, prop, label(graph, value))
        for subject in props.get("treatment", set()) | props.get("followUp", set()):
            names = [label(graph, subject)] + [
                row["l"]
                for row in select(graph, f"SELECT ?l WHERE {{ <{subject}> skos:altLabel ?l }}")
            ]
            assert any(has_phrase(text, name) for name in names), (iri, names)


def test_the_conditional_radiation_statement_reads_as_the_page_says(
    guide: lxml.html.HtmlElement,
) -> None:
    """ "If used, it is usually when the cancer has spread": shown as a condition on use, with
    the page's sentence, and never as how often radiation is used."""
    item = element(guide, NETKG_ID + "usage-radiation-when-spread")
    when = item.xpath(".//div[contains(@class, 'fact-when-used')]")
    assert when and "usually" in text_of(when[0]) and "spread" in text_of(when[0])
    assert "How often" not in text_of(item)
    assert "If used, it is usually when the cancer has spread" in text_of(item)
    main = element(guide, NETKG_ID + "usage-liver-directed-no-surgery")
    assert main.xpath(".//div[contains(@class, 'fact-indication')]")
    assert "How often" not in text_of(main)


def test_every_statement_shows_the_page_sentence(
    guide: lxml.html.HtmlElement, statements: dict[str, dict[str, set[str]]]
) -> None:
    for iri in statements:
        quote = element(guide, iri).xpath(".//q")
        assert quote, f"{iri}: the page's sentence is not shown"
        assert " ".join(text_of(quote[0]).split()) in " ".join(SOURCE_TEXT.split())


def test_follow_up_is_shared_among_the_page_roles(
    guide: lxml.html.HtmlElement, statements: dict[str, dict[str, set[str]]], graph: ox.Store
) -> None:
    roles = {r for props in statements.values() for r in props.get("sharedAmong", set())}
    assert {label(graph, r) for r in roles} >= {"surgeon", "oncologist", "endocrinologist"}
    follow_up = guide.get_element_by_id("follow-up")
    assert {href(r) for r in roles} <= hrefs(follow_up)


# --- treatments ------------------------------------------------------------------------------


def test_every_treatment_has_its_own_article(graph: ox.Store, guide: lxml.html.HtmlElement) -> None:
    treatments = select(
        graph,
        """SELECT DISTINCT ?t WHERE {
             <https://w3id.org/netkg/id/neuroendocrine-tumour> schema:possibleTreatment ?t }""",
    )
    assert len(treatments) >= 5
    for row in treatments:
        article = element(guide, row["t"])
        assert article.tag == "article"
        heading = article.xpath(".//h3//a")[0]
        assert heading.get("href") == href(row["t"])
        assert heading.text_content().lower() == label(graph, row["t"]).lower()
        alts = select(graph, f"SELECT ?l WHERE {{ <{row['t']}> skos:altLabel ?l }}")
        for alt in alts:
            assert alt["l"] in text_of(article), f"{row['t']}: alt label {alt['l']!r} not shown"
    # the source page's other names for biological therapy are all on the guide
    for name in ("biotherapy", "biological response modifiers", "BRMs"):
        assert name in SOURCE_TEXT and name in text_of(guide)


# --- references and disclaimer ---------------------------------------------------------------


def test_every_reference_as_the_page_prints_it(
    graph: ox.Store, guide: lxml.html.HtmlElement, sections: dict[str, str]
) -> None:
    refs = select(
        graph,
        """SELECT ?r ?pos ?text WHERE {
             ?r a net:Reference ; net:listPosition ?pos ; net:citationText ?text }""",
    )
    refs.sort(key=lambda r: int(r["pos"]))
    section = next(t for iri, t in sections.items() if iri.endswith("/references"))
    printed = [" ".join(b.split()) for b in bullets(section)]
    assert len(refs) == len(printed) == 9
    shown = guide.xpath("//li[contains(@class, 'reference')]")
    assert [li.get("data-iri") for li in shown] == [r["r"] for r in refs]
    for ref, item, line in zip(refs, shown, printed, strict=True):
        citation = " ".join(ref["text"].split())
        assert citation.lstrip("• ") in line or line in citation, (ref["r"], line)
        assert citation in text_of(item)
        assert href(ref["r"]) in hrefs(item)


def test_the_disclaimer_says_what_the_page_says(
    graph: ox.Store, guide: lxml.html.HtmlElement, sections: dict[str, str]
) -> None:
    points = select(
        graph,
        """SELECT ?d ?p WHERE { ?d a net:MedicalDisclaimer ; net:disclaimerPoint ?p
                                FILTER(LANG(?p) = "en") }""",
    )
    assert len(points) >= 3
    box = guide.get_element_by_id("disclaimer")
    shown = text_of(box)
    for row in points:
        assert " ".join(row["p"].split()) in shown
    # the English guide shows the English points only, not their French translation
    assert "La Société" not in shown
    assert href(points[0]["d"]) in hrefs(box)
    page = words(next(t for iri, t in sections.items() if iri.endswith("/disclaimer")))
    for stem in ("doctor", "qualified", "guarantee", "responsib", "endorse", "product"):
        assert stem in page, stem
        assert stem in words(shown), f"the disclaimer on the guide lost {stem!r}"
    # and the footer of every page links to it
    assert "/guide#disclaimer" in hrefs(guide.xpath("//footer")[0])


def test_the_french_guide_shows_the_disclaimer_and_statements_in_french(
    client: TestClient, graph: ox.Store
) -> None:
    response = client.get("/guide?lang=fr")
    client.cookies.clear()
    page = lxml.html.fromstring(response.text)
    box = page.get_element_by_id("disclaimer")
    points = select(
        graph,
        """SELECT ?p WHERE { ?d a net:MedicalDisclaimer ; net:disclaimerPoint ?p
                             FILTER(LANG(?p) = "fr") }""",
    )
    assert len(points) >= 3
    for row in points:
        assert " ".join(row["p"].split()) in text_of(box)
    assert "The Society" not in text_of(box)
    item = element(page, NETKG_ID + "usage-radiation-when-spread")
    assert "radiothérapie" in text_of(item).lower()


def test_the_treatment_plan_and_its_basis(graph: ox.Store, guide: lxml.html.HtmlElement) -> None:
    rows = select(graph, "SELECT ?p ?b WHERE { ?p a net:TreatmentPlan ; net:basedOn ?b }")
    assert rows
    plan = element(guide, rows[0]["p"])
    for row in rows:
        assert href(row["b"]) in hrefs(plan)
    assert "just for you" in SOURCE_TEXT  # the page's "personalised" claim…
    personalised = graph.query(PREFIXES + "ASK { ?p a net:TreatmentPlan ; net:personalised true }")
    assert bool(personalised)
    assert plan.xpath(".//*[contains(@class, 'badge')]"), "…is shown as a badge"


# --- the page as a whole ---------------------------------------------------------------------


def test_every_statement_link_resolves(client: TestClient, guide: lxml.html.HtmlElement) -> None:
    local = sorted({h for h in hrefs(guide) if h.startswith("/id/")})
    assert len(local) > 40
    for path in local:
        response = client.get(path, headers={"Accept": "text/html"})
        assert response.status_code == 200, path


def test_labels_carry_their_language(client: TestClient, graph: ox.Store) -> None:
    response = client.get("/guide?lang=fr")
    assert response.status_code == 200
    assert response.headers["content-language"] == "fr"
    assert "netkg_lang=fr" in response.headers.get("set-cookie", "")
    page = lxml.html.fromstring(response.text)
    assert page.get("lang") == "fr"
    surgery = BASE + "id/surgery"
    link = element(page, surgery).xpath(".//h3//a")[0]
    assert link.get("lang") == "fr"
    assert link.text_content().lower() == label(graph, surgery, "fr").lower()
    # a resource with no French label falls back to English, marked as English
    english_only = select(
        graph,
        """SELECT ?s WHERE { ?s a net:DecisionFactor ; skos:prefLabel ?l
             FILTER NOT EXISTS { ?s skos:prefLabel ?f FILTER(lang(?f) = 'fr') } } LIMIT 1""",
    )
    if english_only:
        anchor = page.xpath("//a[@href=$h]", h=href(english_only[0]["s"]))[0]
        assert anchor.get("lang") == "en"
    # the cookie keeps French on the next page without ?lang=
    again = client.get("/guide")
    assert lxml.html.fromstring(again.text).get("lang") == "fr"
    client.cookies.clear()


def test_the_partner_json_ld_is_embedded(client: TestClient, guide: lxml.html.HtmlElement) -> None:
    scripts = guide.xpath("//script[@type='application/ld+json']")
    assert len(scripts) == 1, "the guide must embed the schema.org JSON-LD"
    document = json.loads(scripts[0].text)
    assert "neuroendocrine" in json.dumps(document).lower()
    # exactly the document partners get
    partner = client.get("/partner/condition.jsonld", params={"lang": "en"})
    assert partner.status_code == 200
    assert document == partner.json()


# --- the diagram -----------------------------------------------------------------------------


def test_the_diagram_links_every_factor_attribute_treatment_and_situation(
    client: TestClient, graph: ox.Store
) -> None:
    response = client.get("/guide/diagram.svg")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    svg = ElementTree.fromstring(response.content)
    ns = "{http://www.w3.org/2000/svg}"
    assert svg.tag == ns + "svg"
    links = {a.get("href") for a in svg.iter(ns + "a")}
    expected = select(graph, "SELECT ?f ?r WHERE { ?f a net:DecisionFactor ; net:reads ?r }")
    assert len(expected) == 7
    for row in expected:
        assert {href(row["f"]), href(row["r"])} <= links
    usage = select(
        graph,
        """SELECT ?s ?t ?where WHERE { ?s a net:UsageStatement ; net:treatment ?t .
             OPTIONAL { ?s net:situation ?sit } OPTIONAL { ?s net:condition ?c }
             BIND(COALESCE(?sit, ?c) AS ?where) }""",
    )
    assert usage
    for row in usage:
        assert {href(row["t"]), href(row["where"])} <= links
    linked_statements = {row["s"] for row in usage if href(row["s"]) in links}
    assert len(linked_statements) >= len({(r["t"], r["where"]) for r in usage})
    # the guide shows the same drawing inline, labelled for assistive technology
    page = lxml.html.fromstring(client.get("/guide").text)
    inline = page.xpath("//figure//svg")
    assert inline and inline[0].get("aria-labelledby")


# --- language choice -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("fr-CA,fr;q=0.9,en;q=0.8", "fr"),
        ("en-GB,en;q=0.9,fr;q=0.8", "en"),
        ("de-DE,fr;q=0.5", "fr"),
        ("de-DE", "en"),
        ("fr;q=0, en;q=0.1", "en"),
        ("", "en"),
        (None, "en"),
        ("en;q=0.4,fr;q=0.6", "fr"),
    ],
)
def test_accept_language(header: str | None, expected: str) -> None:
    assert (choose_language(header, LANGUAGES) or "en") == expected


def test_accept_language_reaches_the_page(client: TestClient) -> None:
    client.cookies.clear()
    response = client.get("/guide", headers={"Accept-Language": "fr-CA,fr;q=0.9"})
    assert lxml.html.fromstring(response.text).get("lang") == "fr"
    assert "Accept-Language" in response.headers["vary"]
    response = client.get("/guide", headers={"Accept-Language": "fr"}, params={"lang": "en"})
    assert lxml.html.fromstring(response.text).get("lang") == "en"
    client.cookies.clear()
