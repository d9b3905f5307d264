"""`/sparql`: the SPARQL 1.1 Protocol, the service description, and a query editor for browsers.

Follows https://www.w3.org/TR/sparql11-protocol/: query by GET, POST form and POST direct;
`default-graph-uri` / `named-graph-uri`; results by content negotiation (or `format=`). netkg adds
`timeout=` (seconds, up to the server's maximum). The router is separate from the app so it can be
mounted elsewhere.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pyoxigraph as ox
from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from netkg.errors import (
    BadRequest,
    NetkgError,
    Forbidden,
    MethodNotAllowed,
    NotAcceptable,
    PayloadTooLarge,
    UnsupportedMediaType,
    UriTooLong,
)
from netkg.negotiate import (
    FORMAT_ALIASES,
    GRAPH_FORMATS,
    HTML,
    MEDIA_ALIASES,
    SOLUTIONS_FORMATS,
    W3C_FORMAT_IRIS,
    choose,
)
from netkg.pages import render
from netkg.prefixes import PREFIXES
from netkg.store import QueryAnswer, inspect_query

__all__ = ["FastSparql", "router"]

router = APIRouter()

ALLOW = "GET, HEAD, POST, OPTIONS"
FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
READ_ONLY = "SPARQL UPDATE is not accepted: this endpoint is read-only"

SD = "http://www.w3.org/ns/sparql-service-description#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")

EXAMPLES: list[tuple[str, str]] = [
    (
        "Treatments for neuroendocrine tumours",
        "PREFIX schema: <https://schema.org/>\nPREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        "PREFIX id: <https://w3id.org/netkg/id/>\n\n"
        "SELECT ?treatment ?label WHERE {\n  id:neuroendocrine-tumour schema:possibleTreatment "
        '?treatment .\n  ?treatment skos:prefLabel ?label .\n  FILTER(lang(?label) = "en")\n}\n'
        "ORDER BY ?label",
    ),
    (
        "Classes and how many individuals each has",
        "SELECT ?class (COUNT(?s) AS ?individuals) WHERE {\n  ?s a ?class .\n}\n"
        "GROUP BY ?class\nORDER BY DESC(?individuals)",
    ),
    (
        "The named graphs of the release",
        "SELECT ?graph (COUNT(*) AS ?triples) WHERE {\n  GRAPH ?graph { ?s ?p ?o }\n}\n"
        "GROUP BY ?graph",
    ),
    (
        "Describe surgery (a graph)",
        "DESCRIBE <https://w3id.org/netkg/id/surgery>",
    ),
]


# --- reading a request -----------------------------------------------------------------------


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def _read_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 past `limit` bytes (checked before and while reading)."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            size = int(declared)
        except ValueError:
            raise BadRequest(f"invalid Content-Length {declared!r}") from None
        if size > limit:
            raise PayloadTooLarge(_too_large_message(size, limit))
    chunks: list[bytes] = []
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > limit:
            raise PayloadTooLarge(_too_large_message(total, limit))
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large_message(size: int, limit: int) -> str:
    return f"the request body is over {limit} bytes (this server's limit; got at least {size})"


def _decode(raw: bytes, what: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest(f"the {what} is not valid UTF-8") from None


def _params(pairs: Sequence[tuple[str, str]]) -> dict[str, list[str]]:
    params: dict[str, list[str]] = {}
    for key, value in pairs:
        params.setdefault(key, []).append(value)
    return params


def _one(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name, [])
    if len(values) > 1:
        raise BadRequest(f"the {name!r} parameter is given {len(values)} times; give it once")
    return values[0] if values else None


def _timeout(params: dict[str, list[str]], maximum: float) -> float | None:
    raw = _one(params, "timeout")
    if raw is None or raw == "":
        return None
    try:
        value = float(raw)
    except ValueError:
        raise BadRequest(f"timeout={raw!r}: expected a number of seconds") from None
    if not math.isfinite(value) or value <= 0 or value > maximum:
        raise BadRequest(f"timeout={raw!r}: must be more than 0 and at most {maximum:g} seconds")
    return value


# --- choosing the response format ------------------------------------------------------------


def _format_for(form: str, params: dict[str, list[str]], accept: str | None) -> tuple[str, str]:
    """(solutions_format, graph_format) for this request: `format=` wins over Accept."""
    graph_kind = form in ("CONSTRUCT", "DESCRIBE")
    table = GRAPH_FORMATS if graph_kind else SOLUTIONS_FORMATS
    default_solutions, default_graph = SOLUTIONS_FORMATS["json"], GRAPH_FORMATS["ttl"]
    override = _one(params, "format")
    if override:
        key = override.strip().lower()
        key = FORMAT_ALIASES.get(key, key)
        media = table.get(key) or MEDIA_ALIASES.get(key, key)
        if graph_kind and key == "xml":
            media = GRAPH_FORMATS["rdf"]
        if media not in table.values():
            kind = "a graph (CONSTRUCT, DESCRIBE)" if graph_kind else "solutions (SELECT, ASK)"
            raise BadRequest(
                f"unknown format {override!r} for {kind}; accepted values: "
                + ", ".join(sorted(table))
            )
        return (default_solutions, media) if graph_kind else (media, default_graph)
    offered = list(table.values())
    chosen = choose(accept, offered)
    if chosen is None:
        raise NotAcceptable(
            f"nothing here satisfies Accept: {accept}; this query's results are offered as "
            + ", ".join(offered)
        )
    return (default_solutions, chosen) if graph_kind else (chosen, default_graph)


# --- the endpoint ----------------------------------------------------------------------------


@router.api_route(
    "/sparql",
    methods=["GET", "HEAD"],
    include_in_schema=True,
    summary="SPARQL 1.1 query (GET), or the service description / query editor",
)
async def sparql_get(request: Request) -> Response:
    state = request.app.state.netkg
    limit = state.settings.max_request_bytes
    raw_query = request.scope.get("query_string", b"")
    if len(raw_query) > limit:
        raise UriTooLong(
            f"the query string is over {limit} bytes (this server's limit); send long queries by "
            "POST with Content-Type application/sparql-query"
        )
    params = _params(parse_qsl(_decode(raw_query, "query string"), keep_blank_values=True))
    return await _answer(request, params)


@router.post("/sparql", summary="SPARQL 1.1 query (POST form or POST direct)")
async def sparql_post(request: Request) -> Response:
    state = request.app.state.netkg
    limit = state.settings.max_request_bytes
    media = _media_type(request)
    url_params = _params(request.query_params.multi_items())
    if media == SPARQL_UPDATE:
        raise Forbidden(READ_ONLY)
    if media not in (FORM, SPARQL_QUERY):
        raise UnsupportedMediaType(
            f"unsupported Content-Type {media or '(none)'!r}; send a query as {SPARQL_QUERY} "
            f"(POST direct) or {FORM} (POST form)"
        )
    body = await _read_body(request, limit)
    if media == SPARQL_QUERY:
        if "query" in url_params:
            raise BadRequest("POST direct takes the query in the body, not a 'query' parameter")
        params = dict(url_params)
        params["query"] = [_decode(body, "query")]
    else:
        form = _params(parse_qsl(_decode(body, "form body"), keep_blank_values=True))
        params = {**url_params}
        for key, values in form.items():
            params[key] = params.get(key, []) + values
        if "query" not in params:
            if "update" in params:
                raise Forbidden(READ_ONLY)
            raise BadRequest("the form has no 'query' parameter")
    return await _answer(request, params)


@router.api_route("/sparql", methods=["PUT", "DELETE", "PATCH"], include_in_schema=False)
async def sparql_other(request: Request) -> Response:
    raise MethodNotAllowed(
        f"{request.method} is not allowed on /sparql; use GET or POST", detail=ALLOW
    )


async def _answer(request: Request, params: dict[str, list[str]]) -> Response:
    state = request.app.state.netkg
    query = _one(params, "query")
    if query is None:
        if "update" in params:
            raise Forbidden(READ_ONLY)
        return await _describe_service(request)
    client = request.client.host if request.client else ""
    inline, run = _prepare(state, query, params, request.headers.get("accept"), client)
    # a bounded query answers at once, here; any other waits for a worker, in a thread
    answer = run() if inline else await run_in_threadpool(run)
    return Response(answer.body, media_type=_content_type(answer), headers={"Vary": "Accept"})


def _prepare(
    state: Any, query: str, params: dict[str, list[str]], accept: str | None, client: str
) -> tuple[bool, Callable[[], QueryAnswer]]:
    """(runs inline?, the call that answers): the request checked, its formats chosen."""
    if not query.strip():
        raise BadRequest("the 'query' parameter is empty")
    timeout = _timeout(params, state.settings.max_query_timeout)
    shape = inspect_query(query)
    solutions_format, graph_format = _format_for(shape.form, params, accept)
    store = state.store
    run = partial(
        store.query,
        query,
        solutions_format=solutions_format,
        graph_format=graph_format,
        default_graph_uris=params.get("default-graph-uri", []),
        named_graph_uris=params.get("named-graph-uri", []),
        timeout=timeout,
        client=client,
    )
    return store.runs_inline(query), run


def _content_type(answer: QueryAnswer) -> str:
    media = answer.media_type
    if media.startswith("text/") or media.endswith(("+json", "+xml", "n-triples")):
        media += "; charset=utf-8"
    return media


class FastSparql:
    """`GET /sparql?query=…` for a bounded query, answered without FastAPI's routing.

    Pure ASGI, installed inside `HttpPolicies` and the response cache (so ETag, Cache-Control,
    Vary and CORS come from the one implementation in netkg.http). It answers only the plain
    case — a bounded query that runs in the serving process and succeeds; anything else (a long
    query, POST, the service description, any error) goes on to the `/sparql` route above,
    which does the same checks and renders errors.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        answer = self._answer(scope) if scope["type"] == "http" else None
        if answer is None:
            await self.app(scope, receive, send)
            return
        headers = [
            (b"content-type", _content_type(answer).encode("latin-1")),
            (b"content-length", str(len(answer.body)).encode("latin-1")),
            (b"vary", b"Accept"),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": answer.body})

    @staticmethod
    def _answer(scope: Scope) -> QueryAnswer | None:
        if scope["path"] != "/sparql" or scope["method"] not in ("GET", "HEAD"):
            return None
        state = scope["app"].state.netkg
        raw: bytes = scope.get("query_string", b"")
        if not raw or len(raw) > state.settings.max_request_bytes:
            return None
        try:
            params = _params(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
            query = _one(params, "query")
            if query is None or "update" in params:
                return None
            accept = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"accept"), None)
            client = scope.get("client")
            inline, run = _prepare(state, query, params, accept, client[0] if client else "")
            return run() if inline else None
        except (NetkgError, UnicodeDecodeError):
            return None  # the route answers it, with the error rendered as everywhere else


# --- the service description -----------------------------------------------------------------


def _sd(name: str) -> ox.NamedNode:
    return ox.NamedNode(SD + name)


async def _named_graphs(request: Request) -> list[tuple[str, int]]:
    store = request.app.state.netkg.store
    answer = await run_in_threadpool(
        store.query,
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
        solutions_format="application/sparql-results+json",
    )
    rows = json.loads(answer.body)["results"]["bindings"]
    return [(row["g"]["value"], int(row["n"]["value"])) for row in rows]


def service_description(
    endpoint: str,
    graphs: list[tuple[str, int]],
    *,
    federation: bool,
) -> list[ox.Triple]:
    """The SPARQL 1.1 Service Description of this endpoint, as triples."""
    service = ox.BlankNode("service")
    dataset = ox.BlankNode("dataset")
    default_graph = ox.BlankNode("defaultGraph")
    void = "http://rdfs.org/ns/void#"
    xsd_integer = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
    triples = [
        ox.Triple(service, RDF_TYPE, _sd("Service")),
        ox.Triple(service, _sd("endpoint"), ox.NamedNode(endpoint)),
        ox.Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Query")),
        ox.Triple(service, _sd("feature"), _sd("UnionDefaultGraph")),
        ox.Triple(service, _sd("feature"), _sd("EmptyGraphs")),
        ox.Triple(
            service,
            _sd("defaultEntailmentRegime"),
            ox.NamedNode("http://www.w3.org/ns/entailment/Simple"),
        ),
        ox.Triple(
            service,
            ox.NamedNode("http://purl.org/dc/terms/title"),
            ox.Literal("netkg SPARQL endpoint (read-only)", language="en"),
        ),
        ox.Triple(service, _sd("defaultDataset"), dataset),
        ox.Triple(dataset, RDF_TYPE, _sd("Dataset")),
        ox.Triple(dataset, _sd("defaultGraph"), default_graph),
        ox.Triple(default_graph, RDF_TYPE, _sd("Graph")),
        ox.Triple(
            default_graph,
            ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment"),
            ox.Literal("The union of the named graphs.", language="en"),
        ),
    ]
    if federation:
        triples.append(ox.Triple(service, _sd("feature"), _sd("BasicFederatedQuery")))
    for media in (*SOLUTIONS_FORMATS.values(), *GRAPH_FORMATS.values()):
        format_iri = ox.NamedNode(W3C_FORMAT_IRIS[media])
        triples.append(ox.Triple(service, _sd("resultFormat"), format_iri))
    for index, (name, count) in enumerate(graphs):
        node = ox.BlankNode(f"graph{index}")
        described = ox.BlankNode(f"graph{index}-description")
        triples += [
            ox.Triple(dataset, _sd("namedGraph"), node),
            ox.Triple(node, RDF_TYPE, _sd("NamedGraph")),
            ox.Triple(node, _sd("name"), ox.NamedNode(name)),
            ox.Triple(node, _sd("graph"), described),
            ox.Triple(described, RDF_TYPE, _sd("Graph")),
            ox.Triple(
                described,
                ox.NamedNode(void + "triples"),
                ox.Literal(str(count), datatype=xsd_integer),
            ),
        ]
    return triples


async def _describe_service(request: Request) -> Response:
    offered = [*GRAPH_FORMATS.values(), HTML]
    override = request.query_params.get("format")
    if override:
        key = FORMAT_ALIASES.get(override.lower(), override.lower())
        media = {**GRAPH_FORMATS, "html": HTML}.get(key)
        if media is None:
            raise BadRequest(
                f"unknown format {override!r}; accepted values: "
                + ", ".join(sorted([*GRAPH_FORMATS, "html"]))
            )
    else:
        accept = request.headers.get("accept")
        chosen = choose(accept, offered)
        if chosen is None:
            raise NotAcceptable(
                f"nothing here satisfies Accept: {accept}; offered: " + ", ".join(offered)
            )
        media = chosen
    if media == HTML:
        return _editor_page(request)
    endpoint = str(request.url.replace(query="", fragment=""))
    state = request.app.state.netkg
    triples = service_description(
        endpoint, await _named_graphs(request), federation=state.settings.allow_service
    )
    fmt = ox.RdfFormat.from_media_type(media)
    assert fmt is not None
    prefixes = {
        "sd": SD,
        "formats": "http://www.w3.org/ns/formats/",
        "void": "http://rdfs.org/ns/void#",
    }
    body = ox.serialize(
        triples, format=fmt, prefixes=prefixes if fmt != ox.RdfFormat.N_TRIPLES else None
    )
    assert body is not None
    return Response(body, media_type=media, headers={"Vary": "Accept"})


# --- the query editor ------------------------------------------------------------------------


def example_queries(folders: Sequence[Path]) -> list[tuple[str, str]]:
    """Examples for the editor: the first `api/*.rq` folder found (title from `#+ summary:`)."""
    for folder in folders:
        files = sorted(folder.glob("*.rq")) if folder.is_dir() else []
        if not files:
            continue
        examples = []
        for path in files:
            text = path.read_text(encoding="utf-8")
            summary = re.search(r"^#\+\s*summary:\s*(.+)$", text, re.MULTILINE)
            title = summary.group(1).strip() if summary else path.stem
            examples.append((title, text))
        return examples
    return EXAMPLES


def _editor_page(request: Request) -> Response:
    """The editor (netkg/templates/editor.html + static/editor.js): examples from `api/`."""
    settings = request.app.state.netkg.settings
    dist = Path(settings.dist)
    return render(
        request,
        "editor.html",
        headers={"Vary": "Accept"},
        examples=example_queries([dist / "api", dist.resolve().parent / "api"]),
        prefixes=PREFIXES,
        solutions_formats=list(SOLUTIONS_FORMATS),
        graph_formats=list(GRAPH_FORMATS),
        settings=settings,
    )
