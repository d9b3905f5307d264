"""The OpenAPI pieces every router shares, so `/openapi.json` says exactly what the service answers.

Routers declare their own successes (media types) and the errors they can give with
`responses(...)` (netkg's error object, or a router's own error body such as FHIR's
OperationOutcome); `install(app)` adds the one error schema and replaces FastAPI's 422 (which netkg
never sends: a bad parameter is a 400, see service.py) with the 400 the service really gives.
Checked against a live server by schemathesis (tests/test_openapi_contract.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI

__all__ = ["ERROR_REF", "install", "responses"]

ERROR_REF = "#/components/schemas/Error"

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Every error, for machines; browsers get the same message as an HTML page.",
    "required": ["error", "status"],
    "properties": {
        "error": {"type": "string", "description": "What went wrong and how to fix it."},
        "status": {"type": "integer", "description": "The HTTP status, again."},
    },
}

WHY: dict[int, str] = {
    303: "See Other: the answer lives at `Location`.",
    400: "A parameter, query or body is malformed; the message names it and what it accepts.",
    403: "Refused: SPARQL UPDATE (read-only) or SERVICE (federation is off).",
    404: "Nothing by this name in the release.",
    405: "This path does not answer this method; `Allow` lists those it does.",
    406: "No representation here satisfies `Accept`; the message lists those offered.",
    413: "The request body or the result is over this server's limit.",
    414: "The query string is over this server's limit; POST the query instead.",
    415: "The request body's `Content-Type` is not one this endpoint reads.",
    502: "The SPARQL store did not answer.",
    503: "The query ran past its time limit, or every query worker stayed busy.",
}


ERROR_CONTENT: dict[str, Any] = {
    "application/json": {"schema": {"$ref": ERROR_REF}},
    "text/html": {"schema": {"type": "string"}},
}
"""How netkg's own routes answer an error: the Error object, or the same message as HTML."""


def _error(status: int, content: Mapping[str, Any] = ERROR_CONTENT) -> dict[str, Any]:
    return {"description": WHY.get(status, HTTPStatus(status).phrase), "content": dict(content)}


def responses(
    description: str,
    media_types: Iterable[str],
    *errors: int,
    error_content: Mapping[str, Any] = ERROR_CONTENT,
) -> dict[int | str, dict[str, Any]]:
    """A route's `responses=`: 200 in each of `media_types`, and each error status it gives,
    its body as `error_content` says (a router with its own error format, like /fhir, passes it)."""
    declared: dict[int | str, dict[str, Any]] = {
        200: {"description": description, "content": {media: {} for media in media_types}}
    }
    for status in errors:
        declared[status] = (
            {"description": WHY[status], "headers": {"Location": {"schema": {"type": "string"}}}}
            if status == 303
            else _error(status, error_content)
        )
    return declared


def complete(document: dict[str, Any], *, max_query_timeout: float) -> dict[str, Any]:
    """Add the error schema; turn FastAPI's 422 into the 400 netkg sends; state the server's
    `timeout=` maximum (a setting) on every operation that takes one. In place, idempotent."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            answers = operation.get("responses", {})
            if answers.pop("422", None) is not None and "400" not in answers:
                answers["400"] = _error(400)
            for parameter in operation.get("parameters", []):
                if parameter.get("name") == "timeout":
                    parameter["schema"]["maximum"] = max_query_timeout
    return document


def install(app: FastAPI, *, max_query_timeout: float) -> None:
    """Serve the completed document at /openapi.json."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        return complete(generate(), max_query_timeout=max_query_timeout)

    app.openapi = openapi  # type: ignore[method-assign]
