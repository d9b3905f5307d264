"""Named queries: each `api/<name>.rq` is `GET /api/<name>` and one OpenAPI operation.

A file starts with a grlc-style `#+` YAML header (summary, description, tags, params, columns);
inputs are `?_name` variables. Values are checked against the header, then *bound* as RDF terms
(pyoxigraph substitutions, or a VALUES block on a remote store) and never spliced into the text, so
a hostile string is only ever a value. A bad file fails at start-up with its file and line.

    #+ summary: Treatments and how often each is used
    #+ tags: [treatments]
    #+ params:
    #+   - name: lang
    #+     type: language
    #+     default: en
    #+ columns: [treatment, label]
    SELECT ?treatment ?label ?_lang WHERE { ... FILTER(LANG(?label) = ?_lang) } ORDER BY ?label

pyoxigraph substitutes only variables the SELECT projects, so every `?_name` is projected too; it
is dropped from the output, whose columns are exactly the declared ones. An optional parameter with
no default stays unbound: test it with `COALESCE(STR(?_name), "") = "" || …` (not `BOUND`, which
pyoxigraph answers false for a substituted parameter; and not `COALESCE(?x = ?_name, true)`, which
Virtuoso reads as false). A remote store
binds with a VALUES block at the top of WHERE, so use `?_name` only where that is in scope: in the
top-level group, its FILTERs and EXISTS, and the FILTER of a top-level OPTIONAL; not inside a
nested group, UNION branch or sub-select (a test runs every query both ways).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, NamedTuple
from xml.etree import ElementTree

import pyoxigraph as ox
import yaml

from netkg.errors import BadRequest, NetkgError, NotAcceptable
from netkg.prefixes import PREFIXES
from netkg.sparql_tokens import without_comments

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when PyYAML has it: ten times faster, so start-up stays short."""

__all__ = [
    "FORMATS",
    "LocalStore",
    "NamedQuery",
    "Param",
    "Problem",
    "QueryFileError",
    "QueryResult",
    "bind",
    "check_query_files",
    "examples_graph",
    "load_queries",
    "parse_query_file",
    "render",
    "run",
]

ParamType = Literal["string", "integer", "boolean", "iri", "language"]
PARAM_TYPES: tuple[str, ...] = ("string", "integer", "boolean", "iri", "language")
HEADER_KEYS = frozenset({"summary", "description", "tags", "params", "columns", "example"})
PARAM_KEYS = frozenset(
    {"name", "type", "description", "enum", "default", "required", "min", "max", "example"}
)
RESERVED = frozenset({"limit", "offset", "format"})
"""Query-string names every endpoint has (paging and format); no header may declare them."""
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_OFFSET = 10**9
MAX_VALUE_LENGTH = 1000
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

#: Prefixes an `iri` parameter may be written with (`NCIT:C3809`, `id:surgery`).
IRI_PREFIXES: dict[str, str] = {
    p: PREFIXES[p] for p in ("id", "net", "NCIT", "MONDO", "mesh", "sct", "icdo", "schema")
}

FORMATS: dict[str, str] = {
    "json": "application/json",
    "jsonld": "application/ld+json",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "srj": "application/sparql-results+json",
    "srx": "application/sparql-results+xml",
}
"""Suffix / `?format=` name -> media type of a named query's answer; JSON first (the default)."""
FORMAT_ALIASES = {"json-ld": "jsonld", "xml": "srx", "sparql-json": "srj", "sparql-xml": "srx"}
RQ_MEDIA_TYPE = "application/sparql-query"

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_FILE_NAME = re.compile(r"^[a-z][a-z0-9-]*$")
_PARAM_USE = re.compile(r"[?$]_([A-Za-z0-9_]+)")
_LANGUAGE = re.compile(r"^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$")
_INTEGER = re.compile(r"^[+-]?[0-9]{1,18}$")
_IRI_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]+$")
_CURIE = re.compile(r"^([A-Za-z][A-Za-z0-9_]*):([^\s<>\"{}|\\^`/][^\s<>\"{}|\\^`]*)$")
_LIMIT_CLAUSE = re.compile(r"\b(LIMIT|OFFSET)\s+\d+\s*$", re.IGNORECASE)


# --- errors and problems ---------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a query file; `str()` reads `api/x.rq:3: message` like a compiler."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class QueryFileError(NetkgError):
    """A named-query file that can't become an endpoint; raised at start-up, never at request."""

    exit_code = 2

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        first = self.problems[0]
        super().__init__(
            "; ".join(str(p) for p in self.problems),
            detail=[{"file": str(p.path), "line": p.line, "message": p.message} for p in problems],
        )
        self.path = first.path
        self.line = first.line


# --- the model of a query file ---------------------------------------------------------------


@dataclass(frozen=True)
class Param:
    """A declared `?_name` input: how to check a raw string and which RDF term to bind."""

    name: str
    type: ParamType = "string"
    description: str = ""
    enum: tuple[str, ...] | None = None
    default: str | None = None
    required: bool = False
    minimum: int | None = None
    maximum: int | None = None
    example: str | None = None
    line: int = 1

    def accepts(self) -> str:
        """What a valid value looks like, for 400 messages and the OpenAPI description."""
        if self.enum is not None:
            return "one of " + ", ".join(self.enum)
        if self.type == "integer":
            low = "" if self.minimum is None else f" >= {self.minimum}"
            high = "" if self.maximum is None else f" <= {self.maximum}"
            return "an integer" + (
                low + ("," if low and high else "") + high if low or high else ""
            )
        return {
            "string": f"a string of at most {MAX_VALUE_LENGTH} characters",
            "boolean": "true or false",
            "iri": "an absolute IRI or a CURIE (" + ", ".join(sorted(IRI_PREFIXES)) + ")",
            "language": "a language tag such as en or fr",
        }[self.type]

    def openapi_schema(self) -> dict[str, Any]:
        """The JSON Schema of this parameter in the OpenAPI document."""
        schema: dict[str, Any]
        if self.type == "integer":
            schema = {"type": "integer"}
            if self.minimum is not None:
                schema["minimum"] = self.minimum
            if self.maximum is not None:
                schema["maximum"] = self.maximum
        elif self.type == "boolean":
            schema = {"type": "boolean"}
        elif self.type == "iri":
            schema = {"type": "string", "format": "iri", "minLength": 1}
        elif self.type == "language":
            schema = {"type": "string", "pattern": _LANGUAGE.pattern}
        else:
            schema = {"type": "string", "minLength": 1, "maxLength": MAX_VALUE_LENGTH}
        if self.enum is not None:
            schema["enum"] = [json_value(self.type, v) for v in self.enum]
        if self.default is not None:
            schema["default"] = json_value(self.type, self.default)
        return schema


@dataclass(frozen=True)
class NamedQuery:
    """One parsed `api/<name>.rq`: its header, its SPARQL text and where it came from."""

    name: str
    path: Path
    summary: str
    description: str
    tags: tuple[str, ...]
    params: tuple[Param, ...]
    columns: tuple[str, ...]
    text: str
    example: bool = True
    param_lines: Mapping[str, int] = field(default_factory=dict)

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


def json_value(type_: str, raw: str) -> Any:
    if type_ == "integer":
        return int(raw)
    if type_ == "boolean":
        return raw.lower() == "true"
    return raw


# --- parsing and checking --------------------------------------------------------------------


def _header(lines: Sequence[str]) -> tuple[str, int]:
    """The YAML text of the leading `#+` block and how many lines it spans."""
    yaml_lines: list[str] = []
    for line in lines:
        stripped = line.rstrip("\r\n")
        if not stripped.startswith("#+"):
            break
        body = stripped[2:]
        yaml_lines.append(body[1:] if body.startswith(" ") else body)
    return "\n".join(yaml_lines), len(yaml_lines)


def _line_of(lines: Sequence[str], pattern: str, limit: int | None = None, default: int = 1) -> int:
    regex = re.compile(pattern)
    for number, line in enumerate(lines[:limit] if limit else lines, start=1):
        if regex.search(line):
            return number
    return default


def _check_param(raw: object, line: int, problems: list[Problem], path: Path) -> Param | None:
    def fail(message: str) -> None:
        problems.append(Problem(path, line, message))

    if not isinstance(raw, dict):
        fail("each entry of 'params' must be a mapping with at least 'name' and 'type'")
        return None
    unknown = sorted(set(raw) - PARAM_KEYS)
    if unknown:
        fail(
            f"unknown key(s) {', '.join(map(str, unknown))}; "
            f"allowed: {', '.join(sorted(PARAM_KEYS))}"
        )
    name = raw.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        fail(f"parameter name {name!r} must match {_NAME.pattern}")
        return None
    if name in RESERVED:
        fail(f"parameter name {name!r} is reserved ({', '.join(sorted(RESERVED))})")
        return None
    type_ = raw.get("type", "string")
    if type_ not in PARAM_TYPES:
        fail(f"parameter {name!r}: type {type_!r} is not one of {', '.join(PARAM_TYPES)}")
        return None

    def text(value: object) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    enum_raw = raw.get("enum")
    enum: tuple[str, ...] | None = None
    if enum_raw is not None:
        if not isinstance(enum_raw, list) or not enum_raw:
            fail(f"parameter {name!r}: 'enum' must be a non-empty list")
        else:
            enum = tuple(text(v) for v in enum_raw)
    bounds: dict[str, int | None] = {}
    for key in ("min", "max"):
        value = raw.get(key)
        if value is not None and (type_ != "integer" or not isinstance(value, int)):
            fail(f"parameter {name!r}: '{key}' needs type integer and an integer value")
            value = None
        bounds[key] = value
    required = raw.get("required", False)
    if not isinstance(required, bool):
        fail(f"parameter {name!r}: 'required' must be true or false")
        required = False
    description = raw.get("description", "")
    param = Param(
        name=name,
        type=type_,
        description=str(description),
        enum=enum,
        required=required,
        minimum=bounds["min"],
        maximum=bounds["max"],
        example=None if raw.get("example") is None else text(raw["example"]),
        line=line,
    )
    default = raw.get("default")
    if default is not None:
        if required:
            fail(f"parameter {name!r}: a required parameter can't have a default")
        try:
            _term(param, text(default))
        except BadRequest as error:
            fail(f"parameter {name!r}: default {default!r} is not valid: {error.message}")
        param = Param(**{**param.__dict__, "default": text(default)})
    if enum is not None:
        for value in enum:
            try:
                _term(Param(**{**param.__dict__, "enum": None}), value)
            except BadRequest:
                fail(f"parameter {name!r}: enum value {value!r} is not a valid {type_}")
    return param


def _projection(text: str) -> tuple[list[str] | None, str | None]:
    """The SELECT's projected variables (running it on an empty store), or a syntax error."""
    try:
        answer = ox.Store().query(text)
    except SyntaxError as error:
        return None, str(error)
    if not isinstance(answer, ox.QuerySolutions):
        return None, "a named query must be a SELECT query"
    return [v.value for v in answer.variables], None


def _parse(path: Path) -> tuple[NamedQuery | None, list[Problem]]:
    problems: list[Problem] = []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return None, [Problem(path, 1, f"can't read the file: {error}")]
    lines = text.splitlines()
    name = path.stem
    if not _FILE_NAME.match(name):
        problems.append(Problem(path, 1, f"file name {name!r} must match {_FILE_NAME.pattern}"))
    header_text, header_length = _header(lines)
    if header_length == 0:
        return None, [Problem(path, 1, "no '#+' YAML header (summary, params, columns) at the top")]
    try:
        header = yaml.load(header_text, Loader=_YAML_LOADER)
    except yaml.YAMLError as error:
        # where the broken construct starts (context) beats where the parser gave up (problem)
        mark = getattr(error, "context_mark", None) or getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        reason = " ".join(
            str(part)
            for part in (getattr(error, "context", None), getattr(error, "problem", None))
            if part
        ) or str(error)
        return None, [Problem(path, line, f"malformed YAML header: {reason}")]
    if not isinstance(header, dict):
        return None, [Problem(path, 1, "the '#+' header must be a YAML mapping")]

    def key_line(key: str) -> int:
        return _line_of(lines, rf"^#\+\s*{re.escape(key)}\s*:", header_length)

    for key in sorted(set(header) - HEADER_KEYS):
        problems.append(
            Problem(
                path,
                key_line(str(key)),
                f"unknown header key {key!r}; allowed: {', '.join(sorted(HEADER_KEYS))}",
            )
        )
    summary = header.get("summary")
    if not isinstance(summary, str) or not summary.strip():
        problems.append(Problem(path, key_line("summary"), "'summary' is required (one line)"))
        summary = ""
    description = header.get("description", "")
    if not isinstance(description, str):
        problems.append(Problem(path, key_line("description"), "'description' must be text"))
        description = ""
    tags = header.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        problems.append(Problem(path, key_line("tags"), "'tags' must be a list of words"))
        tags = []
    columns = header.get("columns")  # optional: the SELECT's own variables when left out
    declared_columns = columns is not None
    if columns is None:
        columns = []
    elif (
        not isinstance(columns, list) or not columns or not all(isinstance(c, str) for c in columns)
    ):
        problems.append(
            Problem(path, key_line("columns"), "'columns' must list the output columns")
        )
        columns = []
    example = header.get("example", True)
    if not isinstance(example, bool):
        problems.append(Problem(path, key_line("example"), "'example' must be true or false"))
        example = True
    raw_params = header.get("params", [])
    if raw_params is None:
        raw_params = []
    params: list[Param] = []
    if not isinstance(raw_params, list):
        problems.append(Problem(path, key_line("params"), "'params' must be a list"))
        raw_params = []
    for index, raw in enumerate(raw_params):
        pname = raw.get("name") if isinstance(raw, dict) else None
        line = (
            _line_of(lines, rf"name\s*:\s*['\"]?{re.escape(str(pname))}['\"]?\s*$", header_length)
            if pname
            else key_line("params") + index + 1
        )
        param = _check_param(raw, line, problems, path)
        if param is not None:
            if any(p.name == param.name for p in params):
                problems.append(Problem(path, line, f"parameter {param.name!r} declared twice"))
            else:
                params.append(param)

    body = "\n".join(lines[header_length:])
    code = without_comments(text)  # `?_x` in a comment is no use
    code_lines = code.splitlines()
    used = {m.group(1) for m in _PARAM_USE.finditer(code)}
    declared = {p.name for p in params}
    for unknown in sorted(used - declared):
        line = _line_of(code_lines, rf"[?$]_{re.escape(unknown)}\b")
        problems.append(Problem(path, line, f"?_{unknown} is used but not declared under 'params'"))
    for param in params:
        if param.name not in used:
            problems.append(
                Problem(
                    path,
                    param.line,
                    f"parameter {param.name!r} is declared but the query never uses ?_{param.name}",
                )
            )
    if _LIMIT_CLAUSE.search(code.strip()):
        problems.append(
            Problem(path, len(lines), "don't end a named query with LIMIT/OFFSET: paging adds them")
        )
    projection, syntax_error = _projection(text)
    if syntax_error is not None:
        match = re.search(r"(?:line |at )(\d+)", syntax_error)
        line = int(match.group(1)) if match else header_length + 1
        problems.append(Problem(path, line, f"SPARQL: {syntax_error}"))
    elif projection is not None:
        select_line = _line_of(lines, r"(?i)^\s*SELECT\b", None, header_length + 1)
        for param in params:
            if param.name in used and "_" + param.name not in projection:
                problems.append(
                    Problem(
                        path,
                        select_line,
                        f"add ?_{param.name} to the SELECT clause: "
                        "pyoxigraph binds only projected variables",
                    )
                )
        output = [v for v in projection if not v.startswith("_")]
        if not declared_columns:
            columns = output
        elif columns and output != list(columns):
            problems.append(
                Problem(
                    path,
                    key_line("columns"),
                    f"'columns' {list(columns)} must equal the "
                    f"SELECT's output variables in order: {output}",
                )
            )
    if problems:
        return None, problems
    return (
        NamedQuery(
            name=name,
            path=path,
            summary=summary.strip(),
            description=description.strip(),
            tags=tuple(tags),
            params=tuple(params),
            columns=tuple(columns),
            text=body.strip() + "\n",
            example=example,
        ),
        [],
    )


def parse_query_file(path: Path) -> NamedQuery:
    """Parse and check one `.rq` file; raise QueryFileError (with file and line) when it is bad."""
    query, problems = _parse(Path(path))
    if query is None:
        raise QueryFileError(problems)
    return query


def check_query_files(folder: Path) -> list[Problem]:
    """Every problem of every `*.rq` in `folder` (empty when all are good), for `netkg validate`."""
    problems: list[Problem] = []
    for path in sorted(Path(folder).glob("*.rq")):
        problems.extend(_parse(path)[1])
    return problems


def load_queries(folder: Path) -> dict[str, NamedQuery]:
    """All named queries of `folder`, by name; any bad file stops start-up (QueryFileError)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise QueryFileError([Problem(folder, 1, "the named-query folder does not exist")])
    queries: dict[str, NamedQuery] = {}
    problems: list[Problem] = []
    for path in sorted(folder.glob("*.rq")):
        query, found = _parse(path)
        problems.extend(found)
        if query is not None:
            queries[query.name] = query
    if problems:
        raise QueryFileError(problems)
    return queries


# --- binding ---------------------------------------------------------------------------------


def _bad(param: Param, value: str, why: str = "") -> BadRequest:
    shown = value if len(value) <= 60 else value[:57] + "..."
    message = f"parameter {param.name!r}: {shown!r} is not valid{why}; it accepts {param.accepts()}"
    return BadRequest(message, detail={"parameter": param.name, "accepts": param.accepts()})


def _term(param: Param, value: str) -> ox.NamedNode | ox.Literal:
    """The RDF term for one raw value, or BadRequest naming the parameter and what it accepts."""
    if len(value) > MAX_VALUE_LENGTH:
        raise _bad(param, value, " (too long)")
    if param.type in ("language", "boolean"):
        value = value.strip().lower()  # EN-CA and en-ca, TRUE and true, are the same value
    if param.enum is not None and value not in param.enum:
        raise _bad(param, value)
    if param.type == "string":
        return ox.Literal(value)
    if param.type == "integer":
        if not _INTEGER.match(value.strip()):
            raise _bad(param, value)
        number = int(value)
        if (param.minimum is not None and number < param.minimum) or (
            param.maximum is not None and number > param.maximum
        ):
            raise _bad(param, value, " (out of range)")
        return ox.Literal(str(number), datatype=ox.NamedNode(XSD + "integer"))
    if param.type == "boolean":
        lowered = value.strip().lower()
        if lowered not in ("true", "false", "1", "0"):
            raise _bad(param, value)
        return ox.Literal(lowered in ("true", "1"))
    if param.type == "language":
        if not _LANGUAGE.match(value):
            raise _bad(param, value)
        return ox.Literal(value.lower())
    # iri
    curie = _CURIE.match(value)
    if curie and curie.group(1) in IRI_PREFIXES:
        value = IRI_PREFIXES[curie.group(1)] + curie.group(2)
    if not _IRI_SCHEME.match(value):
        raise _bad(param, value)
    try:
        return ox.NamedNode(value)
    except ValueError:
        raise _bad(param, value) from None


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
        bound[param.name] = _term(param, given)
    return bound


def paging(values: Sequence[tuple[str, str]]) -> tuple[int, int]:
    """`limit` (default 100, 1..1000) and `offset` (>= 0) from the query string; 400 otherwise."""
    found = {"limit": str(DEFAULT_LIMIT), "offset": "0"}
    for name, raw in values:
        if name in found:
            found[name] = raw
    limit_param = Param("limit", "integer", minimum=1, maximum=MAX_LIMIT)
    offset_param = Param("offset", "integer", minimum=0, maximum=MAX_OFFSET)
    limit = int(_term(limit_param, found["limit"]).value)
    offset = int(_term(offset_param, found["offset"]).value)
    return limit, offset


# --- running ---------------------------------------------------------------------------------


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


def _solutions(body: bytes) -> list[dict[str, Any]]:
    parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    if not isinstance(parsed, ox.QuerySolutions):
        raise NetkgError("a named query answered with something other than solutions")
    names = [v.value for v in parsed.variables]
    return [
        {name: solution[name] for name in names if solution[name] is not None}
        for solution in parsed
    ]


def run(
    store: Any,
    query: NamedQuery,
    values: Sequence[tuple[str, str]],
    *,
    timeout: float | None = None,
) -> QueryResult:
    """Check, bind and run `query` on a netkg `Store` (store.py protocol), one page at a time."""
    bound = bind(query, values)
    limit, offset = paging(values)
    answer = store.query(
        paged_text(query, limit, offset),
        solutions_format="application/sparql-results+json",
        substitutions={"_" + name: term for name, term in bound.items()},
        timeout=timeout,
        trusted=True,  # a named query: reviewed code, run in the serving process
    )
    rows = _solutions(answer.body)
    truncated = len(rows) > limit
    rows = [{c: row[c] for c in query.columns if c in row} for row in rows[:limit]]
    return QueryResult(query, query.columns, rows, limit, offset, truncated)


def run_local(
    store: ox.Store, query: NamedQuery, values: Sequence[tuple[str, str]] = ()
) -> QueryResult:
    """Run on a plain pyoxigraph Store (tests, `netkg validate`): same checks, same binding."""
    return run(LocalStore(store), query, values)


class _LocalAnswer(NamedTuple):
    kind: str
    media_type: str
    body: bytes


class LocalStore:
    """The smallest adapter from a pyoxigraph.Store to the store protocol's `query`.

    For code that runs without the service (tests, `netkg validate`): SELECT answers in SPARQL
    JSON, CONSTRUCT answers in N-Triples, bound parameters as substitutions.
    """

    def __init__(self, store: ox.Store) -> None:
        self.store = store

    def query(self, sparql: str, **options: Any) -> _LocalAnswer:
        substitutions = {ox.Variable(k): v for k, v in (options.get("substitutions") or {}).items()}
        answer = self.store.query(
            sparql, substitutions=substitutions or None, use_default_graph_as_union=True
        )
        if isinstance(answer, ox.QuerySolutions):
            body = answer.serialize(format=ox.QueryResultsFormat.JSON)
            assert body is not None
            return _LocalAnswer("solutions", "application/sparql-results+json", body)
        if isinstance(answer, ox.QueryTriples):
            graph = ox.serialize(answer, format=ox.RdfFormat.N_TRIPLES)
            assert graph is not None
            return _LocalAnswer("graph", "application/n-triples", graph)
        raise NetkgError("ASK queries are not used here")


# --- rendering -------------------------------------------------------------------------------


def plain(term: ox.NamedNode | ox.Literal | ox.BlankNode | None) -> Any:
    """A term as a plain JSON value: IRIs and strings as text, numbers and booleans as such."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    datatype = term.datatype.value
    if datatype in (XSD + "integer", XSD + "int", XSD + "long", XSD + "nonNegativeInteger"):
        try:
            return int(term.value)
        except ValueError:
            return term.value
    if datatype in (XSD + "decimal", XSD + "double", XSD + "float"):
        try:
            return float(term.value)
        except ValueError:
            return term.value
    if datatype == XSD + "boolean":
        return term.value in ("true", "1")
    return term.value


def _sparql_json_term(term: Any) -> dict[str, str]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != XSD + "string":
        out["datatype"] = term.datatype.value
    return out


def _jsonld_value(term: Any) -> Any:
    if isinstance(term, ox.NamedNode):
        return {"@id": term.value}
    if isinstance(term, ox.BlankNode):
        return {"@id": "_:" + term.value}
    if term.language:
        return {"@value": term.value, "@language": term.language}
    if term.datatype.value == XSD + "string":
        return term.value
    return {"@value": term.value, "@type": term.datatype.value}


def _friendly(result: QueryResult, links: Mapping[str, str | None]) -> dict[str, Any]:
    return {
        "query": result.query.name,
        "columns": list(result.columns),
        "rows": [{c: plain(row.get(c)) for c in result.columns} for row in result.rows],
        "count": len(result.rows),
        "limit": result.limit,
        "offset": result.offset,
        "truncated": result.truncated,
        "next": links.get("next"),
        "links": dict(links),
    }


def render(
    result: QueryResult, media_type: str, base: str, links: Mapping[str, str | None]
) -> bytes:
    """Serialise one page in `media_type` (one of FORMATS' values)."""
    columns = list(result.columns)
    if media_type == "application/json":
        return _dumps(_friendly(result, links))
    if media_type == "application/sparql-results+json":
        return _dumps(
            {
                "head": {"vars": columns},
                "results": {
                    "bindings": [
                        {c: _sparql_json_term(t) for c, t in row.items()} for row in result.rows
                    ]
                },
            }
        )
    if media_type == "application/ld+json":
        vocab = f"{base}api/{result.query.name}#"
        graph = [{c: _jsonld_value(t) for c, t in row.items()} for row in result.rows]
        return _dumps({"@context": {"@vocab": vocab}, "@graph": graph})
    if media_type == "text/csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(columns)
        for row in result.rows:
            writer.writerow(["" if row.get(c) is None else str(row[c].value) for c in columns])
        return buffer.getvalue().encode("utf-8")
    if media_type == "text/tab-separated-values":
        lines = ["\t".join("?" + c for c in columns)]
        for row in result.rows:
            lines.append("\t".join("" if row.get(c) is None else str(row[c]) for c in columns))
        return ("\n".join(lines) + "\n").encode("utf-8")
    if media_type == "application/sparql-results+xml":
        return _srx(columns, result.rows)
    raise NotAcceptable(f"no serialisation {media_type!r} for named queries")


def _srx(columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> bytes:
    ns = "http://www.w3.org/2005/sparql-results#"
    ElementTree.register_namespace("", ns)
    root = ElementTree.Element(f"{{{ns}}}sparql")
    head = ElementTree.SubElement(root, f"{{{ns}}}head")
    for column in columns:
        ElementTree.SubElement(head, f"{{{ns}}}variable", name=column)
    results = ElementTree.SubElement(root, f"{{{ns}}}results")
    for row in rows:
        result = ElementTree.SubElement(results, f"{{{ns}}}result")
        for column, term in row.items():
            binding = ElementTree.SubElement(result, f"{{{ns}}}binding", name=column)
            if isinstance(term, ox.NamedNode):
                ElementTree.SubElement(binding, f"{{{ns}}}uri").text = term.value
            elif isinstance(term, ox.BlankNode):
                ElementTree.SubElement(binding, f"{{{ns}}}bnode").text = term.value
            else:
                literal = ElementTree.SubElement(binding, f"{{{ns}}}literal")
                literal.text = term.value
                if term.language:
                    literal.set("{http://www.w3.org/XML/1998/namespace}lang", term.language)
                elif term.datatype.value != XSD + "string":
                    literal.set("datatype", term.datatype.value)
    return bytes(ElementTree.tostring(root, encoding="utf-8", xml_declaration=True))


def _dumps(document: object) -> bytes:
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


# --- the examples in the graph ---------------------------------------------------------------


def examples_graph(folder: Path, base: str = "https://w3id.org/netkg/") -> Any:
    """The named queries as `sh:SPARQLExecutable` examples (as UniProt publishes its own).

    The SPARQL editor and the release show the very files the API runs, so they can't drift.
    Returns an rdflib Graph; each example is `<base>id/query/<name>`.
    """
    from rdflib import RDF, RDFS, Graph, Literal, Namespace, URIRef

    sh = Namespace("http://www.w3.org/ns/shacl#")
    schema = Namespace("https://schema.org/")
    dcterms = Namespace("http://purl.org/dc/terms/")
    graph = Graph()
    graph.bind("sh", sh)
    graph.bind("schema", schema)
    graph.bind("dcterms", dcterms)
    for query in load_queries(folder).values():
        if not query.example:
            continue
        node = URIRef(f"{base}id/query/{query.name}")
        graph.add((node, RDF.type, sh.SPARQLExecutable))
        graph.add((node, RDF.type, sh.SPARQLSelectExecutable))
        graph.add((node, RDFS.label, Literal(query.summary, lang="en")))
        if query.description:
            graph.add((node, RDFS.comment, Literal(query.description, lang="en")))
        graph.add((node, sh.select, Literal(query.text)))
        graph.add((node, schema.target, URIRef(f"{base}sparql")))
        graph.add((node, dcterms.identifier, Literal(query.name)))
        for tag in query.tags:
            graph.add((node, schema.keywords, Literal(tag)))
    return graph
