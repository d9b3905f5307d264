"""SPARQL query text as tokens: the one lexer of query text in netkg, so that strings, IRIs and
comments never pass for syntax.

The query guard (netkg.store.guard) reads every query with it; the named-query checker
(netkg.curate.named_queries) finds parameters outside comments with `without_comments`; /sparql's
error messages name the prefixes a query uses undeclared with `undeclared_prefixes`. (Turtle has
its own reader, netkg.curate.syntax.turtle_tokens: another language.)

>>> undeclared_prefixes('PREFIX ex: <http://e/> SELECT * { ?s ex:p zz:o } # yy:z')
['zz']
>>> without_comments('SELECT ?s # ?_x\\n{ ?s <http://e/#a> "#" }')
'SELECT ?s \\n{ ?s <http://e/#a> "#" }'
"""

from __future__ import annotations

import re

__all__ = ["TOKEN", "undeclared_prefixes", "without_comments"]

TOKEN = re.compile(
    r"""
      (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
                 |"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*')
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<comment>\#[^\n\r]*)
    | (?P<var>[?$][A-Za-z0-9_\u00b7\u00c0-\uffff]+)
    | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
    | (?P<number>[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)
    | (?P<pname>(?:[A-Za-z_][\w.\-]*)?:(?:[\w\-:%]|\.(?=[\w\-:%]))*)
    | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<space>\s+)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
"""One SPARQL token a match, named by its group: string, iri, comment, var, lang, number, pname
(also `_:` blank nodes), word (keywords, `a`, booleans), space, other (punctuation, operators)."""


def without_comments(sparql: str) -> str:
    """`sparql` with its `#` comments removed (line breaks kept, so lines keep their numbers)."""
    return "".join(m.group() for m in TOKEN.finditer(sparql) if m.lastgroup != "comment")


def undeclared_prefixes(sparql: str) -> list[str]:
    """The prefixes `sparql` uses in prefixed names without a PREFIX declaration, sorted."""
    declared: set[str] = set()
    used: set[str] = set()
    previous = ""
    for match in TOKEN.finditer(sparql):
        kind = match.lastgroup
        if kind in ("space", "comment"):
            continue
        text = match.group()
        if kind == "pname" and not text.startswith("_:"):
            prefix = text.split(":", 1)[0]
            (declared if previous == "PREFIX" else used).add(prefix)
        previous = text.upper()
    return sorted(used - declared)
