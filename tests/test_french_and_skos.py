"""French for everything a person reads, SKOS concept schemes, and whose words descriptions are.

The page is in English; the French labels and definitions are netkg's own translation. Every
resource the graph describes in English (a skos:definition@en) is described in French too, and
every ontology term has a French label and definition. Every SKOS concept is in a concept scheme
and is a top concept of at most one. Descriptions the page does not give are marked as netkg's
editorial text (prov:wasAttributedTo id:netkg-project), never sourced to a work that does not
say them.
"""

from __future__ import annotations

import pyoxigraph as ox

PREFIXES = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX net: <https://w3id.org/netkg/ontology#>
PREFIX id: <https://w3id.org/netkg/id/>
"""


def subjects(store: ox.Store, where: str) -> list[str]:
    result = store.query(PREFIXES + f"SELECT DISTINCT ?s WHERE {{ {where} }} ORDER BY ?s")
    assert isinstance(result, ox.QuerySolutions)
    return [row["s"].value for row in result]


def test_everything_described_in_english_is_described_in_french(curated_store: ox.Store) -> None:
    described = subjects(curated_store, '?s skos:definition ?d FILTER(LANG(?d) = "en")')
    assert len(described) > 100
    no_definition = subjects(
        curated_store,
        """?s skos:definition ?d FILTER(LANG(?d) = "en")
           FILTER NOT EXISTS { ?s skos:definition ?f FILTER(LANG(?f) = "fr") }""",
    )
    assert no_definition == []
    no_label = subjects(
        curated_store,
        """?s skos:prefLabel ?l FILTER(LANG(?l) = "en")
           FILTER NOT EXISTS { ?s skos:prefLabel ?f FILTER(LANG(?f) = "fr") }""",
    )
    assert no_label == []


def test_every_ontology_term_has_a_french_label_and_definition(curated_store: ox.Store) -> None:
    missing = subjects(
        curated_store,
        """?s rdfs:isDefinedBy <https://w3id.org/netkg/ontology>
           FILTER (NOT EXISTS { ?s rdfs:label ?l FILTER(LANG(?l) = "fr") }
                   || NOT EXISTS { ?s skos:definition ?d FILTER(LANG(?d) = "fr") })""",
    )
    assert missing == []


def test_the_kinds_a_person_reads_all_have_french(curated_store: ox.Store) -> None:
    """Decision factors, attributes, treatments, statements, schemes, situations, each in French."""
    for kind in (
        "net:DecisionFactor",
        "net:CancerAttribute",
        "net:Treatment",
        "net:ClinicalSituation",
        "skos:ConceptScheme",
        "net:UsageStatement",
        "net:ConditionalUseStatement",
        "net:IndicationStatement",
        "net:SpreadStatement",
        "net:FollowUpStatement",
    ):
        found = subjects(curated_store, f"?s a {kind}")
        assert found, kind
        missing = subjects(
            curated_store,
            f"""?s a {kind}
                FILTER (NOT EXISTS {{ ?s skos:prefLabel ?l FILTER(LANG(?l) = "fr") }}
                        || NOT EXISTS {{ ?s skos:definition ?d FILTER(LANG(?d) = "fr") }})""",
        )
        assert missing == [], kind


def test_every_concept_is_in_a_scheme(curated_store: ox.Store) -> None:
    concepts = subjects(curated_store, "?s a/rdfs:subClassOf* skos:Concept")
    assert len(concepts) >= 40
    outside = subjects(
        curated_store,
        "?s a/rdfs:subClassOf* skos:Concept FILTER NOT EXISTS { ?s skos:inScheme ?scheme }",
    )
    assert outside == []


def test_each_top_concept_is_top_of_exactly_one_scheme_it_is_in(curated_store: ox.Store) -> None:
    twice = subjects(
        curated_store,
        "?s skos:topConceptOf ?a , ?b FILTER(?a != ?b)",
    )
    assert twice == []
    inconsistent = subjects(
        curated_store,
        """{ ?s skos:topConceptOf ?scheme FILTER NOT EXISTS { ?scheme skos:hasTopConcept ?s } }
           UNION { ?scheme skos:hasTopConcept ?s
                   FILTER NOT EXISTS { ?s skos:topConceptOf ?scheme } }
           UNION { ?s skos:topConceptOf ?scheme FILTER NOT EXISTS { ?s skos:inScheme ?scheme } }""",
    )
    assert inconsistent == []


def test_every_scheme_has_a_top_concept(curated_store: ox.Store) -> None:
    empty = subjects(
        curated_store,
        "?s a skos:ConceptScheme FILTER NOT EXISTS { ?s skos:hasTopConcept ?top }",
    )
    assert empty == []


def test_descriptions_the_page_does_not_give_are_netkgs_own(curated_store: ox.Store) -> None:
    """The page defines none of these; their descriptions are marked as netkg's editorial text."""
    for slug in (
        "grade",
        "stage",
        "liver",
        "endocrinologist",
        "carcinoid-syndrome",
        "radiation-therapy",
        "pancreatic-net",
        "functional",
        "family-doctor",
    ):
        found = subjects(
            curated_store, f"?s prov:wasAttributedTo id:netkg-project FILTER(?s = id:{slug})"
        )
        assert found, slug
    # every concept, scheme, factor and reference carries the mark
    unmarked = subjects(
        curated_store,
        """{ ?s a/rdfs:subClassOf* skos:Concept } UNION { ?s a skos:ConceptScheme }
           UNION { ?s a net:DecisionFactor } UNION { ?s a net:Reference }
           FILTER NOT EXISTS { ?s prov:wasAttributedTo id:netkg-project }""",
    )
    assert unmarked == []
