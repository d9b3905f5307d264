"""The query guard: what a query is, whether it may run, and whether it can run away.

Everything here works on tokens (netkg.sparql_tokens: strings, IRIs and comments can't fool it)
and runs before any
engine sees the query, so a query that would crash or exhaust an engine is refused with a 400:

- `check_query` refuses UPDATE and (unless allowed) SERVICE (403), a query longer than
  `max_bytes` or nested deeper than `max_depth` groups/brackets (400). pyoxigraph's parser
  recurses: a query nested 1,500 groups deep overflows its stack and kills the process, so the
  depth limit (default 64) is what keeps the serving process and its workers alive.
- `check_dataset` refuses a malformed `default-graph-uri` / `named-graph-uri` (400).
- `QueryShape.light` says whether the query is *bounded*: its cost is set by its LIMIT, not by
  the size of the data, so it may run in the serving process. The rule (docs/service.md):
  ASK, or DESCRIBE of IRIs, or a SELECT/CONSTRUCT with `LIMIT <= LIGHT_LIMIT` and
  `OFFSET <= LIGHT_OFFSET`, whose WHERE has at most `LIGHT_PATTERNS` triple patterns, at least
  one constant among them, all joined through shared variables (no cartesian product), and none
  of: property paths with `*` or `+`, aggregates, GROUP BY / ORDER BY / HAVING, sub-queries,
  MINUS, EXISTS, SERVICE, blank-node property lists. Everything else goes to killable workers.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from typing import Literal, NamedTuple

import pyoxigraph as ox

from netkg.errors import BadRequest, Forbidden
from netkg.sparql_tokens import TOKEN

__all__ = [
    "LIGHT_LIMIT",
    "LIGHT_OFFSET",
    "LIGHT_PATTERNS",
    "QueryShape",
    "check_dataset",
    "check_query",
    "inline_terms",
    "inspect_query",
]

LIGHT_LIMIT = 1000
"""The largest LIMIT of a query that runs in the serving process."""
LIGHT_OFFSET = 10_000
"""The largest OFFSET of such a query (an offset is rows computed and thrown away)."""
LIGHT_PATTERNS = 8
"""The most triple patterns such a query may join."""

_PROLOGUE = re.compile(
    r"(?:\s*(?:BASE\s*<[^<>\"{}|^`\\\x00-\x20]*>|PREFIX\s+(?:[A-Za-z_][\w.\-]*)?:\s*"
    r"<[^<>\"{}|^`\\\x00-\x20]*>))*",
    re.IGNORECASE,
)
"""BASE and PREFIX declarations at the start: skipped in one regex pass (they hold no keyword,
brace or SERVICE). netkg's own predeclared prefixes never reach the guard: the store gives them
to pyoxigraph's parser as `prefixes=` (netkg.store.engine.Request)."""

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
_HEAVY_WORDS = {
    "COUNT",
    "SUM",
    "MIN",
    "MAX",
    "AVG",
    "SAMPLE",
    "GROUP_CONCAT",
    "GROUP",
    "ORDER",
    "HAVING",
    "MINUS",
    "EXISTS",
    "SERVICE",
}
_OPEN = {"{": "}", "(": ")", "[": "]"}
_CLOSE = set(_OPEN.values())
_TERMS = {"var", "iri", "pname", "string", "number"}

Form = Literal["SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "UPDATE", "UNKNOWN"]


class QueryShape(NamedTuple):
    """What a query is, found by tokenising it."""

    form: Form
    uses_service: bool
    where_brace: int  # offset of the `{` opening the WHERE clause, or -1
    has_from: bool = False  # the query names its own dataset (FROM / FROM NAMED)
    depth: int = 0  # the deepest nesting of {}, () and []
    light: bool = False  # bounded: may run in the serving process (see the module docstring)
    limit: int | None = None  # the query's own top-level LIMIT


@functools.lru_cache(maxsize=256)
def inspect_query(sparql: str) -> QueryShape:
    """Tokenise `sparql`: its form, SERVICE, WHERE group, FROM, nesting depth and boundedness."""
    form: Form = "UNKNOWN"
    uses_service = has_from = seen_where = False
    where_brace = -1
    depth = max_depth = 0
    selects = 0
    limit: int | None = None
    offset = 0
    heavy = False
    previous = ""  # the previous significant token, upper-cased
    where: list[tuple[str, str]] = []  # (kind, text) of tokens inside the WHERE group
    where_closed = False
    declarations = _PROLOGUE.match(sparql)
    for match in TOKEN.finditer(sparql, declarations.end() if declarations else 0):
        kind = match.lastgroup or "other"
        if kind in ("space", "comment"):
            continue
        text = match.group()
        if kind == "word":
            word = text.upper()
            if form == "UNKNOWN":
                if word in _FORMS:
                    form = word  # type: ignore[assignment]
                elif word in _UPDATE_WORDS:
                    form = "UPDATE"
            if word == "SERVICE":
                uses_service = True
            if word == "SELECT":
                selects += 1
            heavy = heavy or word in _HEAVY_WORDS
            if word == "FROM" and depth == 0:
                has_from = True
            elif word == "WHERE" and not seen_where and depth == 0:
                seen_where = True
        elif kind == "number" and depth == 0 and previous in ("LIMIT", "OFFSET"):
            if previous == "LIMIT":
                limit = int(float(text))
            else:
                offset = int(float(text))
        elif kind in ("pname", "var") and text[-1:] in "*+":
            heavy = True
        elif kind == "other":
            if text in _OPEN:
                if (
                    text == "{"
                    and where_brace < 0
                    and (seen_where or form in ("SELECT", "ASK", "DESCRIBE"))
                ):
                    where_brace = match.start()
                depth += 1
                max_depth = max(max_depth, depth)
            elif text in _CLOSE:
                depth -= 1
            elif text == "+" or (text == "*" and previous not in ("SELECT", "DISTINCT", "REDUCED")):
                heavy = True
        if where_brace >= 0 and not where_closed:
            where.append((kind, text))
            where_closed = depth == 0
        previous = text.upper()
    light = not heavy and selects <= 1 and _bounded(form, where, limit, offset, where_brace)
    return QueryShape(form, uses_service, where_brace, has_from, max_depth, light, limit)


def _bounded(
    form: str, where: list[tuple[str, str]], limit: int | None, offset: int, where_brace: int
) -> bool:
    """The rest of the light rule: a LIMIT, few anchored and connected triple patterns."""
    if form == "DESCRIBE" and where_brace < 0:
        return True  # DESCRIBE <iri>: the description of named resources
    if form == "ASK":
        limit = limit or 1
    if form not in ("SELECT", "ASK", "CONSTRUCT") or limit is None:
        return False
    if limit > LIGHT_LIMIT or offset > LIGHT_OFFSET:
        return False
    patterns = _triple_patterns(where)
    if patterns is None or len(patterns) > LIGHT_PATTERNS:
        return False
    if not patterns:
        return True  # `ASK {}`, `SELECT * { VALUES … }`, `SELECT (1 AS ?x) {}`
    if not any(kind != "var" for pattern in patterns for kind, _ in pattern):
        return False  # nothing constant: a scan of the whole store
    return _connected(patterns)


def _triple_patterns(tokens: list[tuple[str, str]]) -> list[list[tuple[str, str]]] | None:
    """The triple patterns of a WHERE group (expressions and VALUES data skipped), or None
    when the group has syntax this small reader does not follow (then the query is not light)."""
    patterns: list[list[tuple[str, str]]] = []
    current: list[tuple[str, str]] = []
    parens = 0  # inside an expression: FILTER(…), BIND(…), a function call
    values = 0  # -1: after VALUES, before its data; > 0: inside its data
    joins_previous = False  # after a path operator or ^^: the next term is part of the last
    graph_name = False  # the next term names a graph, it is not a subject

    def end_pattern() -> bool:
        if len(current) == 3:
            patterns.append(list(current))
        return len(current) in (0, 3)

    for kind, text in tokens:
        if parens:
            parens += {"(": 1, ")": -1}.get(text, 0)
            continue
        if values:
            if values < 0 and text == "{":
                values = 1
            elif values > 0:
                values += {"{": 1, "}": -1}.get(text, 0)
            continue
        if kind == "word":
            upper = text.upper()
            if upper == "A" and len(current) == 1:
                current.append(("iri", "a"))
                continue
            if not end_pattern():
                return None
            current = []
            values = -1 if upper == "VALUES" else 0
            graph_name = upper == "GRAPH"
        elif kind in _TERMS:
            if graph_name or joins_previous:
                graph_name = joins_previous = False
            else:
                current.append((kind, text))
        elif text == "(":
            if len(current) not in (0, 3):
                return None  # an RDF collection or a negated property set
            if not end_pattern():
                return None
            current = []
            parens = 1
        elif text in ("/", "|") or (text == "^" and len(current) != 1):
            joins_previous = True  # a sequence or alternative path, or a literal's ^^datatype
        elif text in (".", "{", "}", ";", ","):
            if not end_pattern():
                return None
            current = current[:1] if text == ";" else current[:2] if text == "," else []
        elif text in ("[", "]", "!"):
            return None
    if not end_pattern():
        return None
    return patterns


def _connected(patterns: list[list[tuple[str, str]]]) -> bool:
    """No cartesian product: the patterns' variables link them all (constant patterns are
    single lookups and need no link)."""
    groups = [{text for kind, text in pattern if kind == "var"} for pattern in patterns]
    groups = [group for group in groups if group]
    if not groups:
        return True
    reached = set(groups[0])
    todo = groups[1:]
    while todo:
        linked = [group for group in todo if group & reached]
        if not linked:
            return False
        for group in linked:
            reached |= group
            todo.remove(group)
    return True


def check_query(
    sparql: str, *, allow_service: bool, max_depth: int = 64, max_bytes: int = 100_000
) -> QueryShape:
    """Refuse what must not reach the engine; return the query's shape."""
    size = len(sparql.encode("utf-8"))
    if size > max_bytes:
        raise BadRequest(
            f"the query is {size} bytes; this server accepts queries of at most {max_bytes} bytes"
        )
    shape = inspect_query(sparql)
    if shape.depth > max_depth:
        raise BadRequest(
            f"the query nests groups, brackets or parentheses {shape.depth} deep; this server "
            f"accepts at most {max_depth} levels: flatten the query"
        )
    if shape.form == "UPDATE":
        raise Forbidden("SPARQL UPDATE is not accepted: this endpoint is read-only")
    if shape.uses_service and not allow_service:
        raise Forbidden(
            "SERVICE (federated query) is disabled on this endpoint, so the server never fetches "
            "a URL a client names; run federated queries from your own SPARQL client"
        )
    return shape


def inline_terms(sparql: str, terms: Mapping[str, ox.NamedNode | ox.Literal]) -> str:
    """`sparql` with each `?name` of `terms` written as its RDF term, token by token (strings,
    IRIs and comments are never touched).

    For netkg's own CONSTRUCT queries, whose variables appear only in patterns and templates:
    pyoxigraph 0.5 applies `substitutions` as a join over the unbound query, so the description of
    one resource at 1M triples took 480 ms bound and 1.3 ms written in. The terms are pyoxigraph
    objects (validated IRIs, escaped literals), so their text can't change the query's structure.
    """
    parts: list[str] = []
    last = 0
    for match in TOKEN.finditer(sparql):
        if match.lastgroup == "var" and match.group()[1:] in terms:
            parts += [sparql[last : match.start()], str(terms[match.group()[1:]])]
            last = match.end()
    parts.append(sparql[last:])
    return "".join(parts)


def check_dataset(default_graph_uris: Sequence[str], named_graph_uris: Sequence[str]) -> None:
    """A protocol dataset names graphs by absolute IRI; anything else is the client's mistake."""
    for name, uris in (
        ("default-graph-uri", default_graph_uris),
        ("named-graph-uri", named_graph_uris),
    ):
        for uri in uris:
            try:
                ox.NamedNode(uri)
            except ValueError as error:
                raise BadRequest(f"{name}={uri!r} is not an absolute IRI ({error})") from None
