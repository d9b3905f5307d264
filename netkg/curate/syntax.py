"""Turtle syntax errors in a curator's words, at the line a curator must edit.

rdflib's parser says where it gave up ("objectList expected", at the next subject) and counts a
line again each time it backtracks; a curator needs the line where the mistake is and the fix.
The common slips are read from the text around the failure: a `;` left where the statement ends,
a `.` where it goes on, a missing `.` or `;`, a `,` before a new property, a string left open.
`turtle_tokens` is the light Turtle reader behind it all: `netkg fmt` (netkg.curate.fmt) scans
files with it, and `undefined_prefixes` lists every prefix a file uses undeclared (rdflib stops
at the first).

>>> text = 'id:a a id:T ;\\n    id:p "x" ;\\n\\nid:b a id:T .\\n'
>>> explain(text, text.index("id:b") + 4, "objectList expected")
(2, "this statement ends with ';' but the next line starts a new subject: end it with '.'")
"""

from __future__ import annotations

import bisect
import re

__all__ = ["UnreadableTurtle", "explain", "line_starts", "turtle_tokens", "undefined_prefixes"]

_COMMENT = re.compile(r"\s+#[^\"'<>]*$|^\s*#.*$")  # a trailing comment (not a # inside an IRI)

# rdflib's message → what to do, for failures the context does not explain better.
_WORDS = (
    ("objectList expected", "a value is missing here: write the object after the property"),
    (
        "expected '.' or '}' or ']' at end of statement",
        "the statement should end here: end it with '.' (or go on with ';' before the next "
        "property, ',' before the next value)",
    ),
    (
        "Bad language code syntax",
        'the language tag after @ is missing or malformed: write e.g. "…"@en',
    ),
    ("expected propertylist", "a property and a value are missing after this subject"),
    ("bad escape", "this escape sequence is not Turtle: write \\\\ for a backslash"),
    ("unterminated URI reference", "this IRI is not closed: add the '>' that ends it"),
    ("']' expected", "this '[' (a blank node) is not closed: add the ']' that ends it"),
    ("EOF after '['", "this '[' (a blank node) is not closed: add the ']' that ends it"),
    ("needed ')', found end.", "this '(' (a list) is not closed: add the ')' that ends it"),
    ("expected item in list or ')'", "a list holds terms only: close it with ')'"),
    (
        "after @prefix",
        "write a prefix declaration as `@prefix id: <https://w3id.org/netkg/id/> .`",
    ),
)


def line_starts(text: str) -> list[int]:
    """The offset each line starts at ([0, …]); `bisect_right(starts, offset)` is its line."""
    return [0, *(m.end() for m in re.finditer("\n", text))]


def _code(line: str) -> str:
    """The line without its comment and trailing space."""
    return _COMMENT.sub("", line).rstrip()


def _previous(lines: list[str], line: int) -> tuple[int, str] | None:
    """The last line before `line` (1-based) with Turtle on it: (its number, its code)."""
    for number in range(line - 1, 0, -1):
        code = _code(lines[number - 1])
        if code:
            return number, code
    return None


def _open_long_string(text: str, end: int) -> int | None:
    """Where the triple-quoted string still open at `end` starts, if one is."""
    quotes = [m.start() for m in re.finditer(r'"""|\'\'\'', text[:end])]
    return quotes[-1] if len(quotes) % 2 else None


def explain(text: str, offset: int, why: str) -> tuple[int, str]:
    """(line, message) for rdflib's failure `why` at `offset` (-1: at the end of the text)."""
    starts = line_starts(text)
    lines = text.split("\n")
    if offset < 0 or offset >= len(text):
        offset = len(text.rstrip())
    line = bisect.bisect_right(starts, offset)
    if "newline found in string literal" in why:
        return line, (
            'this text is not closed: add the closing " on the same line (text over several '
            'lines goes between """ and """)'
        )
    if "unterminated string literal" in why:
        opened = _open_long_string(text, offset)
        if opened is not None:
            return bisect.bisect_right(starts, opened), (
                'this text opened with """ is never closed: add the closing """'
            )
        return line, 'this text is not closed: add the closing "'
    current = _code(lines[line - 1]) if line <= len(lines) else ""
    at_end = "EOF" in why or not current
    new_subject = at_end or not current[:1].isspace()
    previous = _previous(lines, line + 1 if at_end and current else line)
    if previous is not None:
        number, code = previous
        follows = "the file ends" if at_end else "the next line starts a new subject"
        if code.endswith(";") and new_subject:
            return number, f"this statement ends with ';' but {follows}: end it with '.'"
        if code.endswith(",") and new_subject:
            return number, f"this statement ends with ',' but {follows}: end it with '.'"
        if code.endswith(",") and not new_subject:
            return number, (
                "this line ends with ',' (another value of the same property) but the next "
                "line starts a new property: use ';'"
            )
        if code.endswith(".") and not new_subject and not at_end:
            return number, (
                "this statement ends with '.' but the next line goes on with it (it is "
                "indented): use ';' before another property (',' before another value)"
            )
        if not code.endswith((".", ";", ",", "[", "(")) and new_subject:
            return number, f"this statement has no '.' at its end but {follows}: add ' .'"
    for rdflib_words, ours in _WORDS:
        if rdflib_words in why:
            return line, ours
    return line, why


# --- tokens: the light Turtle reader of `netkg fmt` and of the undefined-prefix report ----------


class UnreadableTurtle(ValueError):
    """No Turtle token starts at `line` (the text is not Turtle there)."""

    def __init__(self, line: int) -> None:
        super().__init__(f"line {line}: not Turtle")
        self.line = line


_TOKEN = re.compile(
    r"""
     (?P<ws>[ \t\r\n]+)
    |(?P<comment>\#[^\r\n]*)
    |(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    |(?P<long>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*''')
    |(?P<str>"(?:[^"\\\r\n]|\\.)*"|'(?:[^'\\\r\n]|\\.)*')
    |(?P<punct>[\[\]();,])
    |(?P<word>(?:\\.|[^\s<>"'\#;,\[\]()\\])+)
    """,
    re.VERBOSE | re.DOTALL,
)


def turtle_tokens(text: str) -> list[tuple[str, str, int, int]]:
    """(kind, text, offset, line) for each token of Turtle `text`, `word.` split into `word` and
    `.`; UnreadableTurtle where no token starts."""
    out: list[tuple[str, str, int, int]] = []
    pos, line = 0, 1
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise UnreadableTurtle(line)
        kind, value = m.lastgroup or "", m.group()
        if kind == "word":
            stripped = value.rstrip(".")
            if stripped:
                out.append((kind, stripped, pos, line))
            for k in range(len(stripped), len(value)):
                out.append(("punct", ".", pos + k, line))
        elif kind != "ws":
            out.append((kind, value, pos, line))
        line += value.count("\n")
        pos = m.end()
    return out


_PN_PREFIX = re.compile(r"[A-Za-z\u00C0-\uFFFF][\w.\-\u00B7\u00C0-\uFFFF]*|")


def undefined_prefixes(text: str) -> list[tuple[int, str]]:
    """(line, prefix) of the first use of each prefix used before or without its @prefix.

    rdflib stops at the first; this lists them all, so one run fixes a file.
    """
    try:
        tokens = turtle_tokens(text)
    except UnreadableTurtle:
        return []
    declared: set[str] = set()
    found: dict[str, int] = {}
    expect_prefix = False
    for kind, value, _offset, line in tokens:
        if kind != "word":
            continue
        if value.lower() in ("@prefix", "prefix"):
            expect_prefix = True
            continue
        if expect_prefix:
            declared.add(value.rstrip(":"))
            expect_prefix = False
            continue
        name = value.lstrip("^")
        if ":" not in name or name.startswith("_:"):
            continue
        prefix = name.split(":", 1)[0]
        if _PN_PREFIX.fullmatch(prefix) and prefix not in declared and prefix not in found:
            found[prefix] = line
    return [(line, prefix) for prefix, line in found.items()]
