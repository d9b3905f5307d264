"""`/fhir`: a read-only FHIR R4 terminology server over the release's resources.

`netkg build` writes netkg's CodeSystem, ValueSets and ConceptMaps into `netkg.fhir.json`
(netkg/fhir_build.py); this router serves them and runs the terminology operations on them
(netkg/fhir_ops.py), so an EHR or a terminology server needs no SPARQL:

    GET /fhir/metadata                                   CapabilityStatement
    GET /fhir/CodeSystem?url=https://w3id.org/netkg/fhir/CodeSystem/netkg
    GET /fhir/CodeSystem/$lookup?system=…&code=surgery&displayLanguage=fr
    GET /fhir/ValueSet/net-treatments/$expand?filter=therapy&count=2
    GET /fhir/ConceptMap/$translate?system=http://snomed.info/sct&code=443492008

Answers are `application/fhir+json` (`_format=json` too; XML and Turtle get 406); every error
is an OperationOutcome with its 4xx status. Operations take GET parameters or, by POST, a
Parameters resource. ETag, Cache-Control, CORS and HEAD come from the app's HTTP policies.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

import netkg
from netkg.fhir_build import BUNDLE_FILE
from netkg.fhir_ops import RESOURCE_TYPES, FhirError, Params, Terminology, operation_outcome
from netkg.negotiate import choose

__all__ = ["MEDIA_TYPE", "router"]

MEDIA_TYPE = "application/fhir+json"
JSON_FORMATS = frozenset(
    {"json", "application/json", "application/fhir+json", "application/json+fhir"}
)
OTHER_FORMATS = frozenset(
    {"xml", "text/xml", "application/xml", "application/fhir+xml"}
    | {"ttl", "text/turtle", "application/fhir+turtle", "html", "text/html"}
)
"""FHIR formats this server doesn't write: 406, where an unknown `_format` is a 400."""
OPERATIONS = {
    "CodeSystem": ("$lookup",),
    "ValueSet": ("$expand", "$validate-code"),
    "ConceptMap": ("$translate",),
}
VERSION_PARAM = {"lookup": "version", "validate-code": "systemVersion", "translate": "version"}
"""What a Parameters `coding`'s version is called in each operation's flat parameters."""

router = APIRouter()

Answer = Callable[[Terminology], dict[str, Any]]


# --- the release's resources: the one place this router reads app state -------------------------


def _terminology(request: Request) -> Terminology:
    release = request.app.state.netkg.release
    return _load(str(Path(release.path) / BUNDLE_FILE), str(release.etag))


@functools.lru_cache(maxsize=4)
def _load(path: str, etag: str) -> Terminology:
    """Parsed once per release (the etag changes with every release)."""
    try:
        return Terminology.from_file(Path(path))
    except FileNotFoundError:
        raise FhirError(
            404,
            "not-found",
            f"this release has no FHIR resources ({BUNDLE_FILE}); rebuild it with `netkg build`",
        ) from None


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/fhir"


# --- answering ---------------------------------------------------------------------------------


def _check_format(request: Request) -> None:
    """`_format` (FHIR's override of Accept), else Accept, must allow JSON; `_pretty` a boolean."""
    pretty = request.query_params.get("_pretty")
    if pretty not in (None, "true", "false"):
        raise FhirError(400, "invalid", f"_pretty={pretty!r}: use true or false")
    asked = request.query_params.get("_format")
    if asked is not None:
        if asked in OTHER_FORMATS:
            raise FhirError(406, "not-supported", f"_format={asked}: this server speaks JSON only")
        if asked not in JSON_FORMATS:
            raise FhirError(400, "invalid", f"_format={asked!r}: use json or application/fhir+json")
        return
    accept = request.headers.get("accept")
    if accept and choose(accept, [MEDIA_TYPE, "application/json"], aliases={}) is None:
        raise FhirError(
            406, "not-supported", f"Accept: {accept}: this server answers {MEDIA_TYPE} only"
        )


def _respond(request: Request, answer: Answer) -> Response:
    """Run `answer` on the release's resources; a FhirError becomes an OperationOutcome."""
    try:
        _check_format(request)
        body = answer(_terminology(request))
    except FhirError as error:
        return _error(request, error)
    return _render(request, 200, body)


def _error(request: Request, error: FhirError) -> Response:
    response = _render(request, error.status, operation_outcome(error.code, error.message))
    if error.status == 405:
        response.headers["Allow"] = "GET, HEAD"
    return response


def _render(request: Request, status: int, body: dict[str, Any]) -> Response:
    pretty = request.query_params.get("_pretty") == "true"
    text = json.dumps(body, ensure_ascii=False, indent=2 if pretty else None)
    return Response(text, status_code=status, media_type=f"{MEDIA_TYPE}; charset=utf-8")


def _query(request: Request) -> Params:
    params: dict[str, list[str]] = {}
    for name, value in request.query_params.multi_items():
        params.setdefault(name, []).append(value)
    return params


async def _operation_params(request: Request, operation: str) -> Params:
    """GET: the query string. POST: a Parameters resource, its `coding` spread into
    system/code/version/display (R4 lets either carry an operation's input)."""
    if request.method != "POST":
        return _query(request)
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in ("application/fhir+json", "application/json"):
        raise FhirError(415, "not-supported", f"POST a Parameters resource as {MEDIA_TYPE}")
    limit = request.app.state.netkg.settings.max_request_bytes
    body = await request.body()
    if len(body) > limit:
        raise FhirError(413, "too-costly", f"the request body is over {limit} bytes")
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as error:  # RecursionError: nested beyond reason
        raise FhirError(400, "structure", f"the body is not JSON: {error}") from None
    if not isinstance(document, dict) or document.get("resourceType") != "Parameters":
        raise FhirError(400, "structure", "POST a Parameters resource to a FHIR operation")
    listed = document.get("parameter", [])
    if not isinstance(listed, list):
        raise FhirError(400, "structure", "Parameters.parameter must be a list")
    params: dict[str, list[str]] = {}
    for parameter in listed:
        if not isinstance(parameter, dict) or not isinstance(parameter.get("name"), str):
            raise FhirError(400, "structure", "each parameter needs a name and a value[x]")
        name = parameter["name"]
        values = {k: v for k, v in parameter.items() if k.startswith("value")}
        if len(values) != 1:
            raise FhirError(400, "structure", f"parameter {name!r} needs exactly one value[x]")
        kind, value = next(iter(values.items()))
        if kind == "valueCoding" and name == "coding" and isinstance(value, dict):
            for field, flat in (("system", "system"), ("code", "code"), ("display", "display")):
                if isinstance(value.get(field), str):
                    params.setdefault(flat, []).append(value[field])
            if isinstance(value.get("version"), str):
                params.setdefault(VERSION_PARAM.get(operation, "version"), []).append(
                    value["version"]
                )
        elif isinstance(value, bool):
            params.setdefault(name, []).append("true" if value else "false")
        elif isinstance(value, (str, int)):
            params.setdefault(name, []).append(str(value))
        else:
            raise FhirError(
                400, "not-supported", f"parameter {name!r}: {kind} is not supported here"
            )
    return params


Run = Callable[[Terminology, Params], dict[str, Any]]


async def _operate(request: Request, operation: str, run: Run) -> Response:
    try:
        params = await _operation_params(request, operation)
    except FhirError as error:
        return _error(request, error)
    return _respond(request, lambda terms: run(terms, params))


# --- routes (operations before reads, so `$expand` is never taken for an id) ---------------------


@router.get("/fhir/metadata", summary="FHIR CapabilityStatement (or TerminologyCapabilities)")
def metadata(request: Request) -> Response:
    base, params = _base(request), _query(request)
    return _respond(
        request,
        lambda terms: terms.metadata(params, base=base, software_version=netkg.__version__),
    )


@router.get("/fhir/CodeSystem/$lookup", summary="FHIR CodeSystem $lookup")
@router.post("/fhir/CodeSystem/$lookup", summary="FHIR CodeSystem $lookup")
async def lookup(request: Request) -> Response:
    return await _operate(request, "lookup", lambda terms, params: terms.lookup(params))


@router.get("/fhir/ValueSet/$expand", summary="FHIR ValueSet $expand")
@router.post("/fhir/ValueSet/$expand", summary="FHIR ValueSet $expand")
async def expand(request: Request) -> Response:
    return await _operate(request, "expand", lambda terms, params: terms.expand(params))


@router.get("/fhir/ValueSet/{resource_id}/$expand", include_in_schema=False)
@router.post("/fhir/ValueSet/{resource_id}/$expand", include_in_schema=False)
async def expand_one(request: Request, resource_id: str) -> Response:
    return await _operate(request, "expand", lambda t, params: t.expand(params, resource_id))


@router.get("/fhir/ValueSet/$validate-code", summary="FHIR ValueSet $validate-code")
@router.post("/fhir/ValueSet/$validate-code", summary="FHIR ValueSet $validate-code")
async def validate_code(request: Request) -> Response:
    return await _operate(request, "validate-code", lambda t, params: t.validate_code(params))


@router.get("/fhir/ValueSet/{resource_id}/$validate-code", include_in_schema=False)
@router.post("/fhir/ValueSet/{resource_id}/$validate-code", include_in_schema=False)
async def validate_code_one(request: Request, resource_id: str) -> Response:
    return await _operate(
        request, "validate-code", lambda t, params: t.validate_code(params, resource_id)
    )


@router.get("/fhir/ConceptMap/$translate", summary="FHIR ConceptMap $translate")
@router.post("/fhir/ConceptMap/$translate", summary="FHIR ConceptMap $translate")
async def translate(request: Request) -> Response:
    return await _operate(request, "translate", lambda t, params: t.translate(params))


@router.get("/fhir/ConceptMap/{resource_id}/$translate", include_in_schema=False)
@router.post("/fhir/ConceptMap/{resource_id}/$translate", include_in_schema=False)
async def translate_one(request: Request, resource_id: str) -> Response:
    return await _operate(request, "translate", lambda t, params: t.translate(params, resource_id))


@router.get("/fhir/{kind}", summary="FHIR search: CodeSystem, ValueSet or ConceptMap")
def search(request: Request, kind: str) -> Response:
    base, params = _base(request), _query(request)
    return _respond(
        request, lambda terms: terms.search(kind, params, base=base, self_url=str(request.url))
    )


@router.get("/fhir/{kind}/{resource_id}", summary="FHIR read: one resource by id")
def read(request: Request, kind: str, resource_id: str) -> Response:
    def answer(terms: Terminology) -> dict[str, Any]:
        if resource_id.startswith("$") and kind in OPERATIONS:
            offered = ", ".join(OPERATIONS[kind])
            raise FhirError(
                404, "not-supported", f"{kind} has no operation {resource_id}; it has {offered}"
            )
        unknown = set(_query(request)) - {"_format", "_pretty"}
        if unknown:
            raise FhirError(400, "not-supported", f"a read takes no parameter {min(unknown)!r}")
        return terms.read(kind, resource_id)

    return _respond(request, answer)


@router.api_route(
    "/fhir/{rest:path}",
    methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
    include_in_schema=False,
)
def anything_else(request: Request, rest: str) -> Response:
    """Every other /fhir request: an OperationOutcome, never the site's generic error page."""
    if request.method in ("GET", "HEAD"):
        error = FhirError(
            404,
            "not-found",
            f"no FHIR endpoint /fhir/{rest}; see /fhir/metadata ({', '.join(RESOURCE_TYPES)})",
        )
    else:
        error = FhirError(
            405,
            "not-supported",
            f"{request.method} /fhir/{rest}: this terminology server is read-only "
            "(POST is only for $lookup, $expand, $validate-code and $translate)",
        )
    return _error(request, error)
