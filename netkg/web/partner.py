"""schema.org JSON-LD for partner sites, to embed in a `<script type="application/ld+json">`.

Built from the graph, not from templates: a SPARQL CONSTRUCT (`queries/partner/*.rq`) gives the
schema.org view, texts are kept in the asked language only, and JSON-LD framing with one
published `@context` (`partner_context.jsonld`, served at /partner/context.jsonld) shapes the
document. Search engines read netkg's own page (a MedicalWebPage in English or French, under
CC BY 4.0) that isBasedOn the Canadian Cancer Society's page, about a MedicalCondition with its
possibleTreatment list, each treatment with what the page says about its use (a Claim per
statement); or one MedicalTherapy with its codes and claims. Every statement in it is in the
graph or follows from it by the rules written at the top of each view.

    GET /partner/condition.jsonld?lang=fr
    GET /partner/treatments/surgery.jsonld
    GET /partners                      (the guide, with a copy-paste snippet)
"""

from __future__ import annotations

import copy
import functools
import json
import re
from pathlib import Path
from typing import Annotated, Any

import pyoxigraph as ox
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pyld import jsonld

from netkg import queries
from netkg.errors import BadRequest, NotFound
from netkg.prefixes import BASE as DEFAULT_BASE
from netkg.release.context import pyld_dataset
from netkg.store import Store
from netkg.web import openapi
from netkg.web.describe import own_triples
from netkg.web.pages import base_iri
from netkg.web.state import app_state

__all__ = [
    "LANGUAGES",
    "condition_document",
    "document_context",
    "document_iri",
    "published_context",
    "router",
    "treatment_document",
    "treatment_slugs",
    "view_triples",
]

HERE = Path(__file__).parent
CONTEXT_FILE = HERE / "partner_context.jsonld"
LANGUAGES = ("en", "fr")
MEDIA_TYPE = "application/ld+json"
SCHEMA = "https://schema.org/"
_SLUG = re.compile(r"^[a-z][a-z0-9-]{0,80}$")


@functools.cache
def published_context() -> dict[str, Any]:
    """The stable `@context` every partner document uses (a copy is embedded in each one)."""
    document: dict[str, Any] = json.loads(CONTEXT_FILE.read_text(encoding="utf-8"))
    return document


def document_context(lang: str) -> dict[str, Any]:
    """The published context plus the document's language, so its labels are plain strings."""
    context = dict(published_context()["@context"])
    context["@language"] = lang
    return context


def document_iri(lang: str, base: str = DEFAULT_BASE) -> str:
    """netkg's own page in `lang`, which every partner document describes: the guide."""
    return f"{base}guide?lang={lang}"


def view_triples(store: Store, view: str, lang: str, base: str = DEFAULT_BASE) -> list[ox.Triple]:
    """The schema.org view `view` (condition or treatment) with its texts in `lang`, sorted.

    Of the language-tagged values of one subject and property, those in `lang` are kept. A
    subject without one keeps the values in its own `schema:inLanguage` (the title of a page
    written in English stays its title); any other value is dropped, never passed off as a
    translation. tests/test_partner_jsonld.py fails when a French text is missing.
    """
    substitutions: dict[str, ox.NamedNode | ox.Literal] = {
        "_document": ox.NamedNode(document_iri(lang, base)),
        "_lang": ox.Literal(lang),
    }
    triples = own_triples(store, queries.text(__name__, view), substitutions)
    own_language = {
        str(t.subject): t.object.value.split("-")[0].lower()
        for t in triples
        if t.predicate.value == SCHEMA + "inLanguage" and isinstance(t.object, ox.Literal)
    }
    translated = {(t.subject, t.predicate) for t in triples if _language(t) == lang}
    kept = [
        t
        for t in triples
        if _language(t) in (None, lang)
        or (
            _language(t) == own_language.get(str(t.subject))
            and (t.subject, t.predicate) not in translated
        )
    ]
    return sorted(kept, key=str)


def _language(triple: ox.Triple) -> str | None:
    obj = triple.object
    if isinstance(obj, ox.Literal) and obj.language:
        return obj.language.split("-")[0].lower()
    return None


def _framed(triples: list[ox.Triple], root: str, lang: str) -> dict[str, Any]:
    """Frame the view on `root`, embedding what it links to (JSON-LD 1.1 framing)."""
    dataset = jsonld.from_rdf(pyld_dataset(triples), {"useNativeTypes": True})
    frame = {"@context": document_context(lang), "@id": root}
    options = {"embed": "@always", "omitGraph": True, "processingMode": "json-ld-1.1"}
    framed: dict[str, Any] = jsonld.frame(dataset, frame, options)
    if set(framed) <= {"@context"} or framed.get("@id") != root:
        raise NotFound(f"nothing in the graph for {root}")
    document: dict[str, Any] = _links_as_iris(copy.deepcopy(framed))
    return document


#: Properties that point to things described elsewhere (the codes are embedded under `code`,
#: the source page under `isBasedOn`, a page under its own `@id`): their IRIs, not another
#: embedded copy.
LINKS = ("sameAs", "appearance", "url")


def _links_as_iris(node: Any) -> Any:
    """Replace what framing embedded under a LINKS property by the IRI it points to."""
    if isinstance(node, list):
        return [_links_as_iris(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in LINKS:
            iris = [v["@id"] if isinstance(v, dict) else v for v in _as_list(value)]
            out[key] = iris if isinstance(value, list) else iris[0]
        elif key == "@context":
            out[key] = value
        else:
            out[key] = _links_as_iris(value)
    return out


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _check_lang(lang: str) -> str:
    if lang not in LANGUAGES:
        raise BadRequest(
            f"parameter 'lang': {lang!r} is not valid; it accepts one of {', '.join(LANGUAGES)}",
            detail={"parameter": "lang", "accepts": list(LANGUAGES)},
        )
    return lang


def condition_document(store: Store, lang: str = "en", base: str = DEFAULT_BASE) -> dict[str, Any]:
    """netkg's page about neuroendocrine tumours and their possible treatments, as the
    Canadian Cancer Society's page states them."""
    triples = view_triples(store, "condition", _check_lang(lang), base)
    return _framed(triples, document_iri(lang, base), lang)


def treatment_document(
    store: Store, slug: str, lang: str = "en", base: str = DEFAULT_BASE
) -> dict[str, Any]:
    """One MedicalTherapy with its codes and claims, subject of netkg's page."""
    _check_lang(lang)
    if not _SLUG.match(slug):
        raise NotFound(f"no treatment {slug!r}")
    triples = view_triples(store, "treatment", lang, base)
    root = f"{base}id/{slug}"
    if not any(str(t.subject) == f"<{root}>" for t in triples):
        raise NotFound(f"no treatment {slug!r}; see /partners for the list")
    return _framed(triples, root, lang)


def treatment_slugs(
    store: Store, base: str = DEFAULT_BASE, lang: str = "en"
) -> list[tuple[str, str]]:
    """(slug, name in `lang`) of every treatment that has a partner document."""
    triples = view_triples(store, "treatment", _check_lang(lang), base)
    prefix = f"{base}id/"
    names = {
        t.subject.value[len(prefix) :]: t.object.value
        for t in triples
        if isinstance(t.subject, ox.NamedNode)
        and isinstance(t.object, ox.Literal)
        and t.subject.value.startswith(prefix)
        and t.predicate.value == SCHEMA + "name"
        and any(
            u.subject == t.subject and u.predicate.value == SCHEMA + "subjectOf" for u in triples
        )
    }
    return sorted(names.items())


def dumps(document: dict[str, Any]) -> bytes:
    """Stable bytes: the same graph gives the same document (and the same ETag)."""
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


# --- HTTP ----------------------------------------------------------------------------------------


def _lang(request: Request) -> str:
    for name in request.query_params:
        if name != "lang":
            raise BadRequest(
                f"unknown parameter {name!r}; partner documents accept: lang",
                detail={"parameter": name, "accepts": ["lang"]},
            )
    if len(request.query_params.getlist("lang")) > 1:
        raise BadRequest(
            "parameter 'lang' is given more than once; give it once", detail={"parameter": "lang"}
        )
    return _check_lang(request.query_params.get("lang", "en"))


def _jsonld(document: dict[str, Any], lang: str) -> Response:
    response = Response(dumps(document), media_type=MEDIA_TYPE)
    response.headers["Content-Language"] = lang
    return response


router = APIRouter(tags=["partners"])


Lang = Annotated[str, Query(json_schema_extra={"enum": list(LANGUAGES)})]
"""`?lang=` as the OpenAPI document states it; checked (with a helpful 400) by `_lang`."""


@router.get(
    "/partner/context.jsonld",
    summary="The @context of every partner document",
    response_class=Response,
    responses=openapi.responses("The @context.", [MEDIA_TYPE]),
)
def partner_context() -> Response:
    """Published so partners and validators can read the short keys; it only changes with care."""
    return Response(dumps(published_context()), media_type=MEDIA_TYPE)


@router.get(
    "/partner/condition.jsonld",
    summary="schema.org JSON-LD: the page about neuroendocrine tumours and their treatments",
    response_class=Response,
    responses=openapi.responses("The document.", [MEDIA_TYPE], 400, 404),
)
def partner_condition(request: Request, lang: Lang = "en") -> Response:
    """A MedicalWebPage about the MedicalCondition, with possibleTreatment, codes, citations."""
    lang = _lang(request)
    state = app_state(request)
    return _jsonld(condition_document(state.store, lang, base_iri(request)), lang)


@router.get(
    "/partner/treatments/{slug}.jsonld",
    summary="schema.org JSON-LD: one treatment (MedicalTherapy) and the page it is described on",
    response_class=Response,
    responses=openapi.responses("The document.", [MEDIA_TYPE], 400, 404),
)
def partner_treatment(request: Request, slug: str, lang: Lang = "en") -> Response:
    """A MedicalTherapy: name, description, codes, sameAs, and the page with its disclaimer."""
    lang = _lang(request)
    state = app_state(request)
    return _jsonld(treatment_document(state.store, slug, lang, base_iri(request)), lang)


@router.get(
    "/partners",
    summary="The guide for partner sites",
    response_class=HTMLResponse,
    responses=openapi.responses("The guide.", ["text/html"], 404),
)
def partners_guide(request: Request) -> Response:
    """How to embed the documents, with a snippet made from the live condition document."""
    from netkg.web.pages import render, request_language

    lang = request_language(request)
    state = app_state(request)
    base = base_iri(request)
    snippet_document = condition_document(state.store, lang, base)
    snippet = (
        '<script type="application/ld+json">\n'
        + json.dumps(snippet_document, ensure_ascii=False, indent=2)
        + "\n</script>"
    )
    treatments = [
        {"slug": slug, "name": name, "path": f"/partner/treatments/{slug}.jsonld"}
        for slug, name in treatment_slugs(state.store, base, lang)
    ]
    return render(
        request,
        "partners.html",
        snippet=snippet,
        treatments=treatments,
        doc_lang=lang,
    )
