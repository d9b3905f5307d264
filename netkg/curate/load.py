"""Find the curated Turtle sources and parse them, remembering the file and line of every triple.

pyshacl reports focus nodes but never where they are written; curators need `data/x.ttl:12`.
netkg subclasses rdflib's Turtle parser (`SinkParser`) and records, for each triple it emits, the
line where the triple's *object* starts (the line a curator edits) and the line of its statement's
subject (where a resource is defined), from character offsets. The triple terms are rdflib's own,
so a SHACL result's focus/path/value looks up exactly.
Every file is parsed even when an earlier one is broken, so one run reports every broken file.

    >>> sources = load_files(find_sources(Path(".")))   # doctest: +SKIP
    >>> sources.locate(URIRef("https://w3id.org/netkg/id/surgery"))  # doctest: +SKIP
    Location(file=PosixPath('data/treatments.ttl'), line=12)
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterator, MutableSequence, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, SH
from rdflib.plugins.parsers.notation3 import BadSyntax, RDFSink, SinkParser
from rdflib.term import Node

from netkg.curate.bnodes import canonical_graph
from netkg.curate.syntax import explain, line_starts, undefined_prefixes
from netkg.errors import SourceError
from netkg.prefixes import PREFIXES

__all__ = [
    "RDF_SUFFIXES",
    "SOURCE_DIRS",
    "LoadedSources",
    "Location",
    "Role",
    "SourceFile",
    "SourceProblem",
    "Sources",
    "Stated",
    "find_sources",
    "load_files",
    "load_sources",
    "parse_turtle",
    "syntax_problem",
]

SOURCE_DIRS: tuple[str, ...] = ("ontology", "data", "shapes")
RDF_SUFFIXES: tuple[str, ...] = (".ttl", ".nt")
LARGE_FILE_BYTES = 8 * 1024 * 1024

Role = Literal["ontology", "data", "shapes"]
Triple = tuple[Node, Node, Node]
ProgressCallback = Callable[[Path, int], None]


@dataclass(frozen=True, slots=True)
class Location:
    """Where a triple is written: the file (as given) and the 1-based line."""

    file: Path
    line: int


@dataclass(frozen=True, slots=True)
class Stated:
    """One triple as stated in a file: predicate, object, where the object is written, and the
    line of the statement's subject (where a resource is defined, for findings about it)."""

    predicate: Node
    object: Node
    location: Location
    subject_line: int

    @property
    def subject_location(self) -> Location:
        return Location(self.location.file, self.subject_line)


@dataclass(frozen=True)
class SourceProblem:
    """A file that could not be read: why, and where if the parser said."""

    file: Path
    line: int | None
    message: str
    check: str = "syntax"
    prefix: str | None = None  # for an undefined prefix: which one

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else str(self.file)
        return f"{where}: {self.message}"


@dataclass
class SourceFile:
    path: Path
    role: Role
    triples: int
    prefixes: dict[str, str]


@dataclass
class LoadedSources:
    """The parsed sources: one graph per role plus where each subject's triples are written."""

    root: Path
    files: list[SourceFile]
    ontology: Graph
    data: Graph
    shapes: Graph
    prefixes: dict[str, str]
    by_subject: dict[Node, list[Stated]] = field(default_factory=dict)

    def graph(self, role: Role) -> Graph:
        return cast(Graph, getattr(self, role))

    def locate(
        self, subject: Node, predicate: Node | None = None, obj: Node | None = None
    ) -> Location | None:
        """The most precise location known: the triple, else (subject, predicate), else where
        the subject is defined."""
        stated = self.by_subject.get(subject, [])
        if not stated:
            return None
        if predicate is not None:
            same_p = [st for st in stated if st.predicate == predicate]
            if obj is not None:
                for st in same_p:
                    if st.object == obj:
                        return st.location
            if same_p:
                return same_p[0].location
        return self.definition(subject)

    def definition(self, subject: Node) -> Location | None:
        """Where `subject` is defined: the subject line of the statement that gives its
        rdf:type, else of the one that says most about it (not a file that only mentions it,
        such as a mapping). A blank node: the first line it is described on."""
        stated = self.by_subject.get(subject, [])
        if not stated:
            return None
        if not isinstance(subject, URIRef):
            return min((st.location for st in stated), key=lambda loc: (str(loc.file), loc.line))
        blocks: dict[Location, list[Stated]] = {}
        for st in stated:
            blocks.setdefault(st.subject_location, []).append(st)

        def rank(item: tuple[Location, list[Stated]]) -> tuple[bool, int, str, int]:
            where, said = item
            typed = any(st.predicate == RDF.type for st in said)
            return (not typed, -len(said), str(where.file), where.line)

        return min(blocks.items(), key=rank)[0]

    def locate_object(self, obj: Node, predicate: Node | None = None) -> Location | None:
        """Where `obj` appears as an object (for inverse paths and nodes never described)."""
        for stated in self.by_subject.values():
            for st in stated:
                if st.object == obj and (predicate is None or st.predicate == predicate):
                    return st.location
        return None

    def subject_files(self) -> Iterator[tuple[Node, list[Path]]]:
        """Each IRI subject with the files it is described in (sorted, distinct)."""
        for subject, stated in self.by_subject.items():
            if isinstance(subject, URIRef):
                yield subject, sorted({st.location.file for st in stated})


# --- parsing --------------------------------------------------------------------------------

_SPACE = re.compile(r"(?:[ \t\r\n]|#[^\n]*)*")


class _LineSink(RDFSink):
    """Adds each triple to the graph and remembers the line the parser gives for it."""

    def __init__(self, graph: Graph, file: Path, index: dict[Node, list[Stated]]) -> None:
        super().__init__(graph)
        self.file = file
        self.index = index
        self.parser: _LineParser | None = None
        self.count = 0

    def makeStatement(self, quadruple: Any, why: Any = None) -> None:
        f, p, s, o = quadruple
        s, p, o = self.normalise(f, s), self.normalise(f, p), self.normalise(f, o)
        parser = self.parser
        line = parser.next_object_line() if parser is not None else 0
        subject_line = parser.subject_line if parser is not None else 0
        self.count += 1
        if (s, p, o) in self.graph:  # stated twice: the first place is where it is
            return
        self.graph.add((s, p, o))
        self.index.setdefault(s, []).append(Stated(p, o, Location(self.file, line), subject_line))


class _LineParser(SinkParser):
    """rdflib's Turtle parser, noting the line where each statement's subject and each object of
    an object list starts. Lines come from character offsets: rdflib's own line counter counts a
    line again each time the parser backtracks over it, so it drifts (313 for 292)."""

    def __init__(self, sink: _LineSink, base: str, text: str) -> None:
        super().__init__(sink, baseURI=base, turtle=True)
        self._frames: list[list[int]] = []
        self._pending: list[int] = []
        self._line_starts = line_starts(text)
        self.subject_line = 0

    def line_at(self, offset: int) -> int:
        return bisect.bisect_right(self._line_starts, offset)

    def _start_line(self, argstr: str, i: int) -> int:
        start = _SPACE.match(argstr, i)
        return self.line_at(start.end() if start else i)

    def statement(self, argstr: str, i: int) -> int:
        self.subject_line = self._start_line(argstr, i)
        return int(super().statement(argstr, i))

    def objectList(self, argstr: str, i: int, res: MutableSequence[Any]) -> int:
        self._frames.append([])
        try:
            j = int(super().objectList(argstr, i, res))
        finally:
            frame = self._frames.pop()
        self._pending = frame
        return j

    def object(self, argstr: str, i: int, res: MutableSequence[Any]) -> int:
        line = self._start_line(argstr, i)
        j = int(super().object(argstr, i, res))
        if j >= 0 and self._frames:
            self._frames[-1].append(line)
        return j

    def next_object_line(self) -> int:
        if self._pending:
            return self._pending.pop(0)
        return self.subject_line


def parse_turtle(
    text: str, graph: Graph, file: Path, index: dict[Node, list[Stated]]
) -> tuple[int, dict[str, str]]:
    """Parse Turtle (or N-Triples) `text` into `graph`; return (triples, declared prefixes).

    Raises BadSyntax like rdflib does; `index` gains every triple's location.
    """
    sink = _LineSink(graph, file, index)
    parser = _LineParser(sink, file.resolve().as_uri(), text)
    sink.parser = parser
    parser.loadBuf(text)
    prefixes = {str(k): str(v) for k, v in parser._bindings.items() if k}
    for prefix, namespace in prefixes.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return sink.count, prefixes


def _role_from_path(root: Path, file: Path) -> Role | None:
    try:
        parts = file.resolve().relative_to(root.resolve()).parts
    except ValueError:
        parts = file.parts
    for part in reversed(parts[:-1]):
        if part in SOURCE_DIRS:
            return cast(Role, part)
    return None


def _role_from_content(graph: Graph) -> Role:
    for shape_class in (SH.NodeShape, SH.PropertyShape):
        if (None, RDF.type, shape_class) in graph:
            return "shapes"
    if (None, RDF.type, OWL.Ontology) in graph:
        return "ontology"
    return "data"


def _syntax_problems(file: Path, error: BadSyntax, text: str) -> list[SourceProblem]:
    """The parser's error; for an undefined prefix, every undefined prefix of the file."""
    if "not bound" in str(error._why):
        found = undefined_prefixes(text)
        if found:
            return [
                SourceProblem(file, line, "", "undefined-prefix", prefix) for line, prefix in found
            ]
    return [syntax_problem(file, error, text)]


def _with_fix(problem: SourceProblem, known: dict[str, str]) -> SourceProblem:
    """Say how to declare an undefined prefix, with its IRI when another file declares it."""
    if problem.prefix is None:
        return problem
    p = problem.prefix
    iri, note = (known[p], " (as the other files declare it)") if p in known else ("…", "")
    message = f"undefined prefix {p}: — add `@prefix {p}: <{iri}> .` at the top of the file{note}"
    return SourceProblem(problem.file, problem.line, message, problem.check, p)


def syntax_problem(file: Path, error: BadSyntax, text: str) -> SourceProblem:
    """rdflib's BadSyntax as a curator reads it: the line to edit, the fix, and that line."""
    why = str(error._why)
    check = "undefined-prefix" if "not bound" in why else "syntax"
    line, message = explain(text, error._i, why)
    lines = text.split("\n")
    context = lines[line - 1].strip() if 0 < line <= len(lines) else ""
    message += f" — `{context[:80]}`" if context else ""
    return SourceProblem(file, line, message, check)


def _display(root: Path, file: Path) -> Path:
    """The path as a curator and a CI annotation want it: relative to root when possible."""
    try:
        return file.resolve().relative_to(root.resolve())
    except ValueError:
        return file


def find_sources(root: Path, paths: Sequence[Path] = ()) -> list[Path]:
    """The Turtle files to load: `paths` (files or folders), else ontology/, data/, shapes/.

    Raises SourceError naming every missing path and every explicit folder with no Turtle files.
    """
    problems: list[SourceProblem] = []
    found: list[Path] = []
    if paths:
        targets = [(Path(p), True) for p in paths]
    else:
        targets = [(root / d, False) for d in SOURCE_DIRS]
    for target, explicit in targets:
        if target.is_dir():
            files = sorted(f for f in target.rglob("*") if f.suffix in RDF_SUFFIXES and f.is_file())
            if not files and explicit:
                problems.append(
                    SourceProblem(target, None, "folder has no .ttl or .nt files", "missing")
                )
            found.extend(files)
        elif target.is_file():
            found.append(target)
        elif explicit:
            problems.append(SourceProblem(target, None, "no such file or folder", "missing"))
    if problems:
        raise SourceError(_summary(problems), detail=problems)
    if not found:
        where = ", ".join(f"{d}/" for d in SOURCE_DIRS)
        problem = SourceProblem(root, None, f"nothing to load: no .ttl files in {where}", "missing")
        raise SourceError(str(problem), detail=[problem])
    seen: set[Path] = set()
    unique = []
    for f in found:
        key = f.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return unique


def _summary(problems: Sequence[SourceProblem]) -> str:
    head = f"{len({p.file for p in problems})} source file(s) could not be read:"
    return "\n".join([head, *(f"  {p}" for p in problems)])


def load_files(
    files: Sequence[Path], root: Path | None = None, progress: ProgressCallback | None = None
) -> LoadedSources:
    """Parse every file into its role's graph; raise SourceError listing every broken file.

    A file's role is the source folder it sits in (ontology/, data/, shapes/), else guessed
    from its content (shapes if it declares a shape, ontology if it declares owl:Ontology).
    `progress(path, size)` is called before each large file, for a progress display.
    """
    base = root if root is not None else Path.cwd()
    graphs: dict[Role, Graph] = {
        r: Graph(bind_namespaces="none") for r in ("ontology", "data", "shapes")
    }
    index: dict[Node, list[Stated]] = {}
    problems: list[SourceProblem] = []
    loaded: list[SourceFile] = []
    prefixes: dict[str, str] = {}
    for file in files:
        shown = _display(base, Path(file))
        if Path(file).suffix not in RDF_SUFFIXES:
            problems.append(
                SourceProblem(
                    shown, None, "not an RDF source: expected a .ttl or .nt file", "not-rdf"
                )
            )
            continue
        try:
            raw = Path(file).read_bytes()
        except OSError as error:
            problems.append(SourceProblem(shown, None, f"cannot read: {error.strerror}", "missing"))
            continue
        if progress is not None and len(raw) >= LARGE_FILE_BYTES:
            progress(shown, len(raw))
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            line = raw.count(b"\n", 0, error.start) + 1
            problems.append(
                SourceProblem(
                    shown, line, "not UTF-8 text, so not Turtle (is it a binary file?)", "not-rdf"
                )
            )
            continue
        del raw
        role = _role_from_path(base, Path(file))
        target = graphs[role] if role is not None else Graph(bind_namespaces="none")
        file_index: dict[Node, list[Stated]] = {}
        try:
            count, declared = parse_turtle(text, target, shown, file_index)
        except BadSyntax as error:
            problems.extend(_syntax_problems(shown, error, text))
            continue
        except Exception as error:  # rdflib raises bare exceptions for some bad terms
            problems.append(SourceProblem(shown, None, f"cannot parse: {error}", "syntax"))
            continue
        if role is None:
            role = _role_from_content(target)
            graphs[role] += target
            for prefix, ns in declared.items():
                graphs[role].bind(prefix, ns, override=True, replace=True)
        for subject, stated in file_index.items():
            index.setdefault(subject, []).extend(stated)
        for prefix, ns in declared.items():
            prefixes.setdefault(prefix, ns)
        loaded.append(SourceFile(shown, role, count, declared))
    if problems:
        problems = [_with_fix(p, prefixes) for p in problems]
        raise SourceError(_summary(problems), detail=problems)
    return LoadedSources(
        base, loaded, graphs["ontology"], graphs["data"], graphs["shapes"], prefixes, index
    )


@dataclass(frozen=True)
class Sources:
    """The curated graphs (ontology, data), their blank nodes labelled canonically
    (netkg.curate.bnodes): what a release is made of, and what `netkg diff` compares."""

    ontology: Graph
    data: Graph

    @classmethod
    def of(cls, loaded: LoadedSources) -> Sources:
        return cls(canonical_graph(loaded.ontology, "o"), canonical_graph(loaded.data, "d"))

    @property
    def merged(self) -> Graph:
        merged = Graph(bind_namespaces="none")
        for prefix, namespace in PREFIXES.items():
            merged.bind(prefix, namespace)
        for graph in (self.ontology, self.data):
            for prefix, namespace in graph.namespace_manager.namespaces():
                merged.bind(prefix, namespace, override=False)
            merged.addN((s, p, o, merged) for s, p, o in graph)
        return merged


def load_sources(root: Path) -> Sources:
    """Parse `root/ontology` and `root/data` as the release does (errors name file and line)."""
    return Sources.of(load_files(find_sources(root), root=root))
