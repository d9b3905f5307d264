"""The REST API: each `api/<name>.rq` is `GET /api/<name>` and one OpenAPI operation.

The query files themselves (headers, parameters) are `netkg.curate.named_queries`, so curation
tools check them without the web stack; a request's values are bound by `api_binding`, the query
runs in `api_run` and its page is serialised by `api_render`. This module is the router.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field, create_model

from netkg.curate.named_queries import NamedQuery, json_value, load_queries
from netkg.web import openapi
from netkg.web.api_binding import DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET
from netkg.web.api_render import FORMATS, render
from netkg.web.api_run import run
from netkg.web.negotiate import Offer, negotiate
from netkg.web.pages import base_iri
from netkg.web.state import app_state

__all__ = ["build_router", "router_for"]

RQ_MEDIA_TYPE = "application/sparql-query"


def api_folder(settings: Any) -> Path:
    """Where the served queries live: `<dist>/api` when the release has them, else `./api`."""
    dist = getattr(settings, "dist", None)
    if dist is not None and (Path(dist) / "api").is_dir():
        return Path(dist) / "api"
    project = Path(__file__).resolve().parents[2] / "api"
    return project if project.is_dir() else Path("api")


ANSWERS = Offer("a named query's answer", FORMATS)
"""JSON first: what a client gets when anything goes."""


def _choose_format(request: Request, suffix: str | None) -> str:
    """`?format=`, then the suffix, then Accept; 400 for an unknown name, 406 when nothing fits."""
    formats = request.query_params.getlist("format")
    if any(not value.strip() for value in formats):  # as every parameter here: empty is no default
        raise ANSWERS.unknown("")
    return negotiate(ANSWERS, request.headers.get("accept"), formats, suffix).media_type


def _page_url(request: Request, offset: int) -> str:
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "offset"]
    if offset:
        params.append(("offset", str(offset)))
    query = urlencode(params)
    return str(request.url.replace(query=query))


def answer(request: Request, query: NamedQuery, suffix: str | None = None) -> Response:
    """Run a named query for one request and serialise it; errors are typed (400, 406, …)."""
    values = list(request.query_params.multi_items())
    media_type = _choose_format(request, suffix)
    state = app_state(request)
    result = run(state.store, query, values, timeout=state.settings.query_timeout)
    links: dict[str, str | None] = {"self": str(request.url)}
    links["next"] = _page_url(request, result.offset + result.limit) if result.truncated else None
    links["prev"] = (
        _page_url(request, max(result.offset - result.limit, 0)) if result.offset > 0 else None
    )
    links["sparql"] = str(request.url.replace(path=f"/api/{query.name}.rq", query=""))
    body = render(result, media_type, base_iri(request), links)
    headers: dict[str, str] = {}
    link_header = [f'<{links[rel]}>; rel="{rel}"' for rel in ("next", "prev") if links[rel]]
    link_header.append(f'<{links["sparql"]}>; rel="describedby"; type="{RQ_MEDIA_TYPE}"')
    headers["Link"] = ", ".join(link_header)
    if result.truncated:
        headers["X-Netkg-Truncated"] = "true"
    if media_type.startswith("text/"):
        media_type += "; charset=utf-8"
    return Response(body, media_type=media_type, headers=headers)


def source(query: NamedQuery) -> Response:
    """The `.rq` file as written (header included): the SPARQL behind the endpoint, reusable."""
    return Response(query.path.read_bytes(), media_type=RQ_MEDIA_TYPE + "; charset=utf-8")


def index(queries: Mapping[str, NamedQuery], request: Request) -> dict[str, Any]:
    """`GET /api`: every endpoint with its summary, parameters and columns."""
    endpoints = []
    for query in queries.values():
        endpoints.append(
            {
                "name": query.name,
                "path": f"/api/{query.name}",
                "url": str(request.url.replace(path=f"/api/{query.name}", query="")),
                "summary": query.summary,
                "description": query.description,
                "tags": list(query.tags),
                "params": [
                    {
                        "name": p.name,
                        "type": p.type,
                        "required": p.required,
                        "default": p.default,
                        "enum": list(p.enum) if p.enum else None,
                        "accepts": p.accepts(),
                        "description": p.description,
                    }
                    for p in query.params
                ],
                "columns": list(query.columns),
                "sparql": str(request.url.replace(path=f"/api/{query.name}.rq", query="")),
                "formats": list(FORMATS),
            }
        )
    return {
        "endpoints": endpoints,
        "paging": {"limit": DEFAULT_LIMIT, "max_limit": MAX_LIMIT, "offset": 0},
        "formats": FORMATS,
    }


class Paging(BaseModel):
    """The query-string names every `/api/<name>` takes besides its own (`RESERVED`), for the
    OpenAPI document; `paging` and `_choose_format` read them (`format` has no default: without
    it, Accept decides)."""

    limit: Annotated[
        int, Field(ge=1, le=MAX_LIMIT, description=f"Rows per page (1 to {MAX_LIMIT}).")
    ] = DEFAULT_LIMIT
    offset: Annotated[
        int,
        Field(
            ge=0,
            le=MAX_OFFSET,
            description="Rows to skip; follow the `next` link rather than computing it.",
        ),
    ] = 0
    format: Annotated[
        Literal[tuple(FORMATS)],  # type: ignore[valid-type]
        Field(description="Overrides Accept: " + ", ".join(FORMATS) + "."),
    ]


def _openapi_parameters(query: NamedQuery) -> list[dict[str, Any]]:
    """The operation's query parameters, generated: the JSON Schema of one pydantic model per
    query, its header's params (`Param.value_type`) and `Paging`."""
    own: dict[str, Any] = {
        p.name: Annotated[
            p.value_type(),
            Field(
                description=(p.description + " " if p.description else "")
                + f"Accepts {p.accepts()}."
            ),
        ]
        for p in query.params
    }
    model = create_model(f"api_{query.name.replace('-', '_')}", __base__=Paging, **own)
    properties = model.model_json_schema()["properties"]
    params: list[dict[str, Any]] = []
    for name in [*own, *Paging.model_fields]:
        schema = {k: v for k, v in properties[name].items() if k not in ("title", "description")}
        param = query.param(name)
        entry: dict[str, Any] = {
            "name": name,
            "in": "query",
            "required": param is not None and param.required,
            "description": properties[name]["description"],
            "schema": schema,
        }
        if param is not None and param.example is not None:
            entry["example"] = json_value(param.type, param.example)
        params.append(entry)
    return params


def _responses(query: NamedQuery) -> dict[int | str, dict[str, Any]]:
    content: dict[str, Any] = {media: {} for media in FORMATS.values()}
    content["application/json"] = {
        "example": {
            "query": query.name,
            "columns": list(query.columns),
            "rows": [{c: "…" for c in query.columns}],
            "count": 1,
            "limit": DEFAULT_LIMIT,
            "offset": 0,
            "truncated": False,
            "next": None,
            "links": {"self": f"/api/{query.name}", "next": None},
        }
    }
    declared = openapi.responses(
        'One page of rows; `Link: rel="next"` when more exist.', [], 400, 406, 502, 503
    )
    declared[200]["content"] = content
    return declared


def add_query_routes(target: APIRouter, queries: Mapping[str, NamedQuery]) -> None:
    """One OpenAPI operation per query (`GET /api/<name>`), plus suffix and `.rq` routes."""

    def endpoint(query: NamedQuery) -> Callable[[Request], Response]:
        def run_query(request: Request) -> Response:
            return answer(request, query)

        run_query.__doc__ = query.description or query.summary
        return run_query

    def suffixed(query: NamedQuery) -> Callable[[Request, str], Response]:
        def run_query_as(request: Request, suffix: str) -> Response:
            if suffix == "rq":
                return source(query)
            return answer(request, query, suffix)

        return run_query_as

    for query in queries.values():
        target.add_api_route(
            f"/api/{query.name}",
            endpoint(query),
            methods=["GET"],
            name=f"api-{query.name}",
            operation_id=f"api_{query.name.replace('-', '_')}",
            summary=query.summary,
            description=(query.description or query.summary)
            + f"\n\nSPARQL: [`/api/{query.name}.rq`](/api/{query.name}.rq)",
            tags=list(query.tags) or ["api"],
            openapi_extra={"parameters": _openapi_parameters(query)},
            responses=_responses(query),
            response_class=Response,
        )
        target.add_api_route(
            f"/api/{query.name}.{{suffix}}",
            suffixed(query),
            methods=["GET"],
            name=f"api-{query.name}-suffix",
            include_in_schema=False,
        )


def _index_route(queries: Mapping[str, NamedQuery]) -> Callable[[Request], JSONResponse]:
    def api_index(request: Request) -> JSONResponse:
        """Every named-query endpoint, its parameters and columns."""
        return JSONResponse(index(queries, request))

    return api_index


def router_for(settings: Any) -> APIRouter:
    """The `/api` routes for the app being created (service.create_app calls this).

    Loading here, not on the first request, makes a bad query file stop start-up.
    """
    return build_router(api_folder(settings))


def build_router(folder: Path) -> APIRouter:
    """A router with one typed OpenAPI operation per `api/*.rq`; fails on any bad file."""
    queries = load_queries(folder)
    built = APIRouter()
    built.add_api_route(
        "/api",
        _index_route(queries),
        methods=["GET"],
        tags=["api"],
        summary="The named-query endpoints",
        response_class=JSONResponse,
        responses=openapi.responses("Every endpoint, its parameters and columns.", []),
    )
    add_query_routes(built, queries)
    return built
