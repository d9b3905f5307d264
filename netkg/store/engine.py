"""Running one query on a pyoxigraph store, the same way in the serving process and in a worker."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

import pyoxigraph as ox

from netkg.errors import BadRequest
from netkg.store.protocol import QueryOptions, Result

__all__ = ["Request", "check_syntax", "evaluate"]


class Request(NamedTuple):
    """A query and its dataset; plain data, so it can be sent to a worker process.

    `base_iri` and `prefixes` are the declarations the query starts from (the endpoint's IRI,
    netkg's prefixes), given to pyoxigraph's parser as they are rather than as text before the
    query: nothing to re-read per request, and parser positions are those of the query's text.
    """

    sparql: str
    substitutions: tuple[tuple[str, Any], ...] = ()
    default_graph_uris: tuple[str, ...] = ()
    named_graph_uris: tuple[str, ...] = ()
    has_from: bool = False
    base_iri: str | None = None
    prefixes: Mapping[str, str] | None = None

    @classmethod
    def of(cls, sparql: str, has_from: bool, options: QueryOptions) -> Request:
        """The request for `sparql` with the `QueryOptions` a store was given."""
        return cls(
            sparql,
            tuple(sorted((options.get("substitutions") or {}).items())),
            tuple(options.get("default_graph_uris", ())),
            tuple(options.get("named_graph_uris", ())),
            has_from,
            options.get("base_iri"),
            options.get("prefixes"),
        )


def evaluate(store: ox.Store, request: Request) -> Result:
    """The typed result; the default graph is the union of the named graphs unless the request
    (SPARQL 1.1 Protocol dataset) or the query itself (FROM) names one."""
    options: dict[str, Any] = _parsing(request.base_iri, request.prefixes)
    if request.default_graph_uris or request.named_graph_uris:
        options["default_graph"] = [ox.NamedNode(u) for u in request.default_graph_uris]
        options["named_graphs"] = [ox.NamedNode(u) for u in request.named_graph_uris]
    elif not request.has_from:
        options["use_default_graph_as_union"] = True
    if request.substitutions:
        options["substitutions"] = {ox.Variable(k): v for k, v in request.substitutions}
    try:
        return store.query(request.sparql, **options)
    except SyntaxError as error:
        raise BadRequest(f"malformed query: {error}") from None
    except ValueError as error:
        raise BadRequest(str(error)) from None


def _parsing(base_iri: str | None, prefixes: Mapping[str, str] | None) -> dict[str, Any]:
    """pyoxigraph's parser options for a query's starting BASE and PREFIX declarations."""
    options: dict[str, Any] = {}
    if base_iri is not None:
        options["base_iri"] = base_iri
    if prefixes:
        options["prefixes"] = dict(prefixes)
    return options


_PARSER = ox.Store()  # empty, in memory: only its query parser is used


def check_syntax(
    sparql: str, *, base_iri: str | None = None, prefixes: Mapping[str, str] | None = None
) -> None:
    """Parse `sparql` with pyoxigraph's parser, so a remote store's client gets the same 400 (and
    the same line and column of their own text) as the embedded store's. Nothing is evaluated:
    the store is empty and the solutions are never read."""
    try:
        _PARSER.query(sparql, **_parsing(base_iri, prefixes))
    except SyntaxError as error:
        raise BadRequest(f"malformed query: {error}") from None
    except ValueError as error:
        raise BadRequest(str(error)) from None
