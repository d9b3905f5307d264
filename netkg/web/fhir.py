"""`/fhir`: a read-only FHIR R4 terminology server over the release's resources.

`netkg build` writes netkg's CodeSystem, ValueSets and ConceptMaps into `netkg.fhir.json`
(netkg/release/terminology.py); this router serves them and runs the terminology operations on them
(netkg/web/fhir_ops.py), so an EHR or a terminology server needs no SPARQL:

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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

import netkg
from netkg.release.terminology import BUNDLE_FILE
from netkg.web import openapi
from netkg.web.fhir_ops import (
    LANGUAGE_TAG,
    LOOKUP_PROPERTIES,
    MAX_VALUE,
    RESOURCE_TYPES,
    SEARCH_PARAMS,
    FhirError,
    Params,
    Terminology,
    operation_outcome,
)
from netkg.web.negotiate import Offer
from netkg.web.state import app_state

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
RESOURCES = Offer("FHIR resources", {"json": MEDIA_TYPE})
"""What Accept must allow (`_format`, FHIR's override of it, has FHIR's own values above)."""


@dataclass(frozen=True)
class FhirOperation:
    """One terminology operation this server runs: its routes and OpenAPI are made from this."""

    kind: str
    """The resource type it runs on (`CodeSystem`, `ValueSet`, `ConceptMap`)."""
    name: str
    """Its FHIR name without the `$`."""
    run: Callable[..., dict[str, Any]]
    """The Terminology method: `(terms, params)`, and the resource's id when on one resource."""
    what: str
    """What it answers, for /openapi.json."""
    parameters: list[Any]
    """Its GET parameters, as netkg.web.fhir_ops checks them (OpenAPI parameter objects)."""
    on_instance: bool = False
    """Whether it also runs on one resource by id (`/fhir/ValueSet/{id}/$expand`)."""
    coding_version: str = "version"
    """What a POSTed Parameters `coding`'s version is called among its flat parameters."""


router = APIRouter()

Answer = Callable[[Terminology], dict[str, Any]]


# --- the release's resources: the one place this router reads app state -------------------------


def _terminology(request: Request) -> Terminology:
    release = app_state(request).release
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
    if accept and RESOURCES.choose(accept) is None:
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
        response.headers["Allow"] = _allowed(request)
    return response


def _allowed(request: Request) -> str:
    """What a /fhir path answers: GET (and HEAD); an operation's path POST too."""
    kind, _, last = request.url.path.removeprefix("/fhir/").rpartition("/")
    operation = last in OPERATIONS.get(kind.split("/")[0], ())
    return "GET, HEAD, POST, OPTIONS" if operation else "GET, HEAD, OPTIONS"


def _render(request: Request, status: int, body: dict[str, Any]) -> Response:
    pretty = request.query_params.get("_pretty") == "true"
    text = json.dumps(body, ensure_ascii=False, indent=2 if pretty else None)
    return Response(text, status_code=status, media_type=f"{MEDIA_TYPE}; charset=utf-8")


def _query(request: Request) -> Params:
    params: dict[str, list[str]] = {}
    for name, value in request.query_params.multi_items():
        params.setdefault(name, []).append(value)
    return params


async def _operation_params(request: Request, coding_version: str) -> Params:
    """GET: the query string. POST: a Parameters resource, its `coding` spread into
    system/code/version/display (R4 lets either carry an operation's input)."""
    if request.method != "POST":
        return _query(request)
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in ("application/fhir+json", "application/json"):
        raise FhirError(415, "not-supported", f"POST a Parameters resource as {MEDIA_TYPE}")
    limit = app_state(request).settings.max_request_bytes
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
                params.setdefault(coding_version, []).append(value["version"])
        elif isinstance(value, bool):
            params.setdefault(name, []).append("true" if value else "false")
        elif isinstance(value, (str, int)):
            params.setdefault(name, []).append(str(value))
        else:
            raise FhirError(
                400, "not-supported", f"parameter {name!r}: {kind} is not supported here"
            )
    return params


async def _operate(request: Request, operation: FhirOperation) -> Response:
    """Run `operation` on its parameters, and on the path's resource if the path names one."""
    resource_id = request.path_params.get("resource_id")
    on = () if resource_id is None else (resource_id,)
    try:
        params = await _operation_params(request, operation.coding_version)
    except FhirError as error:
        return _error(request, error)
    return _respond(request, lambda terms: operation.run(terms, params, *on))


# --- what /openapi.json says of each route (checked against this code by schemathesis) ---------

OUTCOME_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "A FHIR R4 OperationOutcome: the error's issue type and what to fix.",
    "required": ["resourceType", "issue"],
    "properties": {
        "resourceType": {"const": "OperationOutcome"},
        "issue": {"type": "array", "minItems": 1, "items": {"type": "object"}},
    },
}
OUTCOME = {MEDIA_TYPE: {"schema": OUTCOME_SCHEMA}}
PARAMETERS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "A FHIR Parameters resource: each parameter a name and one value[x].",
    "required": ["resourceType"],
    "properties": {
        "resourceType": {"const": "Parameters"},
        "parameter": {
            "type": "array",
            "items": {"type": "object", "required": ["name"], "properties": {"name": {}}},
        },
    },
}
POST_BODY = {
    "required": True,
    "content": {media: {"schema": PARAMETERS_SCHEMA} for media in (MEDIA_TYPE, "application/json")},
}
TEXT: dict[str, Any] = {"type": "string", "maxLength": MAX_VALUE}
NEEDED: dict[str, Any] = {**TEXT, "minLength": 1}
FLAG: dict[str, Any] = {"type": "boolean"}
WHOLE: dict[str, Any] = {"type": "integer", "minimum": 0, "maximum": 999_999_999}
LANGUAGE: dict[str, Any] = {**TEXT, "pattern": LANGUAGE_TAG.pattern}


def _param(name: str, schema: dict[str, Any], required: bool = False, at: str = "query") -> Any:
    return {"name": name, "in": at, "required": required or at == "path", "schema": schema}


FORMAT_PARAMS = [
    _param("_format", {"type": "string", "enum": sorted(JSON_FORMATS)}),
    _param("_pretty", FLAG),
]
KIND = _param("kind", {"type": "string", "enum": list(RESOURCE_TYPES)}, at="path")
FHIR_ID = _param("resource_id", {"type": "string", "pattern": "^[A-Za-z0-9.-]{1,64}$"}, at="path")
"""FHIR's id datatype."""
FHIR_OPERATIONS = (
    FhirOperation(
        "CodeSystem",
        "lookup",
        Terminology.lookup,
        what="A Parameters resource: the code's details.",
        parameters=[
            _param("system", NEEDED, required=True),
            _param("code", NEEDED, required=True),
            _param("version", TEXT),
            _param("displayLanguage", LANGUAGE),
            _param("property", {"type": "array", "items": {"enum": list(LOOKUP_PROPERTIES)}}),
        ],
    ),
    FhirOperation(
        "ValueSet",
        "expand",
        Terminology.expand,
        what="The ValueSet with its expansion.",
        parameters=[
            _param("url", NEEDED, required=True),
            _param("valueSetVersion", TEXT),
            _param("filter", TEXT),
            _param("offset", WHOLE),
            _param("count", WHOLE),
            _param("displayLanguage", LANGUAGE),
            _param("includeDesignations", FLAG),
            _param("activeOnly", FLAG),
        ],
        on_instance=True,
    ),
    FhirOperation(
        "ValueSet",
        "validate-code",
        Terminology.validate_code,
        what="A Parameters resource: `result` (is the code in the ValueSet), `message`, `display`.",
        parameters=[
            _param("url", NEEDED, required=True),
            _param("valueSetVersion", TEXT),
            _param("code", NEEDED, required=True),
            _param("system", NEEDED, required=True),
            _param("systemVersion", TEXT),
            _param("display", TEXT),
            _param("displayLanguage", LANGUAGE),
        ],
        on_instance=True,
        coding_version="systemVersion",
    ),
    FhirOperation(
        "ConceptMap",
        "translate",
        Terminology.translate,
        what="A Parameters resource: `result` and each `match` (equivalence, concept, source map).",
        parameters=[
            _param("url", TEXT),
            _param("conceptMapVersion", TEXT),
            _param("system", NEEDED, required=True),
            _param("code", NEEDED, required=True),
            _param("version", TEXT),
            _param("source", TEXT),
            _param("target", TEXT),
            _param("targetsystem", TEXT),
            _param("reverse", FLAG),
        ],
        on_instance=True,
    ),
)
_NAMES = [f"${name}" for name in dict.fromkeys(op.name for op in FHIR_OPERATIONS)]
_POSTABLE = ", ".join(_NAMES[:-1]) + " and " + _NAMES[-1]
"""The operations a POST may call, as the 405 for any other POST names them."""
"""The operations, each declared once: its routes below are made from its row."""
OPERATIONS = {
    kind: tuple(f"${op.name}" for op in FHIR_OPERATIONS if op.kind == kind)
    for kind in dict.fromkeys(op.kind for op in FHIR_OPERATIONS)
}
"""Each resource type's operations, as a path names them."""


def _documented(what: str, parameters: list[Any], *errors: int) -> dict[str, Any]:
    """A route's OpenAPI keywords: its answer and OperationOutcome errors, its parameters."""
    return {
        "response_class": Response,
        "responses": openapi.responses(what, [MEDIA_TYPE], *errors, error_content=OUTCOME),
        "openapi_extra": {"parameters": [*parameters, *FORMAT_PARAMS]},
    }


# --- routes (operations before reads, so `$expand` is never taken for an id) ---------------------


@router.get(
    "/fhir/metadata",
    summary="FHIR CapabilityStatement (or TerminologyCapabilities)",
    **_documented(
        "The CapabilityStatement; with mode=terminology, the TerminologyCapabilities.",
        [_param("mode", {"type": "string", "enum": ["full", "normative", "terminology"]})],
        400,
        404,
        406,
    ),
)
def metadata(request: Request) -> Response:
    base, params = _base(request), _query(request)
    return _respond(
        request,
        lambda terms: terms.metadata(params, base=base, software_version=netkg.__version__),
    )


def _declare(operation: FhirOperation) -> None:
    """GET (parameters in the query string) and POST (a Parameters resource) of `operation` on
    its resource type; on one resource too (`/fhir/ValueSet/{id}/$expand`), left out of the
    OpenAPI document, which names each operation once."""
    name = operation.name

    async def endpoint(request: Request) -> Response:
        return await _operate(request, operation)

    function = name.replace("-", "_")
    path = f"/fhir/{operation.kind}/${name}"
    summary = f"FHIR {operation.kind} ${name}"
    get = _documented(operation.what, operation.parameters, 400, 404, 406)
    post = _documented(operation.what, [], 400, 404, 406, 413, 415)
    post["openapi_extra"]["requestBody"] = POST_BODY
    router.get(path, name=function, summary=summary, **get)(endpoint)
    post_summary = summary + " (POST a Parameters resource)"
    router.post(path, name=function, summary=post_summary, **post)(endpoint)
    if operation.on_instance:
        one = f"/fhir/{operation.kind}/{{resource_id}}/${name}"
        router.api_route(
            one, methods=["GET", "POST"], name=function + "_one", include_in_schema=False
        )(endpoint)


for _each in FHIR_OPERATIONS:
    _declare(_each)


@router.get(
    "/fhir/{kind}",
    summary="FHIR search: CodeSystem, ValueSet or ConceptMap",
    **_documented(
        "A searchset Bundle of the resources matching every parameter given.",
        [KIND, *(_param(name, TEXT) for name in SEARCH_PARAMS)],
        400,
        404,
        406,
    ),
)
def search(request: Request) -> Response:
    kind, base, params = request.path_params["kind"], _base(request), _query(request)
    return _respond(
        request, lambda terms: terms.search(kind, params, base=base, self_url=str(request.url))
    )


@router.get(
    "/fhir/{kind}/{resource_id}",
    summary="FHIR read: one resource by id",
    **_documented("The resource.", [KIND, FHIR_ID], 400, 404, 406),
)
def read(request: Request) -> Response:
    kind, resource_id = request.path_params["kind"], request.path_params["resource_id"]

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
    methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
    include_in_schema=False,
)
def anything_else(request: Request, rest: str) -> Response:
    """Every other /fhir request: an OperationOutcome, never the site's generic error page;
    OPTIONS: the methods the path answers (a CORS preflight is answered before, in
    netkg.web.http)."""
    if request.method == "OPTIONS":
        return Response(status_code=204, headers={"Allow": _allowed(request)})
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
            f"(POST is only for {_POSTABLE})",
        )
    return _error(request, error)
