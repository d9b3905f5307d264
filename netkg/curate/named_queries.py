"""The `api/*.rq` file format: each named query is `GET /api/<name>` and one OpenAPI operation.

A file starts with a grlc-style `#+` YAML header (summary, description, tags, params, columns);
inputs are `?_name` variables. This module parses and checks files (curator problems at file and
line, for `netkg validate` and start-up), and says what a value of each parameter type is
(`Param.term`). The service checks a request's values against the header and *binds* them as RDF
terms (netkg.web.api_binding: pyoxigraph substitutions, or a VALUES block on a remote store),
never splicing them into the text, so a hostile string is only ever a value.

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

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Self, get_args

import pyoxigraph as ox
import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    StringConstraints,
    ValidationError,
    model_validator,
)

from netkg.errors import BadRequest, NetkgError
from netkg.prefixes import PREFIXES
from netkg.sparql_tokens import without_comments

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when PyYAML has it: ten times faster, so start-up stays short."""

__all__ = [
    "RESERVED",
    "NamedQuery",
    "Param",
    "Problem",
    "QueryFileError",
    "check_query_files",
    "examples_graph",
    "json_value",
    "load_queries",
    "parse_query_file",
]

ParamType = Literal["string", "integer", "boolean", "iri", "language"]
PARAM_TYPES: tuple[str, ...] = get_args(ParamType)
RESERVED = frozenset({"limit", "offset", "format"})
"""Query-string names every endpoint has (paging and format); no header may declare them."""
MAX_VALUE_LENGTH = 1000
XSD = PREFIXES["xsd"]

#: Prefixes an `iri` parameter may be written with (`NCIT:C3809`, `id:surgery`).
IRI_PREFIXES: dict[str, str] = {
    p: PREFIXES[p] for p in ("id", "net", "NCIT", "MONDO", "mesh", "sct", "icdo", "schema")
}

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


def _text(value: object) -> object:
    """A YAML scalar as the text a query string carries (`true`, `12`); anything else as it is."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


Text = Annotated[StrictStr, BeforeValidator(_text)]
"""A value written in the header (default, enum entry, example): YAML's `true` or `12` count as
the text a client would send."""


class _HeaderPart(BaseModel):
    """A strict, frozen part of a `#+` header: unknown keys are errors. Each field's description
    says what it must be, and is the curator's error message when it is not (`_problem`)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Param(_HeaderPart):
    """A declared `?_name` input (one entry of the header's `params`): how to check a raw string,
    which RDF term to bind, and (`value_type`) the schema of the OpenAPI parameter."""

    name: Annotated[
        StrictStr, Field(pattern=_NAME.pattern, description=f"a name matching {_NAME.pattern}")
    ]
    type: Annotated[ParamType, Field(description="one of " + ", ".join(PARAM_TYPES))] = "string"
    description: Annotated[StrictStr, Field(description="text")] = ""
    enum: Annotated[
        tuple[Text, ...] | None, Field(min_length=1, description="a non-empty list")
    ] = None
    default: Annotated[Text | None, Field(description="a single value")] = None
    required: Annotated[StrictBool, Field(description="true or false")] = False
    minimum: Annotated[StrictInt | None, Field(alias="min", description="an integer")] = None
    maximum: Annotated[StrictInt | None, Field(alias="max", description="an integer")] = None
    example: Annotated[Text | None, Field(description="a single value")] = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        """The rules across keys; each names the parameter, as the field errors do."""
        said = f"parameter {self.name!r}: "
        if self.name in RESERVED:
            raise ValueError(f"{said}the name is reserved ({', '.join(sorted(RESERVED))})")
        for key, bound in (("min", self.minimum), ("max", self.maximum)):
            if bound is not None and self.type != "integer":
                raise ValueError(f"{said}'{key}' needs type integer")
        if self.required and self.default is not None:
            raise ValueError(f"{said}a required parameter can't have a default")
        if self.default is not None:
            try:
                self.term(self.default)
            except BadRequest as error:
                raise ValueError(
                    f"{said}default {self.default!r} is not valid: {error.message}"
                ) from None
        for value in self.enum or ():
            try:
                self.model_copy(update={"enum": None}).term(value)
            except BadRequest:
                raise ValueError(f"{said}enum value {value!r} is not a valid {self.type}") from None
        return self

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

    def value_type(self) -> Any:
        """The value as a pydantic type with its constraints and default: its JSON Schema is the
        OpenAPI parameter's schema (netkg.web.api). Requests are checked by `term` (through
        netkg.web.api_binding), for 400s that name the parameter; `enum` is stated in the schema
        over the type's constraints."""
        table: dict[str, tuple[type, dict[str, Any]]] = {
            "integer": (int, {"ge": self.minimum, "le": self.maximum}),
            "boolean": (bool, {}),
            "iri": (str, {"min_length": 1, "json_schema_extra": {"format": "iri"}}),
            "language": (str, {"pattern": _LANGUAGE.pattern}),
            "string": (str, {"min_length": 1, "max_length": MAX_VALUE_LENGTH}),
        }
        python, constraints = table[self.type]
        if self.enum is not None:
            enum = [json_value(self.type, v) for v in self.enum]
            extra = {**constraints.get("json_schema_extra", {}), "enum": enum}
            constraints = {**constraints, "json_schema_extra": extra}
        if self.default is not None:
            constraints["default"] = json_value(self.type, self.default)
        return Annotated[python, Field(**constraints)]

    def term(self, value: str) -> ox.NamedNode | ox.Literal:
        """The RDF term for one raw value, or BadRequest naming the parameter and what it accepts.

        Part of the file format: it is what `type`, `enum`, `min` and `max` mean, so a header's
        `default` and `enum` values are checked with it as well as a request's values."""
        if len(value) > MAX_VALUE_LENGTH:
            raise self._bad(value, " (too long)")
        if self.type in ("language", "boolean"):
            value = value.strip().lower()  # EN-CA and en-ca, TRUE and true, are the same value
        if self.enum is not None and value not in self.enum:
            raise self._bad(value)
        if self.type == "string":
            return ox.Literal(value)
        if self.type == "integer":
            if not _INTEGER.match(value.strip()):
                raise self._bad(value)
            number = int(value)
            if (self.minimum is not None and number < self.minimum) or (
                self.maximum is not None and number > self.maximum
            ):
                raise self._bad(value, " (out of range)")
            return ox.Literal(str(number), datatype=ox.NamedNode(XSD + "integer"))
        if self.type == "boolean":
            lowered = value.strip().lower()
            if lowered not in ("true", "false", "1", "0"):
                raise self._bad(value)
            return ox.Literal(lowered in ("true", "1"))
        if self.type == "language":
            if not _LANGUAGE.match(value):
                raise self._bad(value)
            return ox.Literal(value.lower())
        # iri
        curie = _CURIE.match(value)
        if curie and curie.group(1) in IRI_PREFIXES:
            value = IRI_PREFIXES[curie.group(1)] + curie.group(2)
        if not _IRI_SCHEME.match(value):
            raise self._bad(value)
        try:
            return ox.NamedNode(value)
        except ValueError:
            raise self._bad(value) from None

    def _bad(self, value: str, why: str = "") -> BadRequest:
        shown = value if len(value) <= 60 else value[:57] + "..."
        message = (
            f"parameter {self.name!r}: {shown!r} is not valid{why}; it accepts {self.accepts()}"
        )
        return BadRequest(message, detail={"parameter": self.name, "accepts": self.accepts()})


class Header(_HeaderPart):
    """The `#+` YAML header of an `api/*.rq` file (grlc-style)."""

    summary: Annotated[
        StrictStr,
        StringConstraints(strip_whitespace=True, min_length=1),
        Field(description="one line"),
    ]
    description: Annotated[StrictStr, Field(description="text")] = ""
    tags: Annotated[tuple[StrictStr, ...], Field(description="a list of words")] = ()
    params: Annotated[
        tuple[Param, ...],
        BeforeValidator(lambda v: () if v is None else v),
        Field(description="a list of parameters, each a mapping with at least 'name'"),
    ] = ()
    columns: Annotated[
        tuple[StrictStr, ...] | None,
        Field(min_length=1, description="the list of the output columns"),
    ] = None  # optional: the SELECT's own variables when left out
    example: Annotated[StrictBool, Field(description="true or false")] = True


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


def _header_problems(
    error: ValidationError,
    header: Mapping[str, Any],
    raw_params: Sequence[Any],
    key_line: Callable[[str], int],
    param_line: Callable[[int, object], int],
) -> Iterator[tuple[int, str]]:
    """(line, message) for each pydantic error of a header: at its key, or at its parameter."""
    for problem in error.errors(include_url=False):
        loc = problem["loc"]
        if len(loc) > 1 and loc[0] == "params" and isinstance(loc[1], int):
            raw = raw_params[loc[1]]
            named = raw.get("name") if isinstance(raw, dict) else None
            said = f"parameter {named!r}: " if isinstance(named, str) else ""
            yield param_line(loc[1], raw), _problem(Param, problem, loc[2:], raw, said)
        else:
            line = key_line(str(loc[0])) if loc else 1
            yield line, _problem(Header, problem, loc, header, "")


def _problem(
    model: type[BaseModel], error: Mapping[str, Any], loc: tuple[Any, ...], raw: object, said: str
) -> str:
    """A curator's message for one pydantic error in a header (`model` Header) or a parameter
    (`model` Param, `said` naming it): what the key must be, from its field's description."""
    fields = {info.alias or name: info for name, info in model.model_fields.items()}
    if error["type"] == "value_error":  # a rule across keys: its message says it all
        return str(error["msg"]).removeprefix("Value error, ")
    if not loc:
        return f"each entry of 'params' must be a mapping with at least 'name', not {raw!r}"
    key = str(loc[0])
    if error["type"] == "extra_forbidden":
        where = "header key" if model is Header else "key"
        return f"{said}unknown {where} {key!r}; allowed: {', '.join(sorted(fields))}"
    must = fields[key].description
    if error["type"] == "missing":
        return f"{said}{key!r} is required: {must}"
    given = raw.get(key) if isinstance(raw, dict) else error["input"]
    return f"{said}{key!r} must be {must}, not {given!r}"


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

    def param_line(index: int, raw: object) -> int:
        name = raw.get("name") if isinstance(raw, dict) else None
        if not name:
            return key_line("params") + index + 1
        return _line_of(lines, rf"name\s*:\s*['\"]?{re.escape(str(name))}['\"]?\s*$", header_length)

    given = header.get("params")
    raw_params: list[Any] = given if isinstance(given, list) else []
    try:
        parsed: Header | None = Header.model_validate(header)
    except ValidationError as error:
        parsed = None
        for problem in _header_problems(error, header, raw_params, key_line, param_line):
            if Problem(path, *problem) not in problems:  # one per key, not per list item
                problems.append(Problem(path, *problem))
    params = parsed.params if parsed is not None else ()
    lines_of = {
        p.name: param_line(i, raw)
        for i, (p, raw) in enumerate(zip(params, raw_params, strict=False))  # none: bad header
    }
    for index, param in enumerate(params):
        if any(p.name == param.name for p in params[:index]):
            line = param_line(index, raw_params[index])
            problems.append(Problem(path, line, f"parameter {param.name!r} declared twice"))

    body = "\n".join(lines[header_length:])
    code = without_comments(text)  # `?_x` in a comment is no use
    code_lines = code.splitlines()
    used = {m.group(1) for m in _PARAM_USE.finditer(code)}
    declared = {p.name for p in params}
    for unknown in sorted(used - declared) if parsed is not None else ():
        line = _line_of(code_lines, rf"[?$]_{re.escape(unknown)}\b")
        problems.append(Problem(path, line, f"?_{unknown} is used but not declared under 'params'"))
    for param in params:
        if param.name not in used:
            problems.append(
                Problem(
                    path,
                    lines_of[param.name],
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
        columns = output if parsed is None or parsed.columns is None else list(parsed.columns)
        if output != columns:
            problems.append(
                Problem(
                    path,
                    key_line("columns"),
                    f"'columns' {list(columns)} must equal the "
                    f"SELECT's output variables in order: {output}",
                )
            )
    if problems or parsed is None or projection is None:
        return None, problems
    return (
        NamedQuery(
            name=name,
            path=path,
            summary=parsed.summary,
            description=parsed.description.strip(),
            tags=parsed.tags,
            params=parsed.params,
            columns=tuple(columns),
            text=body.strip() + "\n",
            example=parsed.example,
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


# --- the examples in the graph ---------------------------------------------------------------


def examples_graph(folder: Path, base: str) -> Any:
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
