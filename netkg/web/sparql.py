"""`/sparql`: the SPARQL 1.1 Protocol, the service description, and a query editor for browsers.

Follows https://www.w3.org/TR/sparql11-protocol/: query by GET, POST form and POST direct;
`default-graph-uri` / `named-graph-uri`; results by content negotiation (or `format=`). netkg adds
`timeout=` (seconds, up to the server's maximum). The router is separate from the app so it can be
mounted elsewhere.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, urlencode

import pyoxigraph as ox
from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import URL
from starlette.requests import HTTPConnection
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from netkg import queries
from netkg.errors import (
    BadRequest,
    Forbidden,
    MethodNotAllowed,
    NetkgError,
    PayloadTooLarge,
    UnsupportedMediaType,
    UriTooLong,
)
from netkg.prefixes import PREFIXES, curie
from netkg.sparql_tokens import undeclared_prefixes
from netkg.store import QueryAnswer, QueryOptions, Result, Store, check_dataset, inspect_query
from netkg.store.protocol import SPARQL_JSON, TURTLE
from netkg.store.results import serialise, too_large
from netkg.web import openapi
from netkg.web.negotiate import GRAPH, HTML, REGISTRY, SOLUTIONS, Offer, negotiate
from netkg.web.pages import render
from netkg.web.state import AppState, app_state

__all__ = ["FastSparql", "named_graphs", "router"]

router = APIRouter()

ALLOW = "GET, HEAD, POST, OPTIONS"
FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
MIN_TIMEOUT = 1.0
"""Seconds: less would stop even a malformed query before the parser could say what is wrong."""
READ_ONLY = "SPARQL UPDATE is not accepted: this endpoint is read-only"

SD = "http://www.w3.org/ns/sparql-service-description#"
SHACL = "http://www.w3.org/ns/shacl#"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")

EXAMPLES = queries.folder(__name__) / "examples"
"""The editor's examples when no `api/` folder is found (a release always has one)."""


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
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise BadRequest(f"timeout={raw!r}: expected a number of seconds") from None
    if not math.isfinite(value) or value < MIN_TIMEOUT or value > maximum:
        raise BadRequest(
            f"timeout={raw!r}: must be at least {MIN_TIMEOUT:g} and at most {maximum:g} seconds"
        )
    return value


# --- choosing the response format ------------------------------------------------------------

SOLUTIONS_OR_EDITOR = Offer("solutions or the query editor", {**SOLUTIONS.names, "html": HTML})
SERVICE = Offer("the service description", {**GRAPH.names, "html": HTML})
"""The service description, or the editor; for a graph query, whether a browser gets the editor."""


def _format_for(form: str, params: dict[str, list[str]], accept: str | None) -> tuple[str, str]:
    """(solutions_format, graph_format) for this request: `format=` wins over Accept."""
    formats = params.get("format", [])
    if form in ("CONSTRUCT", "DESCRIBE"):
        return SPARQL_JSON, negotiate(GRAPH, accept, formats).media_type
    return negotiate(SOLUTIONS, accept, formats).media_type, TURTLE


# --- the endpoint ----------------------------------------------------------------------------

ANSWER_MEDIA = [*SOLUTIONS.media_types, *GRAPH.media_types, HTML]
FORMAT_NAMES = sorted(
    {
        *SOLUTIONS_OR_EDITOR.names,
        *GRAPH.names,
        *(name for m in ANSWER_MEDIA for name in REGISTRY[m].spellings),
    }
)
"""Every short `format=` value accepted (html: the service description's editor page)."""


def _parameter(name: str, schema: dict[str, object], description: str) -> dict[str, object]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


IRI_LIST: dict[str, object] = {"type": "array", "items": {"type": "string", "format": "iri"}}
DATASET_AND_FORMAT = [
    _parameter(
        "default-graph-uri", IRI_LIST, "A graph of the default graph (repeatable; absolute IRI)."
    ),
    _parameter("named-graph-uri", IRI_LIST, "A named graph of the dataset (repeatable)."),
    _parameter(
        "format",
        {"type": "string", "enum": [*FORMAT_NAMES, ""]},
        "Overrides Accept (n3 is served as Turtle; empty: by Accept); media types work too.",
    ),
    _parameter(
        "timeout",
        {"type": "number", "minimum": MIN_TIMEOUT},
        "Seconds this query may run, up to the server's maximum.",
    ),
]
ANSWERED = (
    "The results (SELECT, ASK) or the graph (CONSTRUCT, DESCRIBE) by Accept or `format=`; with "
    "no query, the service description (RDF) or the query editor (HTML)."
)
ERRORS = (400, 403, 406, 413, 502, 503)
FORM_SCHEMA = {
    "type": "object",
    "required": ["query"],
    "properties": {
        "query": {"type": "string", "minLength": 1},
        "default-graph-uri": IRI_LIST,
        "named-graph-uri": IRI_LIST,
    },
}


@router.options("/sparql", include_in_schema=False)
async def sparql_options() -> Response:
    """The methods /sparql answers (a CORS preflight is answered before this, in netkg.web.http)."""
    return Response(status_code=204, headers={"Allow": ALLOW})


def _answers(status: int) -> dict[str, Any]:
    """How OpenAPI states what /sparql answers, with the one error a method adds."""
    return {
        "response_class": Response,
        "responses": openapi.responses(ANSWERED, ANSWER_MEDIA, *ERRORS, status),
    }


@router.get(
    "/sparql",
    summary="SPARQL 1.1 query (GET), or the service description / query editor",
    **_answers(414),
    openapi_extra={
        "parameters": [
            _parameter(
                "query", {"type": "string", "minLength": 1}, "The query; leave out to describe."
            ),
            *DATASET_AND_FORMAT,
        ]
    },
)
async def sparql_get(request: Request) -> Response:
    state = app_state(request)
    limit = state.settings.max_request_bytes
    raw_query = request.scope.get("query_string", b"")
    if len(raw_query) > limit:
        raise UriTooLong(
            f"the query string is over {limit} bytes (this server's limit); send long queries by "
            "POST with Content-Type application/sparql-query"
        )
    params = _params(parse_qsl(_decode(raw_query, "query string"), keep_blank_values=True))
    return await _answer(request, params)


@router.post(
    "/sparql",
    summary="SPARQL 1.1 query (POST form or POST direct)",
    **_answers(415),
    openapi_extra={
        "parameters": DATASET_AND_FORMAT,
        "requestBody": {
            "required": True,
            "content": {
                SPARQL_QUERY: {"schema": {"type": "string"}},
                FORM: {"schema": FORM_SCHEMA},
            },
        },
    },
)
async def sparql_post(request: Request) -> Response:
    state = app_state(request)
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


def _endpoint(scope: Scope) -> str:
    """This endpoint's IRI: the base of the relative IRIs in a query, and `sd:endpoint`."""
    host = next((value for key, value in scope["headers"] if key == b"host"), None)
    server = scope.get("server")  # a list, from some servers
    return _endpoint_at(
        scope.get("scheme", "http"), tuple(server) if server else None, host, scope["path"]
    )


@functools.lru_cache(maxsize=256)
def _endpoint_at(scheme: str, server: tuple[str, int] | None, host: bytes | None, path: str) -> str:
    """Starlette's URL of a request, without its query (cached: per request, it cost ~10 µs)."""
    headers = [(b"host", host)] if host is not None else []
    scope = {"type": "http", "scheme": scheme, "server": server, "path": path, "headers": headers}
    return str(URL(scope=scope).replace(query="", fragment=""))


def _dataset(params: dict[str, list[str]], max_timeout: float) -> _Dataset:
    """The request's dataset and `timeout=`, checked (malformed graph IRIs: 400)."""
    default_graphs = params.get("default-graph-uri", [])
    named_graphs = params.get("named-graph-uri", [])
    check_dataset(default_graphs, named_graphs)
    return _Dataset(default_graphs, named_graphs, _timeout(params, max_timeout))


class _Dataset(NamedTuple):
    """A request's `default-graph-uri`, `named-graph-uri` and `timeout=`, checked."""

    default_graphs: list[str]
    named_graphs: list[str]
    timeout: float | None


_POSITION = re.compile(r"error at (\d+):(\d+): ")


def _readable(message: str, query: str) -> str:
    """A parser message a person understands: line and column of their query, no grammar dump."""
    found = _POSITION.search(message)
    if found is None:
        return message
    line = int(found.group(1))  # of the query's own text: netkg's declarations are not text
    column = int(found.group(2))
    expected = message[found.end() :].strip()
    where = f"malformed query at line {line}, column {column}"
    lines = query.splitlines()
    if 0 < line <= len(lines):
        where += f" (near \u201c{lines[line - 1].strip()[:80]}\u201d)"
    if "Prefix not found" in expected:
        unknown = [p for p in undeclared_prefixes(query) if p not in PREFIXES]
        named = ", ".join(f"{u}:" for u in unknown) or "a prefix"
        return (
            f"{where}: {named} is not declared; add a PREFIX line for it, or use one of the "
            "predeclared prefixes: " + ", ".join(f"{p}:" for p in PREFIXES)
        )
    if "[" in expected or len(expected) > 200:  # a grammar dump, not a hint
        return f"{where}: the query is not valid SPARQL there"
    return f"{where}: {expected}"


async def _answer(request: Request, params: dict[str, list[str]]) -> Response:
    if "update" in params and "query" in params:
        raise BadRequest("give either 'query' or 'update', not both")
    query = _one(params, "query")
    # checked even when they do not apply (the service description), so a typo never passes
    dataset = _dataset(params, app_state(request).settings.max_query_timeout)
    if query is None:
        if "update" in params:
            raise Forbidden(READ_ONLY)
        return await _describe_service(request, params)
    accept = request.headers.get("accept")
    for_browser = _for_browser(query, params, accept)
    try:
        return await _query(request, query, params, dataset, html=for_browser)
    except NetkgError as error:
        if not for_browser:
            raise
        return _editor_page(request, query=query, error=error, status_code=error.status_code)


def _for_browser(query: str, params: dict[str, list[str]], accept: str | None) -> bool:
    """A browser asking for the query (no `format=`, HTML preferred): the editor shows it."""
    if [v for v in params.get("format", []) if v.strip()]:
        return False
    form = inspect_query(query).form  # cached: one tokenisation serves every check
    offer = SERVICE if form in ("CONSTRUCT", "DESCRIBE") else SOLUTIONS_OR_EDITOR
    return offer.choose(accept) == HTML  # cached per Accept


async def _query(
    request: Request,
    query: str,
    params: dict[str, list[str]],
    dataset: _Dataset,
    *,
    html: bool,
) -> Response:
    """Run `query` and answer in the negotiated format, or as the editor page with its results."""
    client = request.client.host if request.client else ""
    accept = request.headers.get("accept")
    inline, run = _prepare(
        app_state(request),
        query,
        params,
        dataset,
        accept,
        _endpoint(request.scope),
        client,
        html,
    )
    try:
        # a bounded query answers at once, here; any other waits for a worker, in a thread
        answer = run() if inline else await run_in_threadpool(run)
    except BadRequest as error:
        raise BadRequest(_readable(error.message, query)) from None
    if html:
        return _editor_page(request, query=query, results=answer)
    return Response(answer.body, media_type=_content_type(answer), headers={"Vary": "Accept"})


def _prepare(
    state: AppState,
    query: str,
    params: dict[str, list[str]],
    dataset: _Dataset,
    accept: str | None,
    endpoint: str,
    client: str,
    html: bool,
) -> tuple[bool, Callable[[], Any]]:
    """(runs inline?, the call that answers): the query starting from `BASE <endpoint>` and
    netkg's prefixes (given to the store as such, not as text); for the editor page (`html`)
    what it shows of the typed result (`Store.execute`), else a `QueryAnswer` in the formats
    chosen."""
    if not query.strip():
        raise BadRequest("the 'query' parameter is empty")
    inline = state.store.runs_inline(query)
    options: QueryOptions = {
        "default_graph_uris": dataset.default_graphs,
        "named_graph_uris": dataset.named_graphs,
        "timeout": dataset.timeout,
        "client": client,
        "base_iri": endpoint,
        "prefixes": PREFIXES,
    }
    if html:  # read where it is made: pyoxigraph's results belong to the thread that made them
        rows = state.settings.max_result_rows
        return inline, lambda: _results_view(state.store.execute(query, **options), rows)
    solutions_format, graph_format = _format_for(inspect_query(query).form, params, accept)
    return inline, partial(
        state.store.query,
        query,
        solutions_format=solutions_format,
        graph_format=graph_format,
        **options,
    )


def _content_type(answer: QueryAnswer) -> str:
    media = answer.media_type
    if media.startswith("text/") or media.endswith(("+json", "+xml", "n-triples")):
        media += "; charset=utf-8"
    return media


class FastSparql:
    """`GET /sparql?query=…` for a bounded query, answered without FastAPI's routing.

    Pure ASGI, installed inside `HttpPolicies` and the response cache (so ETag, Cache-Control,
    Vary and CORS come from the one implementation in netkg.web.http). It answers only the plain
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
        state = app_state(HTTPConnection(scope))
        raw: bytes = scope.get("query_string", b"")
        if not raw or len(raw) > state.settings.max_request_bytes:
            return None
        try:
            params = _params(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
            query = _one(params, "query")
            if query is None or "update" in params:
                return None
            accept = next(
                (v.decode("latin-1") for k, v in scope["headers"] if k == b"accept"), None
            )
            endpoint = _endpoint(scope)
            if _for_browser(query, params, accept):
                return None
            dataset = _dataset(params, state.settings.max_query_timeout)
            client = scope.get("client")
            inline, run = _prepare(
                state, query, params, dataset, accept, endpoint, client[0] if client else "", False
            )
            return run() if inline else None
        except (NetkgError, UnicodeDecodeError):
            return None  # the route answers it, with the error rendered as everywhere else


# --- the service description -----------------------------------------------------------------


def _sd(name: str) -> ox.NamedNode:
    return ox.NamedNode(SD + name)


def named_graphs(store: Store) -> list[tuple[str, int]]:
    """The release's named graphs with their sizes, in IRI order (`named-graphs.rq`)."""
    rows = store.execute(queries.text(__name__, "named-graphs"))
    assert isinstance(rows, ox.QuerySolutions)
    graphs = []
    for row in rows:
        graph, size = row["g"], row["n"]
        assert isinstance(graph, ox.NamedNode) and isinstance(size, ox.Literal)
        graphs.append((graph.value, int(size.value)))
    return graphs


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
    xsd_any_uri = ox.NamedNode("http://www.w3.org/2001/XMLSchema#anyURI")
    for prefix, namespace in PREFIXES.items():  # predeclared in every query (SHACL's vocabulary)
        declaration = ox.BlankNode(f"prefix-{prefix}")
        triples += [
            ox.Triple(service, ox.NamedNode(SHACL + "declare"), declaration),
            ox.Triple(declaration, ox.NamedNode(SHACL + "prefix"), ox.Literal(prefix)),
            ox.Triple(
                declaration,
                ox.NamedNode(SHACL + "namespace"),
                ox.Literal(namespace, datatype=xsd_any_uri),
            ),
        ]
    for media in (*SOLUTIONS.media_types, *GRAPH.media_types):
        format_iri = ox.NamedNode(str(REGISTRY[media].w3c))
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


async def _describe_service(request: Request, params: dict[str, list[str]]) -> Response:
    accept = request.headers.get("accept")
    media = negotiate(SERVICE, accept, params.get("format", [])).media_type
    if media == HTML:
        return _editor_page(request)
    state = app_state(request)
    triples = service_description(
        _endpoint(request.scope),
        await run_in_threadpool(named_graphs, state.store),
        federation=state.settings.allow_service,
    )
    fmt = ox.RdfFormat.from_media_type(media)
    assert fmt is not None
    prefixes = {
        "sd": SD,
        "sh": SHACL,
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
    """Examples for the editor: the first of `folders` (then EXAMPLES) that holds `*.rq` files,
    each titled by its `#+ summary:` line."""
    for folder in (*folders, EXAMPLES):
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
    return []


def _results_view(result: Result, max_rows: int) -> dict[str, object]:
    """What editor.html shows of a typed result, as editor.js does: a table of terms, a boolean,
    or the graph in Turtle; past the row limit, the same error as on the wire."""
    if isinstance(result, ox.QueryBoolean):
        return {"kind": "boolean", "value": bool(result)}
    if isinstance(result, ox.QuerySolutions):
        names = [v.value for v in result.variables]
        rows = list(itertools.islice(result, max_rows + 1))
        if len(rows) > max_rows:
            raise too_large(max_rows, "rows")
        return {
            "kind": "solutions",
            "vars": names,
            "rows": [[_cell(t) for t in row] for row in rows],
        }
    answer = serialise(result, solutions_format=SPARQL_JSON, graph_format=TURTLE, max_rows=max_rows)
    return {"kind": "graph", "text": answer.body.decode("utf-8")}


def _cell(term: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> dict[str, str] | None:
    """One table cell of editor.html: the term's kind, text, language and (non-plain) datatype."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return {"kind": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"kind": "bnode", "value": term.value}
    plain = term.language or term.datatype.value == XSD_STRING
    datatype = "" if plain else term.datatype.value
    return {
        "kind": "literal",
        "value": term.value,
        "lang": term.language or "",
        "datatype": datatype,
    }


def _editor_page(
    request: Request,
    *,
    query: str | None = None,
    results: dict[str, object] | None = None,
    error: NetkgError | None = None,
    status_code: int = 200,
) -> Response:
    """The editor (netkg/web/templates/editor.html + static/editor.js): examples from `api/`.

    With a query (a browser opened `/sparql?query=…`) the page holds that query and its
    results, or the error in words, so the answer reads without JavaScript.
    """
    settings = app_state(request).settings
    dist = Path(settings.dist)
    examples = example_queries([dist / "api", dist.resolve().parent / "api"])
    if query is None:
        query = examples[0][1] if examples else ""
    offer = GRAPH if inspect_query(query).form in ("CONSTRUCT", "DESCRIBE") else SOLUTIONS
    download = [
        (name, "/sparql?" + urlencode({"query": query, "format": name})) for name in offer.names
    ]
    return render(
        request,
        "editor.html",
        status_code=status_code,
        headers={"Vary": "Accept"},
        examples=examples,
        query=query,
        results=results,
        error=error.message if error is not None else None,
        downloads=download if results is not None else [],
        compact=lambda iri: curie(iri) or iri,
        prefixes=PREFIXES,
        solutions_formats=list(SOLUTIONS.names),
        graph_formats=list(GRAPH.names),
        settings=settings,
    )
