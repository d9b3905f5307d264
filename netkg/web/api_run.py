"""Running a named query for the API: one page of its answer, on the service's store.

The request's values are checked and bound (netkg.web.api_binding) and the query runs as trusted
code (reviewed, in the serving process) with one row more than asked, to know whether there is a
next page; netkg.web.api_render serialises the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import pyoxigraph as ox

from netkg.curate.named_queries import NamedQuery
from netkg.errors import NetkgError
from netkg.store.protocol import Store
from netkg.web.api_binding import bind, paging

__all__ = ["QueryResult", "paged_text", "run"]


class QueryResult(NamedTuple):
    """One page of a named query's answer: declared columns, the rows, whether more exist."""

    query: NamedQuery
    columns: tuple[str, ...]
    rows: list[dict[str, ox.NamedNode | ox.Literal | ox.BlankNode]]
    limit: int
    offset: int
    truncated: bool


def paged_text(query: NamedQuery, limit: int, offset: int) -> str:
    """The query text with paging: one row more than asked, to know whether there is a next page."""
    return f"{query.text.rstrip()}\nLIMIT {int(limit) + 1}\nOFFSET {int(offset)}\n"


def run(
    store: Store,
    query: NamedQuery,
    values: Sequence[tuple[str, str]],
    *,
    timeout: float | None = None,
) -> QueryResult:
    """Check, bind and run `query` on a netkg `Store` (store protocol), one page at a time."""
    bound = bind(query, values)
    limit, offset = paging(values)
    result = store.execute(
        paged_text(query, limit, offset),
        substitutions={"_" + name: term for name, term in bound.items()},
        timeout=timeout,
        trusted=True,  # a named query: reviewed code, run in the serving process
    )
    if not isinstance(result, ox.QuerySolutions):
        raise NetkgError("a named query answered with something other than solutions")
    rows = [
        {column: term for column in query.columns if (term := solution[column]) is not None}
        for solution in result
    ]
    truncated = len(rows) > limit
    return QueryResult(query, query.columns, rows[:limit], limit, offset, truncated)
