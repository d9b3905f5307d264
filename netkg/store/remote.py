"""The remote store: any SPARQL 1.1 endpoint over the standard protocol (POST direct, httpx),
loaded beforehand with the Graph Store Protocol (`load_release_to`, i.e. `netkg load --to URL`).

The same guard as the embedded store runs first (netkg.store.guard); the endpoint is asked for
TSV / N-Triples (easy to count against the row limit while streaming), and the answer is turned
into typed results, then into the format the client asked for, so every endpoint gives netkg's
formats. A remote query is never run on the serving process's event loop (`runs_inline` is False).
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph as ox

from netkg.errors import BadRequest, QueryTimeout, StoreUnavailable
from netkg.store.guard import QueryShape, check_dataset, check_query, inspect_query
from netkg.store.protocol import SPARQL_JSON, TURTLE, Lifetime, QueryAnswer, Result, Term
from netkg.store.results import N_TRIPLES, TSV, serialise, timeout_error, too_large

__all__ = ["RemoteStore", "bind_values", "load_release_to", "values_block"]


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


class RemoteStore:
    """A SPARQL 1.1 Protocol endpoint (Oxigraph server, Fuseki, GraphDB, Virtuoso, Neptune)."""

    def __init__(
        self,
        url: str,
        *,
        query_timeout: float = 10.0,
        max_query_timeout: float = 60.0,
        max_rows: int = 10_000,
        allow_service: bool = False,
        max_query_depth: int = 64,
        max_query_bytes: int = 100_000,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url
        self.query_timeout = query_timeout
        self.max_query_timeout = max_query_timeout
        self.max_rows = max_rows
        self.allow_service = allow_service
        self.max_query_depth = max_query_depth
        self.max_query_bytes = max_query_bytes
        self._client = httpx.Client(
            transport=transport,
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
            headers={"User-Agent": "netkg"},
        )
        self._lifetime = Lifetime(self._client.close)

    def runs_inline(self, sparql: str) -> bool:
        return False  # network I/O: never on an event loop

    def status(self) -> dict[str, int]:
        return {}

    def query(
        self,
        sparql: str,
        *,
        solutions_format: str = SPARQL_JSON,
        graph_format: str = TURTLE,
        substitutions: Mapping[str, Term] | None = None,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        timeout: float | None = None,
        trusted: bool = False,
        client: str = "",
    ) -> QueryAnswer:
        result = self.execute(
            sparql,
            substitutions=substitutions,
            default_graph_uris=default_graph_uris,
            named_graph_uris=named_graph_uris,
            timeout=timeout,
        )
        return serialise(
            result,
            solutions_format=solutions_format,
            graph_format=graph_format,
            max_rows=self.max_rows,
            bounded=True,  # counted while reading
        )

    def execute(
        self,
        sparql: str,
        *,
        substitutions: Mapping[str, Term] | None = None,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        timeout: float | None = None,
        trusted: bool = False,
        client: str = "",
    ) -> Result:
        shape = check_query(
            sparql,
            allow_service=self.allow_service,
            max_depth=self.max_query_depth,
            max_bytes=self.max_query_bytes,
        )
        check_dataset(default_graph_uris, named_graph_uris)
        limit = min(timeout or self.query_timeout, self.max_query_timeout)
        if substitutions:
            sparql = bind_values(sparql, substitutions)
        with self._lifetime.query():
            body, media = self._post(sparql, shape, default_graph_uris, named_graph_uris, limit)
        return self._typed(body, media)

    def _post(
        self,
        sparql: str,
        shape: QueryShape,
        default_graph_uris: Sequence[str],
        named_graph_uris: Sequence[str],
        limit: float,
    ) -> tuple[bytes, str]:
        if shape.form == "SELECT":
            accept = TSV
        elif shape.form == "ASK":
            accept = SPARQL_JSON
        elif shape.form in ("CONSTRUCT", "DESCRIBE"):
            accept = N_TRIPLES
        else:
            accept = f"{TSV}, {SPARQL_JSON};q=0.9, {N_TRIPLES};q=0.8"
        pairs: list[tuple[str, str | int | float | bool | None]] = []
        pairs += [("default-graph-uri", u) for u in default_graph_uris]
        pairs += [("named-graph-uri", u) for u in named_graph_uris]
        stopped = timeout_error(
            f"the store did not answer within {limit:g}s", self.max_query_timeout
        )
        deadline = time.monotonic() + limit
        request = self._client.build_request(
            "POST",
            self.url,
            params=httpx.QueryParams(pairs),
            content=sparql.encode("utf-8"),
            headers={"Content-Type": "application/sparql-query", "Accept": accept},
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
        """Read the body, but stop at the deadline (httpx only limits each read) and, for
        line-based formats, as soon as there are more rows than the limit."""
        line_based = media in (TSV, N_TRIPLES, "text/plain")
        max_lines = self.max_rows + (1 if media == TSV else 0)
        chunks: list[bytes] = []
        lines = 0
        for chunk in response.iter_bytes():
            if time.monotonic() > deadline:
                raise stopped
            chunks.append(chunk)
            if line_based:
                lines += chunk.count(b"\n")
                if lines > max_lines:
                    raise too_large(self.max_rows, "rows" if media == TSV else "triples")
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

    def close(self, *, drain: bool = False) -> None:
        self._lifetime.close(drain=drain)


def load_release_to(
    gsp_url: str,
    nquads: Path,
    *,
    timeout: float = 120.0,
    transport: httpx.BaseTransport | None = None,
) -> dict[str, int]:
    """PUT each named graph of `nquads` to `gsp_url?graph=…`, and their union to `gsp_url?default`.

    The union in the default graph gives every endpoint netkg's default dataset without
    vendor options (Oxigraph's union-default-graph, Fuseki's unionDefaultGraph). Returns
    triples per graph ("" for the default graph).
    """
    graphs: dict[str, list[ox.Triple]] = {}
    for quad in ox.parse(path=nquads, format=ox.RdfFormat.N_QUADS):
        name = "" if isinstance(quad.graph_name, ox.DefaultGraph) else quad.graph_name.value
        graphs.setdefault(name, []).append(quad.triple)
    union = {t for triples in graphs.values() for t in triples}
    counts: dict[str, int] = {}
    with httpx.Client(transport=transport, timeout=timeout) as client:
        targets = [(name, triples) for name, triples in sorted(graphs.items()) if name]
        targets.append(("", sorted(union, key=str)))
        for name, triples in targets:
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
