"""Named queries (`api/*.rq`): header checks with file and line, binding, paging, examples.

Every query runs on the real curated data, bound both ways a store binds parameters: pyoxigraph
substitutions (embedded) and a VALUES block (remote), which must give the same rows.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import RDF, Namespace, URIRef

from netkg.curate.named_queries import (
    NamedQuery,
    QueryFileError,
    check_query_files,
    examples_graph,
    load_queries,
    parse_query_file,
)
from netkg.errors import BadRequest
from netkg.prefixes import BASE as DEFAULT_BASE
from netkg.store import Store, bind_values
from netkg.web.api_binding import bind
from netkg.web.api_render import plain
from netkg.web.api_run import paged_text, run

ROOT = Path(__file__).resolve().parent.parent
API = ROOT / "api"
ID = "https://w3id.org/netkg/id/"
SH = Namespace("http://www.w3.org/ns/shacl#")
SCHEMA = Namespace("https://schema.org/")

#: For each shipped query, parameters that give rows (and, for the rest, the defaults).
CASES: dict[str, list[list[tuple[str, str]]]] = {
    "treatments": [[], [("lang", "fr")]],
    "treatment": [
        [("treatment", "id:surgery")],
        [("treatment", ID + "radiation-therapy"), ("lang", "fr")],
    ],
    "decision-factors": [[], [("lang", "fr")]],
    "cancer-attributes": [[], [("lang", "fr")]],
    "citations": [[], [("year", "2013")], [("type", "book-chapter")]],
    "external-codes": [[], [("concept", "id:surgery")]],
    "concept-by-code": [[("vocabulary", "ncit"), ("code", "C3809")]],
    "label-lookup": [[("q", "liver")], [("q", "chirurgie"), ("lang", "fr"), ("match", "exact")]],
    "treatment-options": [
        [("spread", "false"), ("surgery", "true")],
        [("liver", "true"), ("surgery", "false"), ("lang", "fr")],
    ],
}


@pytest.fixture(scope="module")
def queries() -> dict[str, NamedQuery]:
    return load_queries(API)


def rows(store: Store, query: NamedQuery, params: list[tuple[str, str]]) -> list[dict[str, object]]:
    result = run(store, query, [*params, ("limit", "1000")])
    assert set().union(*result.rows) <= set(query.columns)
    return [{c: plain(row.get(c)) for c in query.columns} for row in result.rows]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """\
#+ summary: Treatments by label
#+ params:
#+   - name: lang
#+     type: language
#+     default: en
#+ columns: [treatment, label]
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?treatment ?label ?_lang WHERE {
  ?treatment skos:prefLabel ?label FILTER(LANG(?label) = ?_lang)
} ORDER BY ?label
"""


# --- the shipped files -------------------------------------------------------------------------


def test_every_shipped_query_file_is_valid() -> None:
    assert check_query_files(API) == []


def test_every_shipped_query_has_a_case_here(queries: dict[str, NamedQuery]) -> None:
    assert set(queries) == set(CASES)


@pytest.mark.parametrize(("name", "params"), [(n, p) for n, cases in CASES.items() for p in cases])
def test_query_gives_rows_with_the_declared_columns(
    curated_embedded: Store,
    queries: dict[str, NamedQuery],
    name: str,
    params: list[tuple[str, str]],
) -> None:
    query = queries[name]
    found = rows(curated_embedded, query, params)
    assert found, f"{name} {params} gave no rows"
    assert all(list(row) == list(query.columns) for row in found)


@pytest.mark.parametrize(("name", "params"), [(n, p) for n, cases in CASES.items() for p in cases])
def test_values_block_binding_gives_the_same_rows_as_substitution(
    curated_store: ox.Store,
    queries: dict[str, NamedQuery],
    name: str,
    params: list[tuple[str, str]],
) -> None:
    """A remote store binds with a VALUES block: each query must mean the same either way."""
    query = queries[name]
    bound = {"_" + k: v for k, v in bind(query, params).items()}
    text = paged_text(query, 1000, 0)
    substituted = curated_store.query(
        text, substitutions={ox.Variable(k): v for k, v in bound.items()}
    )
    with_values = curated_store.query(bind_values(text, bound) if bound else text)
    assert isinstance(substituted, ox.QuerySolutions)
    assert isinstance(with_values, ox.QuerySolutions)
    names = [v.value for v in substituted.variables]
    first = [[str(s[n]) for n in names] for s in substituted]
    second = [[str(s[n]) for n in names] for s in with_values]
    assert first == second
    assert first


# --- answers on the real data --------------------------------------------------------------------


def test_treatments_give_frequency_situation_and_source(
    curated_embedded: Store, queries: dict[str, NamedQuery]
) -> None:
    found = rows(curated_embedded, queries["treatments"], [])
    by_statement = {r["statement"]: r for r in found if r.get("statement")}
    usual = by_statement[ID + "usage-surgery-usual"]
    assert usual["usageFrequencyLabel"] == "usually"
    assert usual["source"] == ID + "ccs-net-treatments/surgery"
    radiation = by_statement[ID + "usage-radiation-when-spread"]
    assert radiation["whenUsedSituation"] == ID + "cancer-has-spread"
    assert radiation["usageFrequency"] is None
    sources = {
        r["source"]
        for r in found
        if r.get("statement") == ID + "usage-liver-directed-liver-metastases"
    }
    assert sources == {ID + "ccs-net-treatments/liver-directed-therapy"}
    # a named treatment without usage statements still has its row
    assert any(r["treatment"] == ID + "drug-therapy" and r["statement"] is None for r in found)


def test_treatments_in_french_fall_back_to_english(
    curated_embedded: Store, queries: dict[str, NamedQuery]
) -> None:
    found = rows(curated_embedded, queries["treatments"], [("lang", "fr")])
    labels = {r["treatment"]: r["label"] for r in found}
    assert labels[ID + "surgery"] == "chirurgie"
    frequencies = {
        r["usageFrequency"]: r["usageFrequencyLabel"] for r in found if r["usageFrequency"]
    }
    assert frequencies[ID + "usually"] == "habituellement"
    assert all(r["statementLabel"] for r in found if r["statement"])


def test_one_treatment_in_full(curated_embedded: Store, queries: dict[str, NamedQuery]) -> None:
    found = rows(curated_embedded, queries["treatment"], [("treatment", "id:surgery")])
    out = {(r["property"], r["value"]) for r in found if r["direction"] == "out"}
    assert (
        "http://www.w3.org/2004/02/skos/core#exactMatch",
        "http://id.nlm.nih.gov/mesh/D013514",
    ) in out
    statements = {
        r["value"]
        for r in found
        if r["direction"] == "in" and r["property"] == "https://w3id.org/netkg/ontology#treatment"
    }
    assert statements == {
        ID + "usage-surgery-usual",
        ID + "usage-surgery-benefit",
        ID + "usage-surgery-type-depends",
    }
    # not a treatment: no rows, not another resource's description
    assert rows(curated_embedded, queries["treatment"], [("treatment", "id:liver")]) == []


def test_decision_factors_in_page_order(
    curated_embedded: Store, queries: dict[str, NamedQuery]
) -> None:
    found = rows(curated_embedded, queries["decision-factors"], [])
    assert [r["position"] for r in found] == [1, 2, 3, 4, 5, 6, 7]
    assert [r["reads"] for r in found] == [
        ID + s
        for s in (
            "primary-site",
            "spread",
            "grade",
            "stage",
            "functional-status",
            "other-health-conditions",
            "personal-preferences",
        )
    ]
    kinds = {r["reads"]: r["kind"].rsplit("#", 1)[1] for r in found}
    assert kinds[ID + "personal-preferences"] == "PersonalFactor"
    assert kinds[ID + "grade"] == "CancerAttribute"


def test_cancer_attributes_and_their_values(
    curated_embedded: Store, queries: dict[str, NamedQuery]
) -> None:
    found = rows(curated_embedded, queries["cancer-attributes"], [])
    values: dict[str, set[object]] = {}
    for r in found:
        values.setdefault(str(r["attribute"]), set()).add(r["value"])
    assert values[ID + "functional-status"] == {ID + "functional", ID + "non-functional"}
    assert {ID + "not-spread", ID + "cancer-has-spread", ID + "liver"} <= values[ID + "spread"]
    assert values[ID + "grade"] == {None}


def test_citations_filter_by_type_and_year(
    curated_embedded: Store, queries: dict[str, NamedQuery]
) -> None:
    every = rows(curated_embedded, queries["citations"], [])
    assert [r["position"] for r in every] == list(range(1, 10))
    in_2013 = rows(curated_embedded, queries["citations"], [("year", "2013")])
    assert {r["citation"] for r in in_2013} == {
        ID + "ref-cnets-2013",
        ID + "ref-gridelli-2013",
        ID + "ref-gupta-2013",
    }
    articles_2013 = rows(
        curated_embedded, queries["citations"], [("year", "2013"), ("type", "journal-article")]
    )
    assert {r["citation"] for r in articles_2013} == {
        ID + "ref-gridelli-2013",
        ID + "ref-gupta-2013",
    }
    gupta = next(r for r in articles_2013 if r["citation"] == ID + "ref-gupta-2013")
    assert (gupta["doi"], gupta["pages"], gupta["year"]) == (
        "10.1055/s-0033-1333651",
        "28-38",
        2013,
    )
    assert rows(curated_embedded, queries["citations"], [("year", "1999")]) == []


def test_external_codes_of_a_concept(
    curated_embedded: Store, queries: dict[str, NamedQuery]
) -> None:
    found = rows(
        curated_embedded, queries["external-codes"], [("concept", "id:neuroendocrine-tumour")]
    )
    codes = {(r["vocabulary"], r["code"]) for r in found}
    assert {
        ("ncit", "C3809"),
        ("mesh", "D018358"),
        ("mondo", "0019496"),
        ("snomed", "255046005"),
        ("icdo", "8240/3"),
    } <= codes
    assert {r["concept"] for r in found} == {ID + "neuroendocrine-tumour"}


@pytest.mark.parametrize(
    ("vocabulary", "code", "concept"),
    [
        ("ncit", "C3809", "neuroendocrine-tumour"),
        ("ncit", "NCIT:C3809", "neuroendocrine-tumour"),
        ("mesh", "D013514", "surgery"),
        ("snomed", "387713003", "surgery"),
        ("icdo", "8241/3", "carcinoid-tumour"),
        ("mondo", "MONDO:0100347", "carcinoid-syndrome"),
    ],
)
def test_concept_by_code_links_in(
    curated_embedded: Store,
    queries: dict[str, NamedQuery],
    vocabulary: str,
    code: str,
    concept: str,
) -> None:
    found = rows(
        curated_embedded, queries["concept-by-code"], [("vocabulary", vocabulary), ("code", code)]
    )
    assert ID + concept in {r["concept"] for r in found}


def test_concept_by_code_unknown_code_is_empty(
    curated_embedded: Store, queries: dict[str, NamedQuery]
) -> None:
    assert (
        rows(
            curated_embedded,
            queries["concept-by-code"],
            [("vocabulary", "mesh"), ("code", "C3809")],
        )
        == []
    )


def test_label_lookup_exact_contains_and_language(
    curated_embedded: Store, queries: dict[str, NamedQuery]
) -> None:
    lookup = queries["label-lookup"]
    exact = rows(curated_embedded, lookup, [("q", "BRMs"), ("match", "exact")])
    assert [(r["iri"], r["preferred"]) for r in exact] == [(ID + "biological-therapy", False)]
    contains = {r["iri"] for r in rows(curated_embedded, lookup, [("q", "liver")])}
    assert {ID + "liver", ID + "liver-directed-therapy", ID + "spread-to-liver"} <= contains
    french = rows(curated_embedded, lookup, [("q", "foie"), ("lang", "fr")])
    assert {ID + "liver", ID + "liver-directed-therapy"} <= {r["iri"] for r in french}
    assert {r["language"] for r in french} == {"fr"}
    assert rows(curated_embedded, lookup, [("q", "foie"), ("lang", "en")]) == []


# --- hostile input is a value, never query text -------------------------------------------------


HOSTILE = [
    '"',
    "' ; DROP ALL ; '",
    '"} ; DROP ALL ; SELECT * WHERE { ?s ?p ?o',
    "} UNION { ?s ?p ?o }",
    '\\" . ?x ?y ?z . FILTER(true) #',
    "<http://evil.example/> ",
    'liver" || true || "',
]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_strings_are_only_values(
    curated_store: ox.Store, curated_embedded: Store, queries: dict[str, NamedQuery], value: str
) -> None:
    lookup = queries["label-lookup"]
    for match in ("exact", "contains"):
        assert rows(curated_embedded, lookup, [("q", value), ("match", match)]) == []
    # the same through the VALUES block a remote store gets
    bound = {"_" + k: v for k, v in bind(lookup, [("q", value)]).items()}
    answer = curated_store.query(bind_values(paged_text(lookup, 10, 0), bound))
    assert isinstance(answer, ox.QuerySolutions)
    assert list(answer) == []
    # and the store still holds everything
    assert len(curated_store) > 1000
    code = rows(
        curated_embedded, queries["concept-by-code"], [("vocabulary", "ncit"), ("code", value)]
    )
    assert code == []


def test_hostile_iri_is_refused_before_the_store(queries: dict[str, NamedQuery]) -> None:
    with pytest.raises(BadRequest) as caught:
        bind(queries["treatment"], [("treatment", "http://x> } ; DROP ALL ; <y")])
    detail = caught.value.detail
    assert isinstance(detail, dict)
    assert detail["parameter"] == "treatment"
    assert "'treatment'" in caught.value.message


# --- checking parameters ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "params", "named", "says"),
    [
        ("treatments", [("colour", "red")], "colour", "accepts: format, lang, limit, offset"),
        ("treatments", [("lang", "de")], "lang", "one of en, fr"),
        ("treatments", [("lang", "en"), ("lang", "fr")], "lang", "more than once"),
        ("citations", [("year", "twenty")], "year", "an integer"),
        ("citations", [("year", "1800")], "year", ">= 1900"),
        ("citations", [("type", "novel")], "type", "journal-article"),
        ("treatment-options", [("spread", "maybe")], "spread", "true or false"),
        ("treatment", [], "treatment", "required"),
        ("treatment", [("treatment", "not an iri")], "treatment", "absolute IRI"),
        ("concept-by-code", [("code", "C3809")], "vocabulary", "required"),
        ("label-lookup", [("q", "x"), ("lang", "en_GB!")], "lang", "language tag"),
        ("label-lookup", [("q", "x" * 1001)], "q", "too long"),
        ("treatments", [("limit", "0")], "limit", ">= 1"),
        ("treatments", [("limit", "1001")], "limit", "<= 1000"),
        ("treatments", [("offset", "-1")], "offset", ">= 0"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(
    curated_embedded: Store,
    queries: dict[str, NamedQuery],
    name: str,
    params: list[tuple[str, str]],
    named: str,
    says: str,
) -> None:
    with pytest.raises(BadRequest) as caught:
        run(curated_embedded, queries[name], params)
    assert caught.value.status_code == 400
    assert f"'{named}'" in caught.value.message
    assert says in caught.value.message


def test_types_bind_as_rdf_terms(queries: dict[str, NamedQuery]) -> None:
    assert bind(queries["treatments"], [("lang", "FR")])["lang"] == ox.Literal("fr")
    bound = bind(queries["treatment-options"], [("spread", "TRUE"), ("site", "lung")])
    assert bound["spread"] == ox.Literal(True)
    assert bound["site"] == ox.Literal("lung")
    assert bound["lang"] == ox.Literal("en")  # the declared default
    assert "liver" not in bound  # optional, not given: left unbound
    years = bind(queries["citations"], [("year", "2013")])
    assert years["year"] == ox.Literal(
        "2013", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
    )
    iri = bind(queries["external-codes"], [("concept", "id:surgery")])
    assert iri["concept"] == ox.NamedNode(ID + "surgery")


# --- paging ---------------------------------------------------------------------------------------


def test_paging_cuts_and_flags_truncation(
    curated_embedded: Store, queries: dict[str, NamedQuery]
) -> None:
    query = queries["citations"]
    whole = run(curated_embedded, query, [])
    assert not whole.truncated
    assert len(whole.rows) == 9
    seen = []
    offset = 0
    while True:
        page = run(curated_embedded, query, [("limit", "4"), ("offset", str(offset))])
        seen += [row["citation"] for row in page.rows]
        if not page.truncated:
            break
        assert len(page.rows) == 4
        offset += 4
    assert seen == [row["citation"] for row in whole.rows]
    assert offset == 8


# --- header problems with file and line ----------------------------------------------------------


def test_a_good_file_parses(tmp_path: Path) -> None:
    query = parse_query_file(write(tmp_path, "by-label.rq", GOOD))
    assert query.name == "by-label"
    assert query.columns == ("treatment", "label")
    assert query.params[0].default == "en"
    assert query.text.startswith("PREFIX")


@pytest.mark.parametrize(
    ("text", "line", "says"),
    [
        (GOOD.replace("#+     type: language", "#+     type: [language"), 4, "malformed YAML"),
        (GOOD.replace("#+ summary: Treatments by label\n", ""), 1, "'summary' is required"),
        (
            GOOD.replace("#+     type: language", "#+     type: date"),
            3,
            "parameter 'lang': 'type' must be one of string, integer, boolean, iri, language, "
            "not 'date'",
        ),
        (GOOD.replace("#+ columns:", "#+ colums:"), 6, "unknown header key 'colums'"),
        (
            GOOD.replace("FILTER(LANG(?label) = ?_lang)", "FILTER(LANG(?label) = ?_lang && ?_x)"),
            9,
            "?_x is used but not declared",
        ),
        (
            GOOD.replace("= ?_lang)", '= "en")').replace(" ?_lang WHERE", " WHERE"),
            3,
            "declared but the query never uses ?_lang",
        ),
        (GOOD.replace("?label ?_lang WHERE", "?label WHERE"), 8, "add ?_lang to the SELECT"),
        (GOOD.replace("[treatment, label]", "[treatment, name]"), 6, "must equal the SELECT"),
        (GOOD.replace("ORDER BY ?label", "ORDER BY ?label LIMIT 5"), 10, "LIMIT/OFFSET"),
        (GOOD.replace("SELECT ?treatment", "SELEKT ?treatment"), 8, "SPARQL"),
        (GOOD.replace("#+   - name: lang", "#+   - name: limit"), 3, "reserved"),
        (GOOD.replace("#+     default: en", "#+     default: 12!"), 3, "default"),
        ("SELECT * WHERE { ?s ?p ?o }\n", 1, "no '#+' YAML header"),
        (
            GOOD.replace("#+     default: en", "#+     default: en\n#+     colour: red"),
            3,
            "parameter 'lang': unknown key 'colour'; allowed: default, description, enum, "
            "example, max, min, name, required, type",
        ),
        (
            GOOD.replace("#+     default: en", "#+     required: maybe"),
            3,
            "parameter 'lang': 'required' must be true or false, not 'maybe'",
        ),
        (GOOD.replace("#+     default: en", "#+     min: 3"), 3, "'min' needs type integer"),
        (GOOD.replace("#+     default: en", "#+     enum: []"), 3, "'enum' must be a non-empty"),
        (
            GOOD.replace("#+ columns:", "#+ tags: [1, 2]\n#+ columns:"),
            6,
            "'tags' must be a list of words, not [1, 2]",
        ),
        (
            GOOD.replace("#+ columns:", "#+ example: sometimes\n#+ columns:"),
            6,
            "'example' must be true or false, not 'sometimes'",
        ),
    ],
)
def test_bad_files_fail_with_file_and_line(tmp_path: Path, text: str, line: int, says: str) -> None:
    path = write(tmp_path, "broken.rq", text)
    with pytest.raises(QueryFileError) as caught:
        parse_query_file(path)
    problems = caught.value.problems
    assert any(says in p.message for p in problems), problems
    problem = next(p for p in problems if says in p.message)
    assert (problem.path, problem.line) == (path, line)
    assert str(problem).startswith(f"{path}:{line}: ")
    assert check_query_files(tmp_path) == problems


def test_load_queries_stops_on_any_bad_file(tmp_path: Path) -> None:
    write(tmp_path, "good.rq", GOOD)
    write(tmp_path, "bad.rq", GOOD.replace("?_lang)", "?_other)"))
    with pytest.raises(QueryFileError) as caught:
        load_queries(tmp_path)
    assert "bad.rq" in str(caught.value)
    assert caught.value.exit_code == 2


# --- examples published in the graph --------------------------------------------------------------


def test_examples_graph_publishes_every_query_as_sparql_executable(
    queries: dict[str, NamedQuery],
) -> None:
    graph = examples_graph(API, DEFAULT_BASE)
    examples = set(graph.subjects(RDF.type, SH.SPARQLExecutable))
    assert examples == {URIRef(f"{ID}query/{name}") for name in queries}
    for name, query in queries.items():
        node = URIRef(f"{ID}query/{name}")
        assert (node, RDF.type, SH.SPARQLSelectExecutable) in graph
        assert str(graph.value(node, SH.select)) == query.text
        assert graph.value(node, SCHEMA.target) == URIRef("https://w3id.org/netkg/sparql")


def test_every_published_example_runs(
    curated_store: ox.Store, queries: dict[str, NamedQuery]
) -> None:
    """The examples the SPARQL editor shows are the API's files: each one runs as published.

    Unbound, as in the editor: a query with no required parameter still gives rows.
    """
    graph = examples_graph(API, DEFAULT_BASE)
    for name, query in queries.items():
        text = str(graph.value(URIRef(f"{ID}query/{name}"), SH.select))
        answer = curated_store.query(text)
        assert isinstance(answer, ox.QuerySolutions)
        found = list(answer)
        if not any(p.required for p in query.params):
            assert found, name
