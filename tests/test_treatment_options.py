"""`/api/treatment-options` against the page, case by case.

Each case quotes the sentence of the Canadian Cancer Society page that its answer rests on (and
checks the quote is really on the page), then checks what the query says for that situation.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from netkg.curate.named_queries import NamedQuery, load_queries
from netkg.store import Store
from netkg.web.api_render import plain
from netkg.web.api_run import run

ROOT = Path(__file__).resolve().parent.parent
PAGE = (ROOT / "tests" / "fixtures" / "ccs-net-treatments.txt").read_text(encoding="utf-8")
ID = "https://w3id.org/netkg/id/"
DISCLAIMER = ID + "ccs-medical-disclaimer"

Rows = dict[str, list[dict[str, object]]]


@pytest.fixture(scope="module")
def query() -> NamedQuery:
    return load_queries(ROOT / "api")["treatment-options"]


def options(store: Store, query: NamedQuery, **situation: str) -> Rows:
    """The answer by treatment slug: each treatment's rows as plain values."""
    params = [(name, value) for name, value in situation.items()]
    result = run(store, query, [*params, ("limit", "1000")])
    assert not result.truncated
    by_treatment: Rows = {}
    for row in result.rows:
        plain_row = {c: plain(row.get(c)) for c in query.columns}
        slug = str(plain_row["treatment"])[len(ID) :]
        by_treatment.setdefault(slug, []).append(plain_row)
    return by_treatment


def frequencies(rows: list[dict[str, object]]) -> set[str]:
    """How often each treatment is used, as the rows say (not conditional frequencies)."""
    return {str(r["usageFrequencyLabel"]) for r in rows if r["usageFrequencyLabel"]}


def row(rows: list[dict[str, object]], slug: str) -> dict[str, object]:
    return next(r for r in rows if r["statement"] == ID + slug)


def statements(rows: list[dict[str, object]]) -> set[str]:
    return {str(r["statement"])[len(ID) :] for r in rows}


def on_page(*quotes: str) -> None:
    """The answer's grounds: every quote must be on the page, word for word."""
    flat = " ".join(PAGE.split())
    for quote in quotes:
        assert quote in flat, f"not on the page: {quote!r}"


def test_not_spread_and_surgery_possible(curated_embedded: Store, query: NamedQuery) -> None:
    on_page(
        "Surgery is usually used to treat neuroendocrine tumours (NETs).",
        "Most people with NETs benefit from surgery when it can be done.",
        "Biological therapy is commonly used to treat neuroendocrine cancer.",
    )
    answer = options(curated_embedded, query, spread="false", surgery="true")
    assert set(answer) == {"surgery", "biological-therapy"}
    assert "usually" in frequencies(answer["surgery"])
    benefit = [r for r in answer["surgery"] if r["statement"] == ID + "usage-surgery-benefit"]
    assert benefit
    assert benefit[0]["benefitShareLabel"] == "most"
    assert benefit[0]["situation"] == ID + "surgery-possible"
    assert frequencies(answer["biological-therapy"]) == {"commonly"}


def test_type_of_surgery_depends_mainly_on_where_it_is(
    curated_embedded: Store, query: NamedQuery
) -> None:
    on_page("The type of surgery you have depends mainly on where the cancer is located.")
    answer = options(curated_embedded, query, surgery="true")
    depends = [r for r in answer["surgery"] if r["dependsOn"]]
    assert {r["dependsOn"] for r in depends} == {ID + "primary-site"}
    assert {r["dependencyWeightLabel"] for r in depends} == {"mainly"}


def test_spread_brings_radiation_with_both_qualifiers(
    curated_embedded: Store, query: NamedQuery
) -> None:
    on_page(
        "It is not usually used to treat neuroendocrine tumours (NETs).",
        "If used, it is usually when the cancer has spread (metastasized).",
    )
    answer = options(curated_embedded, query, spread="true")
    assert "radiation-therapy" in answer
    radiation = answer["radiation-therapy"]
    assert statements(radiation) == {"usage-radiation-not-usual", "usage-radiation-when-spread"}
    # how often it is used: not usually, and nothing else
    assert frequencies(radiation) == {"not usually"}
    # when it is used, it is usually when the cancer has spread: a frequency among those treated
    when = row(radiation, "usage-radiation-when-spread")
    assert when["kind"] == "ConditionalUseStatement"
    assert when["usageFrequency"] is None and when["situation"] is None
    assert when["whenUsedSituation"] == ID + "cancer-has-spread"
    assert when["whenUsedFrequencyLabel"] == "usually"
    assert when["quote"] == "If used, it is usually when the cancer has spread (metastasized)."
    assert row(radiation, "usage-radiation-not-usual")["kind"] == "UsageStatement"
    # nothing says where it spread: liver-directed therapy is not offered on a guess
    assert "liver-directed-therapy" not in answer


def test_not_spread_leaves_radiation_out(curated_embedded: Store, query: NamedQuery) -> None:
    """Radiation is "not usually used"; the page ties its use to spread only."""
    assert "radiation-therapy" not in options(curated_embedded, query, spread="false")
    assert "radiation-therapy" not in options(curated_embedded, query)


def test_spread_to_the_liver_brings_liver_directed_therapy(
    curated_embedded: Store, query: NamedQuery
) -> None:
    on_page(
        "If neuroendocrine tumours (NETs) spread, they often spread to the liver",
        "is often used to treat NETs that have spread to the liver.",
    )
    answer = options(curated_embedded, query, liver="true")
    liver = answer["liver-directed-therapy"]
    # the main indication (surgery can't be done) is said of the treatment in general
    assert statements(liver) == {
        "usage-liver-directed-liver-metastases",
        "usage-liver-directed-no-surgery",
    }
    assert frequencies(liver) == {"often"}
    often = row(liver, "usage-liver-directed-liver-metastases")
    assert often["situation"] == ID + "spread-to-liver"
    # the page ties no statement to one of its references: the source is the page's section
    assert {r["source"] for r in liver} == {ID + "ccs-net-treatments/liver-directed-therapy"}
    # spread to the liver is spread: radiation is considered too
    assert "radiation-therapy" in answer


def test_surgery_not_possible_brings_liver_directed_therapy_and_drops_surgery(
    curated_embedded: Store, query: NamedQuery
) -> None:
    on_page("Liver directed therapy is mainly used when surgery can't be done.")
    answer = options(curated_embedded, query, surgery="false")
    assert "surgery" not in answer
    liver = answer["liver-directed-therapy"]
    assert statements(liver) == {"usage-liver-directed-no-surgery"}
    # "mainly" is the weight of the indication, not how often it is used
    assert frequencies(liver) == set()
    (main,) = liver
    assert main["kind"] == "IndicationStatement"
    assert main["indication"] == ID + "surgery-not-possible"
    assert main["indicationWeightLabel"] == "mainly"
    assert main["situation"] is None
    assert "biological-therapy" in answer


def test_liver_spread_and_no_surgery_give_both_liver_statements(
    curated_embedded: Store, query: NamedQuery
) -> None:
    answer = options(curated_embedded, query, spread="true", liver="true", surgery="false")
    assert set(answer) == {"biological-therapy", "liver-directed-therapy", "radiation-therapy"}
    assert statements(answer["liver-directed-therapy"]) == {
        "usage-liver-directed-liver-metastases",
        "usage-liver-directed-no-surgery",
    }


def test_nothing_known_gives_the_general_statements_only(
    curated_embedded: Store, query: NamedQuery
) -> None:
    answer = options(curated_embedded, query)
    assert set(answer) == {"surgery", "biological-therapy"}
    # "when it can be done" is not asserted when nobody said it can
    assert "usage-surgery-benefit" not in statements(answer["surgery"])


@pytest.mark.parametrize(
    "situation",
    [
        {},
        {"spread": "false", "surgery": "true"},
        {"spread": "true"},
        {"liver": "true"},
        {"surgery": "false"},
        {"liver": "true", "surgery": "false", "lang": "fr"},
    ],
)
def test_every_row_has_a_source_and_the_disclaimer(
    curated_embedded: Store, query: NamedQuery, situation: dict[str, str]
) -> None:
    on_page("The information that the Canadian Cancer Society provides does not replace")
    answer = options(curated_embedded, query, **situation)
    assert answer
    for rows in answer.values():
        for row in rows:
            assert str(row["source"]).startswith(ID)
            assert row["sourceLabel"]
            assert row["disclaimer"] == DISCLAIMER
            assert "doctor" in str(row["disclaimerText"])


def test_functional_status_changes_nothing_the_page_does_not_say(
    curated_embedded: Store, query: NamedQuery
) -> None:
    """The page lists functional status as a factor, but ties no treatment to it."""
    base = options(curated_embedded, query, spread="true", surgery="true")
    assert (
        options(curated_embedded, query, spread="true", surgery="true", functional="true") == base
    )
    assert (
        options(curated_embedded, query, spread="true", surgery="true", functional="false") == base
    )


@pytest.mark.parametrize("site", ["gastrointestinal", "pancreas", "lung"])
def test_statements_about_nets_in_general_apply_to_every_site(
    curated_embedded: Store, query: NamedQuery, site: str
) -> None:
    base = options(curated_embedded, query, liver="true")
    assert options(curated_embedded, query, liver="true", site=site) == base


def test_labels_in_french(curated_embedded: Store, query: NamedQuery) -> None:
    answer = options(curated_embedded, query, surgery="false", lang="fr")
    labels = {slug: rows[0]["label"] for slug, rows in answer.items()}
    assert labels["liver-directed-therapy"] == "traitement dirigé vers le foie"
    (main,) = answer["liver-directed-therapy"]
    assert main["indicationWeightLabel"] == "principalement"
    assert str(main["statementLabel"]).startswith("traitement dirigé vers le foie")


def test_every_row_quotes_the_page(curated_embedded: Store, query: NamedQuery) -> None:
    """Each row carries the page's own sentence for its statement, word for word."""
    answer = options(curated_embedded, query, spread="true", liver="true", surgery="false")
    for rows in answer.values():
        for r in rows:
            assert r["quote"], r["statement"]
            on_page(str(r["quote"]))
