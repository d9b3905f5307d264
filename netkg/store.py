"""The store: the only place that opens a triple store or speaks SPARQL over HTTP.

One narrow protocol (`Store.query`, `Store.close`) and two implementations chosen by one setting:

- `EmbeddedStore` (default): pyoxigraph, loaded from the release into worker processes. pyoxigraph
  has no query timeout, so a query that runs past its limit is stopped by killing its worker (and
  starting a fresh one) while the other workers keep answering.
- `RemoteStore`: any SPARQL 1.1 endpoint over the standard protocol (POST direct, httpx), loaded
  beforehand with the Graph Store Protocol (`load_release_to`, i.e. `netkg load --to URL`).

Both refuse UPDATE and (unless allowed) SERVICE before a query reaches the engine, count results
against the row limit (an error, never silent truncation), and give answers in the requested format.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import logging
import queue
import re
import socket
import subprocess
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import IO, Any, Literal, NamedTuple, Protocol, cast

import httpx
import pyoxigraph as ox

from netkg.config import Settings
from netkg.errors import (
    BadRequest,
    Forbidden,
    NetkgError,
    NotFound,
    QueryTimeout,
    ResultTooLarge,
    ServiceBusy,
    StoreUnavailable,
)
from netkg.prefixes import PREFIXES

__all__ = [
    "CachingStore",
    "EmbeddedStore",
    "QueryAnswer",
    "QueryShape",
    "Release",
    "RemoteStore",
    "Store",
    "bind_values",
    "check_query",
    "inspect_query",
    "load_release_to",
    "open_store",
    "read_release",
    "values_block",
]

log = logging.getLogger(__name__)

SPARQL_JSON = "application/sparql-results+json"
SPARQL_XML = "application/sparql-results+xml"
TURTLE = "text/turtle"
TSV = "text/tab-separated-values"
N_TRIPLES = "application/n-triples"

# The release's named graphs (docs/model.md); the default graph is their union.
GRAPH_BASE = "https://w3id.org/netkg/graph/"


class QueryAnswer(NamedTuple):
    """A query's answer, already serialised: `body` is in `media_type`."""

    kind: Literal["solutions", "boolean", "graph"]
    media_type: str
    body: bytes


class Store(Protocol):
    """What the service needs from a store; see docs/service.md."""

    def query(
        self,
        sparql: str,
        *,
        solutions_format: str = SPARQL_JSON,
        graph_format: str = TURTLE,
        substitutions: Mapping[str, ox.NamedNode | ox.BlankNode | ox.Literal] | None = None,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        timeout: float | None = None,
    ) -> QueryAnswer: ...

    def close(self) -> None: ...


# --- the release -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Release:
    """The release the service answers from: `release.json` of `dist/` (docs/model.md)."""

    version: str
    etag: str  # a short hash of release.json: changes exactly when the release does
    files: dict[str, str] = field(default_factory=dict)  # name -> sha256
    path: Path = Path("dist")
    graphs: tuple[str, ...] = ()  # its named graphs; the default graph is their union


def read_release(dist: Path) -> Release:
    """Read `dist/release.json`; NotFound (with the fix) when there is no release there."""
    index = dist / "release.json"
    try:
        raw = index.read_bytes()
    except FileNotFoundError:
        raise NotFound(f"no release at {dist}: run `netkg build` first") from None
    try:
        meta = json.loads(raw)
    except json.JSONDecodeError as error:
        raise StoreUnavailable(f"{index} is not valid JSON: {error}") from None
    etag = hashlib.sha256(raw).hexdigest()[:16]
    files = {str(k): str(v) for k, v in dict(meta.get("files", {})).items()}
    # "graphs": triples per named graph, by the last part of its IRI (docs/model.md)
    counts = dict(meta.get("graphs", {}))
    graphs = tuple(GRAPH_BASE + str(name) for name, n in sorted(counts.items()) if n)
    return Release(
        version=str(meta.get("version") or etag), etag=etag, files=files, path=dist, graphs=graphs
    )


# --- looking at a query before running it ----------------------------------------------------

_TOKEN = re.compile(
    r"""
      (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
                 |"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*')
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<comment>\#[^\n\r]*)
    | (?P<var>[?$][^\s(){}\[\],;.]+)
    | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
    | (?P<pname>(?:[A-Za-z_][\w.\-]*)?:[^\s(){}\[\],;<>"']*)
    | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)

_UPDATE_WORDS = {
    "INSERT",
    "DELETE",
    "LOAD",
    "CLEAR",
    "CREATE",
    "DROP",
    "COPY",
    "MOVE",
    "ADD",
    "WITH",
}
_FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}


class QueryShape(NamedTuple):
    """What a query is, found by tokenising it (strings, IRIs and comments can't fool it)."""

    form: Literal["SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "UPDATE", "UNKNOWN"]
    uses_service: bool
    where_brace: int  # offset of the `{` opening the WHERE clause, or -1
    has_from: bool = False  # the query names its own dataset (FROM / FROM NAMED)


def inspect_query(sparql: str) -> QueryShape:
    """Tokenise `sparql` to find its form, any SERVICE clause, and where its WHERE group starts."""
    form: str = "UNKNOWN"
    uses_service = False
    where_brace = -1
    seen_where = False
    has_from = False
    depth_before_where = 0
    for match in _TOKEN.finditer(sparql):
        kind = match.lastgroup
        if kind == "word":
            word = match.group().upper()
            if form == "UNKNOWN":
                if word in _FORMS:
                    form = word
                elif word in _UPDATE_WORDS:
                    form = "UPDATE"
            if word == "SERVICE":
                uses_service = True
            elif word == "FROM" and depth_before_where == 0:
                has_from = True
            elif word == "WHERE" and not seen_where and depth_before_where == 0:
                seen_where = True
        elif kind == "other":
            char = match.group()
            if char == "{":
                if where_brace < 0 and (seen_where or form in ("SELECT", "ASK", "DESCRIBE")):
                    where_brace = match.start()
                depth_before_where += 1
            elif char == "}":
                depth_before_where -= 1
    return QueryShape(form, uses_service, where_brace, has_from)  # type: ignore[arg-type]


def check_query(sparql: str, *, allow_service: bool) -> QueryShape:
    """Refuse UPDATE and (unless allowed) SERVICE with a clear 403; return the query's shape."""
    shape = inspect_query(sparql)
    if shape.form == "UPDATE":
        raise Forbidden("SPARQL UPDATE is not accepted: this endpoint is read-only")
    if shape.uses_service and not allow_service:
        raise Forbidden(
            "SERVICE (federated query) is disabled on this endpoint, so the server never fetches "
            "a URL a client names; run federated queries from your own SPARQL client"
        )
    return shape


# --- serialising answers, counting against the row limit -------------------------------------


def _timeout(what: str, max_timeout: float) -> QueryTimeout:
    """The one message for a query past its time limit, saying how to get more time."""
    return QueryTimeout(
        f"{what} (the time limit); ask for a longer limit with timeout= "
        f"(at most {max_timeout:g}s) or simplify the query"
    )


class _RowCounter(io.RawIOBase):
    """A byte sink for TSV results that stops the serialiser once there are too many rows."""

    def __init__(self, max_rows: int) -> None:
        super().__init__()
        self.chunks: list[bytes] = []
        self.lines = 0
        self.max_lines = max_rows + 1  # the header line
        self.overflow = False

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self.lines += chunk.count(b"\n")
        if self.lines > self.max_lines:
            self.overflow = True
            raise OverflowError("too many rows")
        self.chunks.append(chunk)
        return len(chunk)


def _too_large(max_rows: int, what: str) -> ResultTooLarge:
    return ResultTooLarge(
        f"the result has more than {max_rows} {what} (this server's limit); "
        "add LIMIT and OFFSET to page through it, or ask a narrower question"
    )


def _results_format(media_type: str) -> ox.QueryResultsFormat:
    fmt = ox.QueryResultsFormat.from_media_type(media_type)
    if fmt is None:
        raise BadRequest(f"unsupported results format {media_type!r}")
    return fmt


def _rdf_format(media_type: str) -> ox.RdfFormat:
    fmt = ox.RdfFormat.from_media_type(media_type)
    if fmt is None:
        raise BadRequest(f"unsupported RDF format {media_type!r}")
    return fmt


def _solutions_from_tsv(tsv: bytes, solutions_format: str) -> QueryAnswer:
    if solutions_format == TSV:
        return QueryAnswer("solutions", TSV, tsv)
    parsed = ox.parse_query_results(tsv, ox.QueryResultsFormat.TSV)
    body = parsed.serialize(format=_results_format(solutions_format))
    assert body is not None
    return QueryAnswer("solutions", solutions_format, body)


def _used_prefixes(triples: Sequence[ox.Triple]) -> dict[str, str]:
    """The PREFIXES a graph uses, so a Turtle answer declares only what it needs."""
    iris: set[str] = set()
    for triple in triples:
        for term in (triple.subject, triple.predicate, triple.object):
            if isinstance(term, ox.NamedNode):
                iris.add(term.value)
            elif isinstance(term, ox.Literal):
                iris.add(term.datatype.value)
    return {p: ns for p, ns in PREFIXES.items() if any(i.startswith(ns) for i in iris)}


def _graph_answer(triples: Sequence[ox.Triple], graph_format: str) -> QueryAnswer:
    fmt = _rdf_format(graph_format)
    prefixes = None
    if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML):
        prefixes = _used_prefixes(triples)
    body = ox.serialize(triples, format=fmt, prefixes=prefixes)
    assert body is not None
    return QueryAnswer("graph", graph_format, body)


def serialise_result(
    result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples,
    *,
    solutions_format: str,
    graph_format: str,
    max_rows: int,
) -> QueryAnswer:
    """Serialise a pyoxigraph result, refusing (ResultTooLarge) past `max_rows` rows/triples."""
    if isinstance(result, ox.QueryBoolean):
        body = result.serialize(format=_results_format(solutions_format))
        assert body is not None
        return QueryAnswer("boolean", solutions_format, body)
    if isinstance(result, ox.QuerySolutions):
        _results_format(solutions_format)  # fail before doing the work
        sink = _RowCounter(max_rows)
        try:
            result.serialize(cast(IO[bytes], sink), ox.QueryResultsFormat.TSV)
        except Exception:
            if sink.overflow:
                raise _too_large(max_rows, "rows") from None
            raise
        return _solutions_from_tsv(b"".join(sink.chunks), solutions_format)
    triples = list(itertools.islice(result, max_rows + 1))
    if len(triples) > max_rows:
        raise _too_large(max_rows, "triples")
    return _graph_answer(triples, graph_format)


# --- the embedded store: pyoxigraph in worker processes ---------------------------------------


class _Request(NamedTuple):
    sparql: str
    solutions_format: str
    graph_format: str
    substitutions: tuple[tuple[str, Any], ...]
    default_graph_uris: tuple[str, ...]
    named_graph_uris: tuple[str, ...]
    max_rows: int
    has_from: bool = False


_ERRORS: dict[str, type[NetkgError]] = {
    cls.__name__: cls for cls in (BadRequest, Forbidden, ResultTooLarge, StoreUnavailable)
}


def _run(store: ox.Store, request: _Request) -> QueryAnswer:
    options: dict[str, Any] = {}
    if request.default_graph_uris or request.named_graph_uris:
        # SPARQL 1.1 Protocol: the request's dataset is exactly what it names
        options["default_graph"] = [ox.NamedNode(u) for u in request.default_graph_uris]
        options["named_graphs"] = [ox.NamedNode(u) for u in request.named_graph_uris]
    elif not request.has_from:  # a query's own FROM wins over netkg's union default graph
        options["use_default_graph_as_union"] = True
    if request.substitutions:
        options["substitutions"] = {ox.Variable(k): v for k, v in request.substitutions}
    try:
        result = store.query(request.sparql, **options)
    except SyntaxError as error:
        raise BadRequest(f"malformed query: {error}") from None
    except ValueError as error:
        raise BadRequest(str(error)) from None
    return serialise_result(
        result,
        solutions_format=request.solutions_format,
        graph_format=request.graph_format,
        max_rows=request.max_rows,
    )


def _worker_main(conn: Connection, nquads: str) -> None:
    """A query worker: load the release once, then answer requests until the pipe closes."""
    store = ox.Store()
    try:
        store.bulk_load(path=nquads, format=ox.RdfFormat.N_QUADS)
    except Exception as error:  # report, don't hang the parent
        conn.send(("error", "StoreUnavailable", f"can't load {nquads}: {error}"))
        return
    conn.send(("ready",))
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        try:
            answer = _run(store, request)
            conn.send(("ok", answer.kind, answer.media_type, answer.body))
        except NetkgError as error:
            conn.send(("error", type(error).__name__, error.message))
        except Exception as error:  # an engine bug: report it as such, keep serving
            conn.send(("error", "internal", f"{type(error).__name__}: {error}"))


def _worker_entry(fd: int, nquads: str) -> None:
    """Entry point of a worker subprocess: `fd` is its end of a socket pair."""
    _worker_main(Connection(fd), nquads)


class _Worker:
    """A worker subprocess and our end of its socket pair.

    A plain subprocess (not multiprocessing.Process) so the parent's `__main__` is never
    re-imported: `netkg serve`, uvicorn, pytest and a user's script all start workers the same way.
    """

    def __init__(self, nquads: Path) -> None:
        ours, theirs = socket.socketpair()
        try:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    "import sys; from netkg.store import _worker_entry; "
                    "_worker_entry(int(sys.argv[1]), sys.argv[2])",
                    str(theirs.fileno()),
                    str(nquads),
                ],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
            )
        finally:
            theirs.close()
        self.conn = Connection(ours.detach())

    def kill(self) -> None:
        try:
            self.process.kill()
            self.process.wait(5)
        finally:
            self.conn.close()


class EmbeddedStore:
    """pyoxigraph, loaded from `dist/netkg.nq` into `workers` processes; read-only.

    Each query goes to an idle worker over a pipe (no per-query process start). A query still
    running at its deadline has its worker killed and replaced; the client gets QueryTimeout.
    """

    def __init__(
        self,
        nquads: Path,
        *,
        workers: int = 2,
        query_timeout: float = 10.0,
        max_query_timeout: float = 60.0,
        max_rows: int = 10_000,
        allow_service: bool = False,
        worker_wait: float = 10.0,
        start_timeout: float = 120.0,
    ) -> None:
        if not nquads.is_file():
            raise NotFound(f"no {nquads.name} in {nquads.parent}: run `netkg build` first")
        self.nquads = nquads
        self.query_timeout = query_timeout
        self.max_query_timeout = max_query_timeout
        self.max_rows = max_rows
        self.allow_service = allow_service
        self.worker_wait = worker_wait
        self.start_timeout = start_timeout
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        started = [self._start_worker() for _ in range(workers)]
        for worker in started:
            self._await_ready(worker)

    def _start_worker(self) -> _Worker:
        worker = _Worker(self.nquads)
        with self._lock:
            self._all.add(worker)
        return worker

    def _await_ready(self, worker: _Worker) -> None:
        if not worker.conn.poll(self.start_timeout):
            self._discard(worker)
            raise StoreUnavailable(f"a query worker did not start within {self.start_timeout}s")
        try:
            message = worker.conn.recv()
        except (EOFError, OSError):
            self._discard(worker)
            raise StoreUnavailable("a query worker exited while loading the release") from None
        if message[0] != "ready":
            self._discard(worker)
            raise StoreUnavailable(str(message[2]))
        if self._closed:
            self._discard(worker)
            return
        self._idle.put(worker)

    def _discard(self, worker: _Worker) -> None:
        with self._lock:
            self._all.discard(worker)
        worker.kill()

    def _replace(self, worker: _Worker) -> None:
        """Kill a worker and start another in the background, so the caller answers at once."""
        self._discard(worker)
        if self._closed:
            return

        def restart() -> None:
            try:
                self._await_ready(self._start_worker())
            except NetkgError as error:
                if not self._closed:
                    log.error("could not replace a query worker: %s", error.message)

        threading.Thread(target=restart, name="netkg-worker-restart", daemon=True).start()

    def query(
        self,
        sparql: str,
        *,
        solutions_format: str = SPARQL_JSON,
        graph_format: str = TURTLE,
        substitutions: Mapping[str, ox.NamedNode | ox.BlankNode | ox.Literal] | None = None,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        timeout: float | None = None,
    ) -> QueryAnswer:
        shape = check_query(sparql, allow_service=self.allow_service)
        limit = min(timeout or self.query_timeout, self.max_query_timeout)
        request = _Request(
            sparql,
            solutions_format,
            graph_format,
            tuple(sorted((substitutions or {}).items())),
            tuple(default_graph_uris),
            tuple(named_graph_uris),
            self.max_rows,
            shape.has_from,
        )
        if self._closed:
            raise StoreUnavailable("the store is closed")
        try:
            worker = self._idle.get(timeout=self.worker_wait)
        except queue.Empty:
            raise ServiceBusy(
                f"all query workers stayed busy for {self.worker_wait}s; try again shortly"
            ) from None
        try:
            worker.conn.send(request)
            if not worker.conn.poll(limit):
                self._replace(worker)
                raise _timeout(f"the query was stopped after {limit:g}s", self.max_query_timeout)
            reply = worker.conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            self._replace(worker)
            raise StoreUnavailable("a query worker died while answering; try again") from None
        self._idle.put(worker)
        if reply[0] == "ok":
            return QueryAnswer(reply[1], reply[2], reply[3])
        error_class = _ERRORS.get(reply[1])
        if error_class is None:
            raise NetkgError(f"query engine error: {reply[2]}")
        raise error_class(reply[2])

    @property
    def worker_count(self) -> int:
        with self._lock:
            return len(self._all)

    def close(self) -> None:
        self._closed = True
        with self._lock:
            workers = list(self._all)
            self._all.clear()
        for worker in workers:
            worker.kill()


# --- the remote store: a SPARQL 1.1 endpoint over HTTP ----------------------------------------


def values_block(substitutions: Mapping[str, ox.NamedNode | ox.BlankNode | ox.Literal]) -> str:
    """Render bound parameters as a VALUES block from RDF terms (N-Triples syntax, never spliced
    text): `{"t": NamedNode("http://x")}` -> `VALUES (?t) { (<http://x>) }`."""
    names = sorted(substitutions)
    for name in names:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise BadRequest(f"invalid variable name {name!r}")
        if isinstance(substitutions[name], ox.BlankNode):
            raise BadRequest(f"parameter {name!r}: a blank node can't be sent to a remote store")
    variables = " ".join(f"?{n}" for n in names)
    terms = " ".join(str(substitutions[n]) for n in names)
    return f"VALUES ({variables}) {{ ({terms}) }}"


def bind_values(sparql: str, substitutions: Mapping[str, Any]) -> str:
    """Insert a VALUES block at the start of the query's WHERE group."""
    shape = inspect_query(sparql)
    if shape.where_brace < 0:
        raise BadRequest("can't bind parameters: the query has no WHERE group")
    at = shape.where_brace + 1
    return f"{sparql[:at]} {values_block(substitutions)} {sparql[at:]}"


def _remote_dataset(
    graphs: Sequence[str],
    default_graph_uris: Sequence[str],
    named_graph_uris: Sequence[str],
    *,
    has_from: bool,
) -> dict[str, list[str]]:
    """The dataset parameters of a protocol request to a remote store (SPARQL 1.1 Protocol 2.1.4).

    A dataset the client names is sent as it is, and a query's own FROM / FROM NAMED is left to
    the query. Otherwise netkg names its own dataset, the release's `graphs` as named graphs and
    their union as the default graph, because engines disagree on an unnamed default graph
    (Oxigraph: a graph of its own, empty; Virtuoso: every graph it holds, its system graphs too).
    """
    if not (default_graph_uris or named_graph_uris or has_from):
        default_graph_uris = named_graph_uris = graphs
    return {
        "default-graph-uri": list(default_graph_uris),
        "named-graph-uri": list(named_graph_uris),
    }


def _remote_accept(form: str) -> str:
    """What to ask a remote store for. SPARQL XML results for SELECT and ASK: the one results
    format every engine writes to the letter (Virtuoso's TSV writes IRIs as quoted strings and
    names columns "x", not ?x); N-Triples for graphs. Both can be counted as they stream in."""
    if form in ("SELECT", "ASK"):
        return SPARQL_XML
    if form in ("CONSTRUCT", "DESCRIBE"):
        return N_TRIPLES
    return f"{SPARQL_XML}, {N_TRIPLES};q=0.9"


_ROW_MARKS = {SPARQL_XML: b"<result>", TSV: b"\n", N_TRIPLES: b"\n", "text/plain": b"\n"}
"""What starts (or ends) one row or triple in a streamed answer; `<` inside a value is escaped."""


def _refuse_store_cut(response: httpx.Response, max_rows: int) -> None:
    """Refuse an answer the store itself may have cut short. Virtuoso stops at its
    ResultSetMaxRows and says so only in an X-SPARQL-MaxRows header (for SELECT; a CONSTRUCT is
    cut without a word: docs/service.md)."""
    cut = response.headers.get("x-sparql-maxrows")
    if cut is None:
        return
    if cut.isdigit() and int(cut) > max_rows:  # more rows than ours, whatever it cut
        raise _too_large(max_rows, "rows")
    raise ResultTooLarge(
        f"the SPARQL store stops at {cut} rows (its own limit), so this answer may be "
        f"incomplete; add LIMIT (under {cut}) and OFFSET to page through it, or ask the "
        f"operator to raise the store's limit above {max_rows}"
    )


class RemoteStore:
    """A SPARQL 1.1 Protocol endpoint (Oxigraph server, Virtuoso, Fuseki, GraphDB, Neptune).

    Sends queries by POST with URL-encoded parameters (Virtuoso never answers a query POSTed
    directly as application/sparql-query), names the release's dataset (`_remote_dataset`), asks
    for SPARQL XML / N-Triples (`_remote_accept`), then converts locally into the format the client
    asked for, so every endpoint gives netkg's formats.
    """

    def __init__(
        self,
        url: str,
        *,
        query_timeout: float = 10.0,
        max_query_timeout: float = 60.0,
        max_rows: int = 10_000,
        allow_service: bool = False,
        graphs: Sequence[str] = (),
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url
        self.graphs = tuple(graphs)  # the release's named graphs (`Release.graphs`)
        self.query_timeout = query_timeout
        self.max_query_timeout = max_query_timeout
        self.max_rows = max_rows
        self.allow_service = allow_service
        self._client = httpx.Client(
            transport=transport,
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
            headers={"User-Agent": "netkg"},
        )

    def query(
        self,
        sparql: str,
        *,
        solutions_format: str = SPARQL_JSON,
        graph_format: str = TURTLE,
        substitutions: Mapping[str, ox.NamedNode | ox.BlankNode | ox.Literal] | None = None,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        timeout: float | None = None,
    ) -> QueryAnswer:
        shape = check_query(sparql, allow_service=self.allow_service)
        limit = min(timeout or self.query_timeout, self.max_query_timeout)
        if substitutions:
            sparql = bind_values(sparql, substitutions)
        dataset = _remote_dataset(
            self.graphs, default_graph_uris, named_graph_uris, has_from=shape.has_from
        )
        timeout_error = _timeout(
            f"the store did not answer within {limit:g}s", self.max_query_timeout
        )
        deadline = time.monotonic() + limit
        request = self._client.build_request(
            "POST",
            self.url,
            data={"query": sparql, **dataset},
            headers={"Accept": _remote_accept(shape.form)},
            timeout=httpx.Timeout(limit, connect=min(limit, 5.0)),
        )
        try:
            response = self._client.send(request, stream=True)
            try:
                if response.status_code != 200:
                    text = response.read().decode("utf-8", "replace").strip()
                    if response.status_code == 400:
                        raise BadRequest(f"malformed query: {text[:2000]}")
                    raise StoreUnavailable(
                        f"the SPARQL store answered {response.status_code}: {text[:500]}"
                    )
                _refuse_store_cut(response, self.max_rows)
                media = response.headers.get("content-type", "").split(";")[0].strip().lower()
                body = self._read_limited(response, media, deadline, timeout_error)
            finally:
                response.close()  # also stops a stream we no longer want
        except httpx.TimeoutException:
            raise timeout_error from None
        except httpx.HTTPError as error:
            raise StoreUnavailable(
                f"the SPARQL store at {self.url} is unreachable: {error}"
            ) from None
        return self._convert(body, media, solutions_format, graph_format)

    def _read_limited(
        self, response: httpx.Response, media: str, deadline: float, timeout_error: QueryTimeout
    ) -> bytes:
        """Read the body, but stop at the deadline (httpx only limits each read) and, for the
        formats in `_ROW_MARKS`, as soon as there are more rows than the limit."""
        mark = _ROW_MARKS.get(media)
        max_marks = self.max_rows + (1 if media == TSV else 0)  # TSV's header line
        chunks: list[bytes] = []
        marks = 0
        tail = b""  # the end of the last chunk, for a mark split across two chunks
        for chunk in response.iter_bytes():
            if time.monotonic() > deadline:
                raise timeout_error
            chunks.append(chunk)
            if mark is not None:
                window = tail + chunk
                marks += window.count(mark)
                tail = window[max(0, len(window) - len(mark) + 1) :]
                if marks > max_marks:
                    what = "triples" if media in (N_TRIPLES, "text/plain") else "rows"
                    raise _too_large(self.max_rows, what)
        return b"".join(chunks)

    def _convert(
        self, body: bytes, media: str, solutions_format: str, graph_format: str
    ) -> QueryAnswer:
        if media == "text/plain":  # N-Triples under its old media type
            media = N_TRIPLES
        results_format = ox.QueryResultsFormat.from_media_type(media) if media else None
        if results_format is not None:
            parsed = ox.parse_query_results(body, results_format)
            if isinstance(parsed, ox.QueryBoolean):
                out = parsed.serialize(format=_results_format(solutions_format))
                assert out is not None
                return QueryAnswer("boolean", solutions_format, out)
            return serialise_result(
                parsed,
                solutions_format=solutions_format,
                graph_format=graph_format,
                max_rows=self.max_rows,
            )
        rdf_format = ox.RdfFormat.from_media_type(media) if media else None
        if rdf_format is not None:
            triples = [q.triple for q in ox.parse(body, format=rdf_format)]
            if len(triples) > self.max_rows:
                raise _too_large(self.max_rows, "triples")
            return _graph_answer(triples, graph_format)
        raise StoreUnavailable(f"the SPARQL store answered with an unknown type {media!r}")

    def close(self) -> None:
        self._client.close()


# --- a cache in front of either store ---------------------------------------------------------


class CachingStore:
    """An LRU of answers. Honest because data only changes with a release, and the release's
    etag is part of every key."""

    def __init__(self, inner: Store, *, etag: str, size: int = 512) -> None:
        self.inner = inner
        self.etag = etag
        self.size = size
        self._answers: OrderedDict[tuple[Any, ...], QueryAnswer] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0

    def query(
        self,
        sparql: str,
        *,
        solutions_format: str = SPARQL_JSON,
        graph_format: str = TURTLE,
        substitutions: Mapping[str, ox.NamedNode | ox.BlankNode | ox.Literal] | None = None,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        timeout: float | None = None,
    ) -> QueryAnswer:
        key = (
            self.etag,
            sparql,
            solutions_format,
            graph_format,
            tuple(sorted((k, str(v)) for k, v in (substitutions or {}).items())),
            tuple(default_graph_uris),
            tuple(named_graph_uris),
        )
        with self._lock:
            answer = self._answers.get(key)
            if answer is not None:
                self._answers.move_to_end(key)
                self.hits += 1
                return answer
        answer = self.inner.query(
            sparql,
            solutions_format=solutions_format,
            graph_format=graph_format,
            substitutions=substitutions,
            default_graph_uris=default_graph_uris,
            named_graph_uris=named_graph_uris,
            timeout=timeout,
        )
        with self._lock:
            self._answers[key] = answer
            while len(self._answers) > self.size:
                self._answers.popitem(last=False)
        return answer

    def close(self) -> None:
        self.inner.close()


def open_store(settings: Settings, release: Release | None = None) -> Store:
    """The store `settings` names, with an answer cache keyed by the release."""
    release = release or read_release(settings.dist)
    inner: Store
    if settings.store == "remote":
        assert settings.store_url is not None
        if not release.graphs:
            raise StoreUnavailable(
                f"{release.path / 'release.json'} lists no graphs, so a remote store can't be "
                "told the release's dataset: rebuild the release with `netkg build`"
            )
        inner = RemoteStore(
            settings.store_url,
            query_timeout=settings.query_timeout,
            max_query_timeout=settings.max_query_timeout,
            max_rows=settings.max_result_rows,
            allow_service=settings.allow_service,
            graphs=release.graphs,
        )
    else:
        inner = EmbeddedStore(
            settings.dist / "netkg.nq",
            workers=settings.workers,
            query_timeout=settings.query_timeout,
            max_query_timeout=settings.max_query_timeout,
            max_rows=settings.max_result_rows,
            allow_service=settings.allow_service,
            worker_wait=settings.worker_wait,
        )
    if settings.cache_size == 0:
        return inner
    return CachingStore(inner, etag=release.etag, size=settings.cache_size)


# --- loading a remote store (Graph Store HTTP Protocol) ---------------------------------------


def load_release_to(
    gsp_url: str,
    nquads: Path,
    *,
    timeout: float = 120.0,
    transport: httpx.BaseTransport | None = None,
) -> dict[str, int]:
    """PUT each named graph of `nquads` to `gsp_url?graph=…` (Graph Store Protocol), replacing it.

    No union copy goes into the store's default graph: `RemoteStore` names the release's dataset
    in every query (`_remote_dataset`), and Virtuoso's Graph Store has no default graph to PUT to.
    Returns triples per graph ("" for the default graph, should the release have triples there).
    """
    graphs: dict[str, list[ox.Triple]] = {}
    for quad in ox.parse(path=nquads, format=ox.RdfFormat.N_QUADS):
        name = "" if isinstance(quad.graph_name, ox.DefaultGraph) else quad.graph_name.value
        graphs.setdefault(name, []).append(quad.triple)
    counts: dict[str, int] = {}
    with httpx.Client(transport=transport, timeout=timeout) as client:
        for name, triples in sorted(graphs.items()):
            body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
            params = {"graph": name} if name else {"default": ""}
            try:
                response = client.put(
                    gsp_url,
                    params=params,
                    content=body,
                    headers={"Content-Type": N_TRIPLES},
                )
            except httpx.HTTPError as error:
                raise StoreUnavailable(f"can't reach {gsp_url}: {error}") from None
            if response.status_code not in (200, 201, 204):
                raise StoreUnavailable(
                    f"{gsp_url} refused graph {name or '(default)'}: "
                    f"{response.status_code} {response.text.strip()[:500]}"
                )
            counts[name] = len(triples)
    return counts
