"""The remote store: any SPARQL 1.1 endpoint over the standard protocol (httpx), loaded
beforehand with the Graph Store Protocol (`load_release_to`, i.e. `netkg load --to URL`); tested
on Oxigraph server and Virtuoso.

The same guard as the embedded store runs first (netkg.store.guard). Queries go by POST with
URL-encoded parameters (Virtuoso never answers a query POSTed directly as
application/sparql-query), name the release's dataset (`_remote_dataset`), ask for SPARQL XML /
N-Triples (`_remote_accept`: easy to count against the row limit while streaming), and the answer
is turned into typed results, then into the format the client asked for, so every endpoint gives
netkg's formats. A remote query is never run on the serving process's event loop
(`runs_inline` is False).
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph as ox

from netkg.errors import BadRequest, QueryTimeout, ResultTooLarge, StoreUnavailable
from netkg.sparql_tokens import TOKEN
from netkg.store.base import Checked, GuardedStore, Limits
from netkg.store.engine import check_syntax
from netkg.store.guard import inspect_query
from netkg.store.protocol import Result, Term
from netkg.store.results import N_TRIPLES, TSV, serialise, timeout_error, too_large

__all__ = ["RemoteStore", "bind_values", "load_release_to", "values_block"]


def values_block(substitutions: Mapping[str, Term]) -> str:
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


_DECLARATIONS = {"BASE": ("iri",), "PREFIX": ("pname", "iri")}
"""The tokens after each keyword of a SPARQL prologue."""


def _own_base(sparql: str) -> tuple[bool, int]:
    """Whether the query's prologue (its BASE and PREFIX declarations) declares a BASE, and where
    the BASE declaration that starts the query ends (0: the query does not start with one)."""
    tokens = (m for m in TOKEN.finditer(sparql) if m.lastgroup not in ("space", "comment"))
    declares_base, first_end, first = False, 0, True
    for keyword in tokens:
        word = keyword.group().upper()
        expected = _DECLARATIONS.get(word)
        if expected is None:
            break
        last = keyword
        for kind in expected:
            part = next(tokens, None)
            if part is None or part.lastgroup != kind:
                return declares_base, first_end
            last = part
        if word == "BASE":
            declares_base = True
            first_end = last.end() if first else first_end
        first = False
    return declares_base, first_end


def _with_prologue(sparql: str, base_iri: str | None, prefixes: Mapping[str, str] | None) -> str:
    """`sparql` with `base_iri` and `prefixes` written as BASE and PREFIX declarations before it:
    what the embedded store gives pyoxigraph's parser natively, as text any engine reads.

    A query's own declarations win, as later declarations do in SPARQL. A query with its own BASE
    gets none of ours, and a query that starts with its BASE gets our prefixes after it: the same
    meaning, and Virtuoso refuses a BASE after a PREFIX.
    """
    declarations = " ".join(f"PREFIX {p}: <{iri}>" for p, iri in (prefixes or {}).items())
    declares_base, first_end = _own_base(sparql)
    if first_end:
        return f"{sparql[:first_end]} {declarations} {sparql[first_end:]}"
    if base_iri is not None and not declares_base:
        declarations = f"BASE <{base_iri}> {declarations}"
    return f"{declarations}\n{sparql}"


SPARQL_XML = "application/sparql-results+xml"


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
        raise too_large(max_rows, "rows")
    raise ResultTooLarge(
        f"the SPARQL store stops at {cut} rows (its own limit), so this answer may be "
        f"incomplete; add LIMIT (under {cut}) and OFFSET to page through it, or ask the "
        f"operator to raise the store's limit above {max_rows}"
    )


class RemoteStore(GuardedStore):
    """A SPARQL 1.1 Protocol endpoint (Oxigraph server, Virtuoso, Fuseki, GraphDB, Neptune)."""

    counts_rows = True  # while reading the answer (`_read_limited`, `_typed`)

    def __init__(
        self,
        url: str,
        limits: Limits | None = None,
        *,
        graphs: Sequence[str] = (),
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url
        self.graphs = tuple(graphs)  # the release's named graphs (`Release.graphs`)
        self._client = httpx.Client(
            transport=transport,
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
            headers={"User-Agent": "netkg"},
        )
        super().__init__(limits or Limits(), self._client.close)

    def runs_inline(self, sparql: str) -> bool:
        return False  # network I/O: never on an event loop

    def status(self) -> dict[str, int]:
        return {}

    def _answer(self, query: Checked) -> Result:
        """Typed results (whatever the formats asked: the endpoint's are not netkg's)."""
        sparql, shape, options = query.sparql, query.shape, query.options
        base_iri, prefixes = options.get("base_iri"), options.get("prefixes")
        # one parser's messages, whatever the engine, at the line and column of the client's text
        check_syntax(sparql, base_iri=base_iri, prefixes=prefixes)
        substitutions = options.get("substitutions")
        if substitutions:
            sparql = bind_values(sparql, substitutions)
        dataset = _remote_dataset(
            self.graphs,
            options.get("default_graph_uris", ()),
            options.get("named_graph_uris", ()),
            has_from=shape.has_from,
        )
        body, media = self._post(
            _with_prologue(sparql, base_iri, prefixes),
            _remote_accept(shape.form),
            dataset,
            self.limits.timeout(options.get("timeout")),
        )
        return self._typed(body, media)

    def _post(
        self, sparql: str, accept: str, dataset: dict[str, list[str]], limit: float
    ) -> tuple[bytes, str]:
        stopped = timeout_error(
            f"the store did not answer within {limit:g}s", self.limits.max_query_timeout
        )
        deadline = time.monotonic() + limit
        request = self._client.build_request(
            "POST",
            self.url,
            data={"query": sparql, **dataset},
            headers={"Accept": accept},
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
                body = self._read_limited(response, media, deadline, stopped)
            finally:
                response.close()  # also stops a stream we no longer want
        except httpx.TimeoutException:
            raise stopped from None
        except httpx.HTTPError as error:
            raise StoreUnavailable(
                f"the SPARQL store at {self.url} is unreachable: {error}"
            ) from None
        return body, media

    def _read_limited(
        self, response: httpx.Response, media: str, deadline: float, stopped: QueryTimeout
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
                raise stopped
            chunks.append(chunk)
            if mark is not None:
                window = tail + chunk
                marks += window.count(mark)
                tail = window[max(0, len(window) - len(mark) + 1) :]
                if marks > max_marks:
                    what = "triples" if media in (N_TRIPLES, "text/plain") else "rows"
                    raise too_large(self.max_rows, what)
        return b"".join(chunks)

    def _typed(self, body: bytes, media: str) -> Result:
        """The endpoint's answer as typed results, counted against the row limit."""
        if media in (N_TRIPLES, "text/plain"):
            media = N_TRIPLES
        results_format = ox.QueryResultsFormat.from_media_type(media) if media else None
        if results_format is not None:
            parsed = ox.parse_query_results(body, results_format)
            if isinstance(parsed, ox.QuerySolutions) and media != TSV:
                # not counted while reading: count now, through the serialiser's row counter
                answer = serialise(
                    parsed, solutions_format=TSV, graph_format=N_TRIPLES, max_rows=self.max_rows
                )
                return ox.parse_query_results(answer.body, ox.QueryResultsFormat.TSV)
            return parsed
        rdf_format = ox.RdfFormat.from_media_type(media) if media else None
        if rdf_format is not None:
            triples = [q.triple for q in ox.parse(body, format=rdf_format)]
            if len(triples) > self.max_rows:
                raise too_large(self.max_rows, "triples")
            return triples
        raise StoreUnavailable(f"the SPARQL store answered with an unknown type {media!r}")


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
