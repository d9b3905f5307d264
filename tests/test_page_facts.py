"""The graph says what the page says: a checklist of the CCS page, one test per family of facts.

Page: Canadian Cancer Society, "Treatments for neuroendocrine tumours (NETs)"
(tests/fixtures/ccs-net-treatments.txt). Each test asks the curated graph (ontology/ + data/, in
pyoxigraph) with SPARQL, the way the service and partners will.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from pyoxigraph import Literal, NamedNode, QuerySolutions, Store, Variable

PAGE_TEXT = (Path(__file__).parent / "fixtures" / "ccs-net-treatments.txt").read_text("utf-8")

ID = "https://w3id.org/netkg/id/"
NET = "https://w3id.org/netkg/ontology#"
SECTION = ID + "ccs-net-treatments/"
PREFIXES = {
    "id": ID,
    "net": NET,
    "section": SECTION,
    "schema": "https://schema.org/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "bibo": "http://purl.org/ontology/bibo/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "sssom": "https://w3id.org/sssom/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "foaf": "http://xmlns.com/foaf/0.1/",
}
XSD = PREFIXES["xsd"]
BIBO = PREFIXES["bibo"]
NET_CONDITION = "id:neuroendocrine-tumour"


def _compact(term: Any) -> Any:
    """id:/net:/section: names for IRIs, Python values for literals, None for unbound."""
    if term is None:
        return None
    if isinstance(term, NamedNode):
        for prefix in ("section", "id", "net"):
            if term.value.startswith(PREFIXES[prefix]):
                return f"{prefix}:{term.value[len(PREFIXES[prefix]) :]}"
        return term.value
    if isinstance(term, Literal):
        datatype = term.datatype.value
        if datatype == XSD + "integer":
            return int(term.value)
        if datatype == XSD + "boolean":
            return term.value == "true"
        return term.value
    return str(term)


def select(store: Store, query: str, **bindings: str) -> list[dict[str, Any]]:
    """Run a SELECT with the netkg prefixes; keyword arguments bind ?variables to id: IRIs.

    pyoxigraph substitutes only variables that the SELECT projects, so list bound ones there.
    """
    substitutions = {
        Variable(k): NamedNode(ID + v.removeprefix("id:")) for k, v in bindings.items()
    }
    solutions = store.query(query, prefixes=PREFIXES, substitutions=substitutions)
    assert isinstance(solutions, QuerySolutions)
    names = [v.value for v in solutions.variables]
    return [{n: _compact(solution[n]) for n in names} for solution in solutions]


def values(store: Store, query: str, **bindings: str) -> set[Any]:
    """The values of the first variable of a SELECT, as a set."""
    return {next(iter(row.values())) for row in select(store, query, **bindings)}


def usage_statements(store: Store, treatment: str) -> list[dict[str, Any]]:
    """Every statement about a treatment, with its kind, its qualifiers and its sources."""
    rows = select(
        store,
        """
        SELECT ?statement ?kind ?treatment ?condition ?frequency ?situation ?whenUsed
               ?whenUsedFrequency ?indication ?indicationWeight ?dependsOn ?weight ?share
        WHERE {
            VALUES ?kind { net:UsageStatement net:ConditionalUseStatement net:IndicationStatement }
            ?statement a ?kind ; net:treatment ?treatment ; net:condition ?condition .
            OPTIONAL { ?statement net:usageFrequency ?frequency }
            OPTIONAL { ?statement net:situation ?situation }
            OPTIONAL { ?statement net:whenUsedSituation ?whenUsed }
            OPTIONAL { ?statement net:whenUsedFrequency ?whenUsedFrequency }
            OPTIONAL { ?statement net:indication ?indication }
            OPTIONAL { ?statement net:indicationWeight ?indicationWeight }
            OPTIONAL { ?statement net:choiceDependsOn ?dependsOn }
            OPTIONAL { ?statement net:dependencyWeight ?weight }
            OPTIONAL { ?statement net:benefitShare ?share }
        }""",
        treatment=treatment,
    )
    for row in rows:
        row["sources"] = values(
            store, "SELECT ?source ?s WHERE { ?s dcterms:source ?source }", s=row["statement"]
        )
    return rows


def the_statement(rows: list[dict[str, Any]], **expected: Any) -> dict[str, Any]:
    """The one statement whose qualifiers are exactly as expected (the unnamed ones unset).

    `kind` defaults to a usage statement (how often, who benefits, what the choice depends on).
    """
    keys = (
        "condition",
        "frequency",
        "situation",
        "whenUsed",
        "whenUsedFrequency",
        "indication",
        "indicationWeight",
        "dependsOn",
        "weight",
        "share",
    )
    wanted = {k: expected.get(k) for k in keys}
    wanted["condition"] = expected.get("condition", NET_CONDITION)
    wanted["kind"] = expected.get("kind", "net:UsageStatement")
    matches = [row for row in rows if all(row[k] == v for k, v in wanted.items())]
    assert len(matches) == 1, f"expected one statement {wanted}, found {rows}"
    return matches[0]


# ---------------------------------------------------------------------------------------------
# Overview: a plan for the person, and the seven things the care team considers.


def test_the_treatment_plan_is_made_for_the_person(curated_store: Store) -> None:
    rows = select(
        curated_store,
        """
        SELECT ?personalised ?basis ?source WHERE {
            ?plan a net:TreatmentPlan ; net:personalised ?personalised ;
                  net:basedOn ?basis ; dcterms:source ?source .
        }""",
    )
    assert {row["personalised"] for row in rows} == {True}
    assert {row["basis"] for row in rows} == {"id:persons-health", "id:cancer-information"}
    assert {row["source"] for row in rows} == {"section:overview"}


def test_seven_decision_factors_in_page_order(curated_store: Store) -> None:
    rows = select(
        curated_store,
        """
        SELECT ?position ?label ?reads ?kind WHERE {
            id:net-treatment-plan net:considers ?factor .
            ?factor a net:DecisionFactor ; net:listPosition ?position ; net:reads ?reads ;
                    skos:prefLabel ?label ; dcterms:source section:overview .
            ?reads a ?kind .
            FILTER (?kind IN (net:CancerAttribute, net:PersonalFactor))
            FILTER (LANG(?label) = "en")
        } ORDER BY ?position""",
    )
    assert [(r["position"], r["label"], r["reads"], r["kind"]) for r in rows] == [
        (1, "where the cancer started", "id:primary-site", "net:CancerAttribute"),
        (2, "whether and where the cancer has spread", "id:spread", "net:CancerAttribute"),
        (3, "the grade", "id:grade", "net:CancerAttribute"),
        (4, "the stage", "id:stage", "net:CancerAttribute"),
        (5, "whether the tumour is functional", "id:functional-status", "net:CancerAttribute"),
        (6, "other health conditions", "id:other-health-conditions", "net:PersonalFactor"),
        (7, "personal preferences", "id:personal-preferences", "net:PersonalFactor"),
    ]


def test_a_tumour_is_functional_or_non_functional(curated_store: Store) -> None:
    query = """
        SELECT ?value WHERE {
            id:functional-status net:valueScheme ?scheme . ?value skos:inScheme ?scheme .
        }"""
    assert values(curated_store, query) == {"id:functional", "id:non-functional"}


def test_spread_is_read_as_whether_and_where_naming_the_liver(curated_store: Store) -> None:
    whether = """
        SELECT ?value WHERE { id:spread net:valueScheme ?scheme . ?value skos:inScheme ?scheme }"""
    assert values(curated_store, whether) == {"id:not-spread", "id:cancer-has-spread"}
    where = "SELECT ?site WHERE { ?site skos:inScheme id:spread-site-values }"
    assert values(curated_store, where) == {"id:liver"}


# ---------------------------------------------------------------------------------------------
# The treatments.


def test_five_treatments_are_possible_treatments_for_nets(curated_store: Store) -> None:
    query = """
        SELECT ?treatment WHERE {
            id:neuroendocrine-tumour a schema:MedicalCondition ;
                schema:possibleTreatment ?treatment .
            ?treatment a net:Treatment , schema:MedicalTherapy .
        }"""
    assert values(curated_store, query) == {
        "id:surgery",
        "id:drug-therapy",
        "id:biological-therapy",
        "id:radiation-therapy",
        "id:liver-directed-therapy",
    }
    ask = """
        ASK {
            id:surgery a schema:SurgicalProcedure .
            id:radiation-therapy a schema:RadiationTherapy .
        }"""
    assert curated_store.query(ask, prefixes=PREFIXES)


def test_biological_therapy_is_drug_therapy_also_called_biotherapy_or_brms(
    curated_store: Store,
) -> None:
    assert values(curated_store, "SELECT ?b WHERE { id:biological-therapy skos:broader ?b }") == {
        "id:drug-therapy"
    }
    names = values(curated_store, "SELECT ?n WHERE { id:biological-therapy skos:altLabel ?n }")
    assert {"biotherapy", "biological response modifiers", "BRMs"} <= names


def test_surgery_is_usually_used(curated_store: Store) -> None:
    statement = the_statement(usage_statements(curated_store, "surgery"), frequency="id:usually")
    assert statement["sources"] == {"section:surgery"}


def test_most_people_benefit_from_surgery_when_it_can_be_done(curated_store: Store) -> None:
    statement = the_statement(
        usage_statements(curated_store, "surgery"),
        frequency=None,
        share="id:most",
        situation="id:surgery-possible",
    )
    assert statement["sources"] == {"section:surgery"}


def test_surgery_choice_depends_mainly_on_location(curated_store: Store) -> None:
    statement = the_statement(
        usage_statements(curated_store, "surgery"),
        frequency=None,
        dependsOn="id:primary-site",
        weight="id:mainly",
    )
    assert statement["sources"] == {"section:surgery"}


def test_biological_therapy_is_commonly_used(curated_store: Store) -> None:
    rows = usage_statements(curated_store, "biological-therapy")
    statement = the_statement(rows, frequency="id:commonly")
    assert statement["sources"] == {"section:drug-therapy"}


def test_radiation_not_usually_used_and_when_spread(curated_store: Store) -> None:
    rows = usage_statements(curated_store, "radiation-therapy")
    assert len(rows) == 2
    assert the_statement(rows, frequency="id:not-usually")["sources"] == {
        "section:radiation-therapy"
    }
    # "If used, it is usually when the cancer has spread": conditional on use, not a usage
    # frequency, and not restricted to spread cancer
    when_used = the_statement(
        rows,
        kind="net:ConditionalUseStatement",
        whenUsed="id:cancer-has-spread",
        whenUsedFrequency="id:usually",
    )
    assert when_used["sources"] == {"section:radiation-therapy"}


def test_radiation_therapy_uses_rays_or_particles_against_cancer_cells(
    curated_store: Store,
) -> None:
    query = """
        SELECT ?d WHERE { id:radiation-therapy skos:definition ?d FILTER (LANG(?d) = "en") }"""
    (definition,) = values(curated_store, query)
    assert all(word in definition for word in ("high-energy", "rays", "particles", "cancer cells"))


def test_nets_often_spread_to_the_liver(curated_store: Store) -> None:
    rows = select(
        curated_store,
        """
        SELECT ?condition ?site ?frequency ?source WHERE {
            ?s a net:SpreadStatement ; net:condition ?condition ; net:site ?site ;
               net:eventFrequency ?frequency ; dcterms:source ?source .
        }""",
    )
    assert rows == [
        {
            "condition": NET_CONDITION,
            "site": "id:liver",
            "frequency": "id:often",
            "source": "section:liver-directed-therapy",
        }
    ]
    query = "SELECT ?l WHERE { id:spread-to-liver skos:altLabel ?l }"
    assert "liver metastases" in values(curated_store, query)


def test_liver_directed_when_spread_to_liver_and_no_surgery(curated_store: Store) -> None:
    rows = usage_statements(curated_store, "liver-directed-therapy")
    assert len(rows) == 2
    for_metastases = the_statement(rows, frequency="id:often", situation="id:spread-to-liver")
    # the page ties no statement to one of its references
    assert for_metastases["sources"] == {"section:liver-directed-therapy"}
    # "mainly used when surgery can't be done": the main indication, not a frequency of use
    no_surgery = the_statement(
        rows,
        kind="net:IndicationStatement",
        indication="id:surgery-not-possible",
        indicationWeight="id:mainly",
    )
    assert no_surgery["sources"] == {"section:liver-directed-therapy"}


def test_no_statement_or_treatment_cites_a_reference_the_page_does_not_tie_to_it(
    curated_store: Store,
) -> None:
    """The page lists its references but ties none of its statements or treatments to one."""
    query = """
        SELECT ?s WHERE {
            ?s dcterms:source ?ref . ?ref a net:Reference .
            { ?s a net:Statement } UNION { ?s a/rdfs:subClassOf net:Statement }
            UNION { ?s a net:Treatment }
        }"""
    assert values(curated_store, query) == set()


# ---------------------------------------------------------------------------------------------
# Follow-up after treatment.


def test_no_standard_follow_up_schedule_works_for_everyone(curated_store: Store) -> None:
    rows = select(
        curated_store,
        """
        SELECT ?suitsAll ?varies ?source WHERE {
            ?s a net:FollowUpStatement ; net:followUp id:follow-up-care ;
               net:standardScheduleSuitsAll ?suitsAll ; net:variesBetweenPeople ?varies ;
               dcterms:source ?source .
        }""",
    )
    assert rows == [{"suitsAll": False, "varies": True, "source": "section:follow-up"}]


def test_a_follow_up_plan_suited_to_the_person(curated_store: Store) -> None:
    query = """
        SELECT ?s WHERE {
            ?s a net:FollowUpStatement ; net:followUp id:follow-up-care ; net:personalised true ;
               dcterms:source section:follow-up .
        }"""
    assert values(curated_store, query) == {"id:follow-up-individual-plan"}


def test_follow_up_care_team(curated_store: Store) -> None:
    rows = select(
        curated_store,
        """
        SELECT ?role ?frequency ?specialist WHERE {
            ?s a net:FollowUpStatement ; net:followUp id:follow-up-care ;
               net:sharedAmong ?role ; net:practiceFrequency ?frequency ;
               dcterms:source section:follow-up .
            ?role a net:CareRole .
            BIND (EXISTS { ?role skos:broader id:cancer-specialist } AS ?specialist)
        }""",
    )
    assert {row["frequency"] for row in rows} == {"id:often"}
    assert {row["role"]: row["specialist"] for row in rows} == {
        "id:surgeon": True,
        "id:oncologist": True,
        "id:endocrinologist": True,
        "id:family-doctor": False,
    }


# ---------------------------------------------------------------------------------------------
# The nine references.

REFERENCES = [
    (1, "id:ref-cco-2011", "net:ClinicalGuideline", "2011"),
    (2, "id:ref-cnets-2013", "net:PatientGuide", "2013"),
    (3, "id:ref-cnets-2015", "net:Report", "2015"),
    (4, "id:ref-gridelli-2013", "net:JournalArticle", "2013"),
    (5, "id:ref-gupta-2013", "net:JournalArticle", "2013"),
    (6, "id:ref-nccn-2015", "net:ClinicalGuideline", "2015"),
    (7, "id:ref-norton-2015", "net:BookChapter", "2015"),
    (8, "id:ref-singh-2016", "net:JournalArticle", "2016"),
    (9, "id:ref-yao-2015", "net:BookChapter", "2015"),
]
PAGE_REFERENCE_LINES = [
    line.strip().removeprefix("•").strip()
    for line in PAGE_TEXT.split("Expert review and references")[1]
    .split("Surgery for neuroendocrine")[0]
    .splitlines()
    if line.strip()
]


def test_nine_citations_with_fields(curated_store: Store) -> None:
    rows = select(
        curated_store,
        """
        SELECT ?position ?ref ?type ?year ?yearType ?title ?authors ?citation WHERE {
            id:ccs-net-treatments dcterms:references ?ref .
            ?ref a net:Reference , ?type ; net:listPosition ?position ; dcterms:issued ?year ;
                 dcterms:title ?title ; net:authorString ?authors ; net:citationText ?citation .
            BIND (DATATYPE(?year) AS ?yearType)
            FILTER (?type IN (net:JournalArticle, net:BookChapter, net:ClinicalGuideline,
                              net:PatientGuide, net:Report))
        } ORDER BY ?position""",
    )
    assert [(r["position"], r["ref"], r["type"], r["year"]) for r in rows] == REFERENCES
    assert {r["yearType"] for r in rows} == {XSD + "gYear"}
    assert [r["citation"] for r in rows] == PAGE_REFERENCE_LINES
    for row in rows:
        assert row["title"] in row["citation"]
        assert row["authors"] in row["citation"]
        assert row["year"] in row["citation"]


def _fields(store: Store, ref: str) -> dict[str, set[Any]]:
    rows = select(store, "SELECT ?p ?o ?ref WHERE { ?ref ?p ?o }", ref=ref)
    fields: dict[str, set[Any]] = {}
    for row in rows:
        local_name = re.split(r"[/#:]", row["p"])[-1]
        fields.setdefault(local_name, set()).add(row["o"])
    return fields


def _authors(store: Store, ref: str, prop: str = "authorList") -> list[str]:
    """The names in a reference's (or book's) ordered list: a member's position is the number of
    list cells from the head to it."""
    rows = select(
        store,
        f"""
        SELECT ?name (COUNT(?cell) AS ?position) ?ref WHERE {{
            ?ref bibo:{prop} ?list .
            ?list rdf:rest* ?cell .
            ?cell rdf:rest* ?member .
            ?member rdf:first ?agent .
            ?agent foaf:name ?name .
        }} GROUP BY ?member ?name ?ref ORDER BY ?position""",
        ref=ref,
    )
    return [row["name"] for row in rows]


def test_authors_in_the_order_printed(curated_store: Store) -> None:
    """The page prints "Gridelli C, Rossi A, Airoma G et al": the list starts in that order and
    continues with the verified author list (docs/sources.md part C)."""
    gridelli = _authors(curated_store, "ref-gridelli-2013")
    assert gridelli[:3] == ["Gridelli C", "Rossi A", "Airoma G"]
    assert len(gridelli) == 13 and gridelli[-1] == "Riccardi"
    assert _authors(curated_store, "ref-singh-2016")[:4] == [
        "Singh S",
        "Asa SL",
        "Dey C",
        "Kennecke",
    ]
    assert _authors(curated_store, "ref-norton-2015") == ["Norton JA", "Kunz PL"]
    assert _authors(curated_store, "ref-yao-2015") == ["Yao JC", "Evans DB"]
    assert _authors(curated_store, "ref-cnets-2015") == [
        "Carcinoid Neuroendocrine Tumour Society (CNETS) Canada"
    ]
    book = "book-devita-cancer-principles-practice-oncology-10"
    assert _authors(curated_store, book, "editorList") == [
        "DeVita VT Jr",
        "Lawrence TS",
        "Rosenberg SA",
    ]
    for row in select(curated_store, "SELECT ?ref ?list WHERE { ?ref bibo:authorList ?list }"):
        printed = values(
            curated_store, "SELECT ?a ?r WHERE { ?r net:authorString ?a }", r=row["ref"]
        )
        assert printed  # every reference with a list also keeps the authors as printed


def test_journals_and_the_book_are_entities(curated_store: Store) -> None:
    rows = select(
        curated_store,
        """
        SELECT ?ref ?container ?type ?title WHERE {
            ?ref a net:Reference ; dcterms:isPartOf ?container .
            ?container a ?type ; dcterms:title ?title .
            FILTER (?type IN (bibo:Journal, bibo:Book))
        }""",
    )
    found = {(r["ref"], r["type"], r["title"]) for r in rows}
    assert found == {
        ("id:ref-gupta-2013", BIBO + "Journal", "Seminars in Interventional Radiology"),
        ("id:ref-gridelli-2013", BIBO + "Journal", "Cancer Treatment Reviews"),
        ("id:ref-singh-2016", BIBO + "Journal", "Cancer Treatment Reviews"),
        ("id:ref-norton-2015", BIBO + "Book", "Cancer: Principles and Practice of Oncology"),
        ("id:ref-yao-2015", BIBO + "Book", "Cancer: Principles and Practice of Oncology"),
    }
    # the ISSN is the journal's, not an article's
    issn = select(curated_store, "SELECT ?s ?issn WHERE { ?s bibo:issn ?issn }")
    assert issn == [{"s": "id:journal-cancer-treatment-reviews", "issn": "0305-7372"}]


def test_documents_are_creative_works_not_medical_entities(curated_store: Store) -> None:
    """schema:MedicalGuideline is a MedicalEntity: a cited document must be a CreativeWork."""
    assert values(curated_store, "SELECT ?r WHERE { ?r a schema:MedicalGuideline }") == set()
    rows = select(curated_store, "SELECT ?ref ?t WHERE { ?ref a net:Reference , ?t }")
    kinds = {
        PREFIXES["schema"] + k for k in ("ScholarlyArticle", "Chapter", "Report", "CreativeWork")
    }
    typed = {r["ref"] for r in rows if r["t"] in kinds}
    assert typed == {r["ref"] for r in rows}
    assert len(typed) == 9


def test_journal_articles_with_their_verified_identifiers(curated_store: Store) -> None:
    gupta = _fields(curated_store, "ref-gupta-2013")
    assert gupta["isPartOf"] == {"id:journal-seminars-in-interventional-radiology"}
    assert (gupta["volume"], gupta["issue"]) == ({"30"}, {"1"})
    assert (gupta["pageStart"], gupta["pageEnd"]) == ({"28"}, {"38"})
    assert gupta["doi"] == {"10.1055/s-0033-1333651"}
    assert gupta["pmid"] == {"24436515"}

    gridelli = _fields(curated_store, "ref-gridelli-2013")
    assert gridelli["isPartOf"] == {"id:journal-cancer-treatment-reviews"}
    assert gridelli["issue"] == {"5"}
    assert (gridelli["pageStart"], gridelli["pageEnd"]) == ({"466"}, {"472"})
    assert gridelli["doi"] == {"10.1016/j.ctrv.2012.06.012"}
    assert "volume" not in gridelli and "pmid" not in gridelli  # unverified: left out

    singh = _fields(curated_store, "ref-singh-2016")
    assert singh["isPartOf"] == {"id:journal-cancer-treatment-reviews"}
    assert (singh["volume"], singh["pageStart"], singh["pageEnd"]) == ({"47"}, {"32"}, {"45"})
    assert "doi" not in singh and "pmid" not in singh  # unverified: left out


def test_book_chapters_in_devita_10th_edition(curated_store: Store) -> None:
    expected = {"ref-norton-2015": ("86", "1218", "1226"), "ref-yao-2015": ("85", "1205", "1217")}
    book = _fields(curated_store, "book-devita-cancer-principles-practice-oncology-10")
    assert book["title"] == {"Cancer: Principles and Practice of Oncology"}
    assert book["editorString"] == {"DeVita VT Jr, Lawrence TS, Rosenberg SA"}
    assert book["edition"] == {"10th"}
    assert book["placeOfPublication"] == {"Philadelphia"}
    assert book["publisher"] == {"Wolters Kluwer Health/Lippincott Williams & Wilkins"}
    for ref, (chapter, first, last) in expected.items():
        fields = _fields(curated_store, ref)
        assert fields["isPartOf"] == {"id:book-devita-cancer-principles-practice-oncology-10"}
        assert (fields["chapter"], fields["pageStart"], fields["pageEnd"]) == (
            {chapter},
            {first},
            {last},
        )


@pytest.mark.parametrize(
    "ref", ["ref-cco-2011", "ref-cnets-2013", "ref-cnets-2015", "ref-nccn-2015"]
)
def test_unverified_references_carry_no_identifiers(curated_store: Store, ref: str) -> None:
    assert not {"doi", "pmid", "issn", "volume", "issue"} & _fields(curated_store, ref).keys()


def test_references_say_which_condition_they_are_about(curated_store: Store) -> None:
    query = "SELECT ?ref ?about WHERE { ?ref a net:Reference ; schema:about ?about }"
    about = {(r["ref"], r["about"]) for r in select(curated_store, query)}
    assert {
        ("id:ref-gridelli-2013", "id:lung-net"),
        ("id:ref-singh-2016", "id:gastrointestinal-net"),
        ("id:ref-yao-2015", "id:pancreatic-net"),
        ("id:ref-norton-2015", "id:carcinoid-syndrome"),
    } <= about
    broader = "SELECT ?c WHERE { ?c skos:broader id:neuroendocrine-tumour }"
    assert {"id:lung-net", "id:gastrointestinal-net", "id:pancreatic-net"} <= values(
        curated_store, broader
    )


# ---------------------------------------------------------------------------------------------
# The source page and its disclaimer.


def test_source_page_publisher_and_copyright(curated_store: Store) -> None:
    rows = select(
        curated_store,
        """
        SELECT ?title ?publisher ?year ?language WHERE {
            id:ccs-net-treatments a net:SourceDocument , schema:MedicalWebPage ;
                dcterms:title ?title ; dcterms:publisher ?org ; schema:copyrightYear ?year ;
                dcterms:language ?language .
            ?org schema:name ?publisher .
        }""",
    )
    assert rows == [
        {
            "title": "Treatments for neuroendocrine tumours (NETs)",
            "publisher": "Canadian Cancer Society",
            "year": 2024,
            "language": "en",
        }
    ]
    sections = "SELECT ?s WHERE { ?s a net:PageSection ; dcterms:isPartOf id:ccs-net-treatments }"
    assert len(values(curated_store, sections)) == 8


def test_disclaimer(curated_store: Store) -> None:
    rows = select(
        curated_store,
        """
        SELECT ?disclaimer ?point WHERE {
            id:ccs-net-treatments dcterms:rights ?disclaimer .
            ?disclaimer a net:MedicalDisclaimer , dcterms:RightsStatement ;
                dcterms:source section:disclaimer ; rdfs:comment ?comment ;
                net:disclaimerPoint ?point .
        }""",
    )
    assert {row["disclaimer"] for row in rows} == {"id:ccs-medical-disclaimer"}
    points = " ".join(row["point"] for row in rows).lower()
    # Not a substitute for a doctor; general use; no guarantee; others' content; no endorsement.
    for idea in ("doctor", "general", "qualified", "guarantee", "other organisations", "endorses"):
        assert idea in points, idea


# ---------------------------------------------------------------------------------------------
# Provenance, labels and mappings across the graph.


def test_every_statement_has_a_source(curated_store: Store) -> None:
    statements = values(
        curated_store,
        "SELECT ?s WHERE { ?s a ?type . ?type rdfs:subClassOf* net:Statement }",
    )
    assert len(statements) == 12  # 8 usage, 1 spread, 3 follow-up
    without = values(
        curated_store,
        """
        SELECT ?s WHERE {
            ?s a ?type . ?type rdfs:subClassOf* net:Statement .
            FILTER NOT EXISTS {
                ?s dcterms:source ?section ; prov:wasDerivedFrom id:ccs-net-treatments .
                ?section a net:PageSection ; dcterms:isPartOf id:ccs-net-treatments .
            }
        }""",
    )
    assert not without
    # A reference given as a source is one the page itself cites.
    uncited = """
        SELECT ?ref WHERE {
            ?s dcterms:source ?ref . ?ref a net:Reference .
            FILTER NOT EXISTS { id:ccs-net-treatments dcterms:references ?ref }
        }"""
    assert not values(curated_store, uncited)


def test_main_concepts_have_standard_french_labels(curated_store: Store) -> None:
    query = "SELECT ?c ?label WHERE { ?c skos:prefLabel ?label FILTER (LANG(?label) = 'fr') }"
    french = {(r["c"], r["label"]) for r in select(curated_store, query)}
    assert {
        ("id:surgery", "chirurgie"),
        ("id:radiation-therapy", "radiothérapie"),
        ("id:biological-therapy", "thérapie biologique"),
        ("id:neuroendocrine-tumour", "tumeur neuroendocrine"),
        ("id:carcinoid-syndrome", "syndrome carcinoïde"),
        ("id:spread-to-liver", "métastases hépatiques"),
        ("id:grade", "grade"),
        ("id:stage", "stade"),
        ("id:follow-up-care", "soins de suivi"),
        ("id:surgeon", "chirurgien"),
        ("id:oncologist", "oncologue"),
        ("id:endocrinologist", "endocrinologue"),
        ("id:family-doctor", "médecin de famille"),
    } <= french


def test_nets_map_to_ncit_mesh_mondo_and_snomed(curated_store: Store) -> None:
    rows = select(
        curated_store,
        """
        SELECT ?predicate ?target WHERE {
            VALUES ?predicate { skos:exactMatch skos:closeMatch skos:narrowMatch }
            id:neuroendocrine-tumour ?predicate ?target .
        }""",
    )
    skos = PREFIXES["skos"]
    mappings = {(r["predicate"].removeprefix(skos), r["target"]) for r in rows}
    assert {
        ("exactMatch", "http://purl.obolibrary.org/obo/NCIT_C3809"),
        ("exactMatch", "http://id.nlm.nih.gov/mesh/D018358"),
        ("closeMatch", "http://purl.obolibrary.org/obo/MONDO_0019496"),
        ("closeMatch", "http://snomed.info/id/255046005"),
    } <= mappings
    # Mondo maps MONDO:0019496 exactly to C3809 and to C188218: a narrowMatch to C188218 would
    # be incoherent once merged with Mondo (docs/sources.md, notes N5 and N6)
    assert ("narrowMatch", "http://purl.obolibrary.org/obo/NCIT_C188218") not in mappings


def test_every_mapping_is_recorded_with_its_source(curated_store: Store) -> None:
    unrecorded = select(
        curated_store,
        """
        SELECT ?s ?p ?o WHERE {
            VALUES ?p { skos:exactMatch skos:closeMatch skos:broadMatch skos:narrowMatch
                        skos:relatedMatch }
            ?s ?p ?o .
            FILTER NOT EXISTS {
                ?axiom a owl:Axiom ; owl:annotatedSource ?s ; owl:annotatedProperty ?p ;
                       owl:annotatedTarget ?o ; sssom:mapping_justification ?why ;
                       sssom:mapping_date ?date ; rdfs:comment ?comment .
                FILTER (CONTAINS(?comment, "VERIFIED"))
            }
        }""",
    )
    assert not unrecorded
    allowed = (
        "http://purl.obolibrary.org/obo/NCIT_",
        "http://purl.obolibrary.org/obo/MONDO_",
        "http://id.nlm.nih.gov/mesh/",
        "http://snomed.info/id/",
        "https://w3id.org/netkg/external/icdo3/",
    )
    targets = values(curated_store, "SELECT ?o WHERE { ?a owl:annotatedTarget ?o }")
    assert all(str(t).startswith(allowed) for t in targets), targets
    # Codes docs/sources.md marks conflicting or warns against are absent.
    for trap in ("http://snomed.info/id/55937004", "http://purl.obolibrary.org/obo/NCIT_C2916"):
        assert trap not in targets
