"""A request's query string checked against a named query's header, and bound as RDF terms.

Binding lives on the web side: its input is a query string as sent (repeated names, empty
values, unknown names and the paging names `limit` and `offset` are all HTTP matters, answered
with 400s that name the parameter), and only the service runs a named query with values. What a
single value of a declared type is stays with the file format (`Param.term` in
netkg.curate.named_queries), because a header's defaults and enum values are checked by it too.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyoxigraph as ox

from netkg.curate.named_queries import RESERVED, NamedQuery, Param
from netkg.errors import BadRequest

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "MAX_OFFSET", "bind", "paging"]

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_OFFSET = 10**9


def bind(
    query: NamedQuery, values: Sequence[tuple[str, str]]
) -> dict[str, ox.NamedNode | ox.Literal]:
    """Check request parameters against the header; return `{param name: RDF term}` to bind.

    `values` are (name, raw string) pairs as sent, so a repeated or unknown name is caught.
    Paging names (limit, offset, format) are skipped here. Defaults are bound when not given.
    """
    seen: dict[str, str] = {}
    declared = {p.name for p in query.params}
    accepted = ", ".join(sorted(declared | RESERVED))
    for name, raw in values:
        if name in RESERVED:
            continue
        if name not in declared:
            raise BadRequest(
                f"unknown parameter {name!r}; /api/{query.name} accepts: {accepted}",
                detail={"parameter": name, "accepts": sorted(declared | RESERVED)},
            )
        if name in seen:
            raise BadRequest(
                f"parameter {name!r} is given more than once; give it once",
                detail={"parameter": name},
            )
        seen[name] = raw
    bound: dict[str, ox.NamedNode | ox.Literal] = {}
    for param in query.params:
        given = seen.get(param.name)
        if given == "":
            default = f" for the default, {param.default}" if param.default is not None else ""
            raise BadRequest(
                f"parameter {param.name!r} is empty; give {param.accepts()}, or leave it out"
                + default,
                detail={"parameter": param.name, "accepts": param.accepts()},
            )
        if given is None:
            if param.required:
                raise BadRequest(
                    f"parameter {param.name!r} is required; it accepts {param.accepts()}",
                    detail={"parameter": param.name, "accepts": param.accepts()},
                )
            if param.default is None:
                continue
            given = param.default
        bound[param.name] = param.term(given)
    return bound


def paging(values: Sequence[tuple[str, str]]) -> tuple[int, int]:
    """`limit` (default 100, 1..1000) and `offset` (>= 0) from the query string; 400 otherwise."""
    found = {"limit": str(DEFAULT_LIMIT), "offset": "0"}
    for name, raw in values:
        if name in found:
            found[name] = raw
    # the reserved names, so built without the header's checks
    limit_param = Param.model_construct(name="limit", type="integer", minimum=1, maximum=MAX_LIMIT)
    offset_param = Param.model_construct(
        name="offset", type="integer", minimum=0, maximum=MAX_OFFSET
    )
    limit = int(limit_param.term(found["limit"]).value)
    offset = int(offset_param.term(found["offset"]).value)
    return limit, offset
