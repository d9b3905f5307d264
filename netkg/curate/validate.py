"""Validate the curated sources: SHACL shapes plus the checks SHACL can't express well.

Every problem becomes a `Finding` with a severity, a named check (or shape) and, wherever netkg can
know it, the file and line a curator must edit; pyshacl only knows focus nodes, so the line comes
from `netkg.curate.load`, which records where each triple is written. Severities are data (`CHECKS`,
the shapes' `sh:severity`): Violations (and unreadable files) fail; Warnings and Info are reported.

    >>> report = validate_project(Path("."))   # doctest: +SKIP
    >>> report.conforms, report.counts          # doctest: +SKIP
    (True, {'Error': 0, 'Violation': 0, 'Warning': 2, 'Info': 0})
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from rdflib import BNode, Graph, URIRef
from rdflib import Literal as RDFLiteral
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from netkg.curate.load import (
    SOURCE_DIRS,
    LoadedSources,
    Location,
    SourceProblem,
    find_sources,
    load_files,
)
from netkg.errors import SourceError, ValidationFailed
from netkg.labels import pick_literal
from netkg.prefixes import BASE

__all__ = [
    "BASE",
    "CHECKS",
    "SEVERITIES",
    "Check",
    "Finding",
    "Report",
    "Severity",
    "SourceError",
    "ValidationFailed",
    "report_from_problems",
    "validate_project",
    "validate_sources",
]

NET = BASE + "ontology#"
ID = BASE + "id/"
# The parts of the base an IRI may live in (docs/model.md, "IRIs").
BASE_AREAS = ("id/", "ontology#", "ontology/", "graph/", "external/", "shapes#", "shapes/")

Severity = Literal["Error", "Violation", "Warning", "Info"]
SEVERITIES: tuple[Severity, ...] = ("Error", "Violation", "Warning", "Info")
FAILING: frozenset[str] = frozenset({"Error", "Violation"})


@dataclass(frozen=True)
class Check:
    """A named check that is not a SHACL shape, and the severity of what it finds."""

    name: str
    severity: Severity
    description: str


CHECKS: dict[str, Check] = {
    c.name: c
    for c in (
        Check("missing", "Error", "Every path named exists and holds Turtle files."),
        Check("not-rdf", "Error", "Every source file is UTF-8 Turtle (.ttl) or N-Triples (.nt)."),
        Check("syntax", "Error", "Every source file parses as Turtle."),
        Check("undefined-prefix", "Error", "Every prefix used is declared with @prefix."),
        Check("shapes", "Error", "The SHACL shapes load and run."),
        Check("named-query", "Error", "Every api/*.rq file can become an endpoint."),
        Check(
            "iri-outside-base",
            "Violation",
            "netkg IRIs are under https://w3id.org/netkg/ (id/, ontology#); no relative IRIs.",
        ),
        Check(
            "undeclared-term",
            "Violation",
            "Every net: term used is declared in the ontology; every id: IRI used is described.",
        ),
        Check(
            "predicate-typo",
            "Warning",
            "A predicate used once is not one letter off a predicate used elsewhere.",
        ),
        Check(
            "untyped-subject",
            "Warning",
            "Every id: resource described in data/ has an rdf:type (shapes select by type).",
        ),
        Check("split-subject", "Warning", "Each subject is described in one file only."),
        Check("external-subject", "Warning", "Curated subjects are netkg IRIs, not others' terms."),
    )
}
SHACL_SEVERITY: dict[Node, Severity] = {
    SH.Violation: "Violation",
    SH.Warning: "Warning",
    SH.Info: "Info",
}


@dataclass(frozen=True)
class Finding:
    """One problem: what, how bad, how to fix it, and where (file:line, focus, path, value)."""

    check: str
    severity: Severity
    message: str
    file: str | None = None
    line: int | None = None
    focus: str | None = None
    path: str | None = None
    value: str | None = None
    shape: str | None = None

    @property
    def test(self) -> str:
        """The name of the test this finding fails: its shape, or its check."""
        return self.shape or self.check

    @property
    def where(self) -> str:
        if self.file is None:
            return ""
        return f"{self.file}:{self.line}" if self.line else self.file

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _sort_key(f: Finding) -> tuple[str, int, int, str, str]:
    return (f.file or "", f.line or 0, SEVERITIES.index(f.severity), f.test, f.focus or "")


@dataclass
class Report:
    """The outcome of one validation run, in the order a curator reads it (file, line)."""

    findings: list[Finding]
    files: list[str] = field(default_factory=list)
    curated_triples: int = 0  # ontology + data: what SHACL checks and the release is made of
    shapes_triples: int = 0
    tests: list[str] = field(default_factory=list)
    results_graph: Graph = field(default_factory=Graph)

    @property
    def triples(self) -> int:
        return self.curated_triples + self.shapes_triples

    @property
    def conforms(self) -> bool:
        return not any(f.severity in FAILING for f in self.findings)

    @property
    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = dict.fromkeys(SEVERITIES, 0)
        for f in self.findings:
            counts[f.severity] += 1
        return counts

    @property
    def readable(self) -> bool:
        """False when some input could not be read (exit 2 rather than 1)."""
        return not any(f.severity == "Error" for f in self.findings)

    @property
    def exit_code(self) -> int:
        if not self.readable:
            return 2
        return 0 if self.conforms else 1

    def summary(self) -> str:
        c = self.counts
        if c["Error"] and not self.triples:  # nothing parsed, so nothing else was checked
            return (
                f"FAIL: {c['Error']} error(s) in {len(self.files)} file(s) that can't be "
                f"read; fix them, then run again to check the rest"
            )
        verdict = "ok" if self.conforms else "FAIL"
        errors = f"{c['Error']} error(s) (input that can't be read or run), " if c["Error"] else ""
        return (
            f"{verdict}: {errors}{c['Violation']} violation(s), {c['Warning']} warning(s), "
            f"{c['Info']} info in {len(self.files)} file(s): {self.curated_triples:,} curated "
            f"triples (ontology + data) + {self.shapes_triples:,} shapes triples"
        )

    def raise_for_failure(self) -> None:
        """For callers that must stop (e.g. `netkg build`): SourceError (exit 2) if something
        couldn't be read or run, ValidationFailed (exit 1) on a Violation, else nothing."""
        failing = [f for f in self.findings if f.severity in FAILING]
        if not failing:
            return
        lines = "\n".join(f"  {f.where + ': ' if f.where else ''}{f.message}" for f in failing[:20])
        more = f"\n  … and {len(failing) - 20} more" if len(failing) > 20 else ""
        error = SourceError if not self.readable else ValidationFailed
        raise error(f"{self.summary()}\n{lines}{more}", detail=failing)

    def to_json(self) -> dict[str, Any]:
        """The documented machine shape (see docs/validate.md)."""
        return {
            "conforms": self.conforms,
            "exit_code": self.exit_code,
            "counts": self.counts,
            "files": self.files,
            "triples": self.triples,
            "curated_triples": self.curated_triples,
            "shapes_triples": self.shapes_triples,
            "tests": self.tests,
            "findings": [f.to_json() for f in self.findings],
        }


# --- term display -----------------------------------------------------------------------------


class _Names:
    """Show terms as curators write them: CURIEs from the sources' own prefixes."""

    def __init__(self, prefixes: dict[str, str]) -> None:
        self.prefixes = sorted(prefixes.items(), key=lambda kv: -len(kv[1]))

    def __call__(self, node: Node | None) -> str | None:
        if node is None:
            return None
        if isinstance(node, URIRef):
            iri = str(node)
            for prefix, ns in self.prefixes:
                local = iri[len(ns) :]
                if iri.startswith(ns) and local and all(c.isalnum() or c in "-_." for c in local):
                    return f"{prefix}:{local}"
            return f"<{iri}>"
        if isinstance(node, BNode):
            return "[]"
        if isinstance(node, RDFLiteral):
            return str(node.n3())
        return str(node)


# --- SHACL -------------------------------------------------------------------------------------


def _shape_name(shapes: Graph, shape: Node, names: _Names) -> str:
    """A stable, readable name for a shape; a blank property shape is named by its parent."""
    if isinstance(shape, URIRef):
        return names(shape) or str(shape)
    parent = shapes.value(predicate=SH.property, object=shape)
    path = shapes.value(shape, SH.path)
    parent_name = _shape_name(shapes, parent, names) if parent is not None else "[]"
    path_name = names(path) if isinstance(path, URIRef) else "[]"
    return f"{parent_name}/{path_name}"


def _locate_result(
    sources: LoadedSources, shapes: Graph, focus: Node, path: Node | None, value: Node | None
) -> Location | None:
    """The line to edit for a SHACL result: its triple, else the focus node's definition. A
    focus that only the shapes name (a SPARQL shape's sh:targetNode) points at its value."""
    if isinstance(path, URIRef):
        found = sources.locate(focus, path, value)
    elif path is not None and (inverse := shapes.value(path, SH.inversePath)) is not None:
        found = sources.locate(value, inverse, focus) if value is not None else None
        found = found or sources.locate_object(focus, inverse)
    else:
        found = None
    found = found or sources.locate(focus) or sources.locate_object(focus)
    shape_files = {f.path for f in sources.files if f.role == "shapes"}
    if (found is None or found.file in shape_files) and value is not None:
        return sources.definition(value) or found
    return found


_IRI = re.compile(r"\bhttps?://[^\s,;<>\"'{}]+[^\s,;<>\"'{}.)]")


def _message(results: Graph, result: Node, names: _Names) -> str:
    """The shape's English message; the IRIs pyshacl fills in are shown as curators write them."""
    messages = (m for m in results.objects(result, SH.resultMessage) if isinstance(m, RDFLiteral))
    message = pick_literal(sorted(messages, key=str), "en")
    if message is None:
        return "SHACL constraint not met"
    return _IRI.sub(lambda m: names(URIRef(m.group(0))) or m.group(0), str(message))


def _shacl_findings(
    sources: LoadedSources, names: _Names
) -> tuple[list[Finding], Graph, list[str]]:
    shapes = sources.shapes
    if len(shapes) == 0:
        return [], Graph(), []
    from pyshacl import validate as shacl_validate  # heavy: imported only when shapes exist

    from netkg.curate.sparqlcache import install  # parse each SPARQL shape once, not per focus node

    install()

    data = Graph(bind_namespaces="none")
    data += sources.ontology
    data += sources.data
    from pyshacl.errors import ReportableRuntimeError

    try:
        _conforms, results, _text = shacl_validate(
            data,
            shacl_graph=shapes,
            inference="none",
            advanced=True,
            allow_infos=True,
            allow_warnings=True,
            abort_on_first=False,
            meta_shacl=False,
            do_owl_imports=False,
            inplace=True,  # `data` is our own merged copy: spare pyshacl copying it again
        )
    except ReportableRuntimeError as error:
        results = error
    if not isinstance(results, Graph):  # pyshacl returns or raises a failure for bad shapes
        return _shapes_failure(sources, names, str(results)), Graph(), ["shapes"]
    for prefix, ns in sources.prefixes.items():
        results.bind(prefix, ns, override=True, replace=True)
    findings: list[Finding] = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        focus = results.value(result, SH.focusNode)
        path = results.value(result, SH.resultPath)
        value = results.value(result, SH.value)
        shape = results.value(result, SH.sourceShape)
        level = results.value(result, SH.resultSeverity)
        severity: Severity = SHACL_SEVERITY.get(level, "Violation") if level else "Violation"
        where = _locate_result(sources, shapes, focus, path, value) if focus is not None else None
        findings.append(
            Finding(
                check="shacl",
                severity=severity,
                message=_message(results, result, names),
                file=str(where.file) if where else None,
                line=where.line if where else None,
                focus=names(focus),
                path=names(path) if isinstance(path, URIRef) else (None if path is None else "[]"),
                value=names(value),
                shape=_shape_name(shapes, shape, names) if shape is not None else None,
            )
        )
    named = {
        _shape_name(shapes, s, names)
        for kind in (SH.NodeShape, SH.PropertyShape)
        for s in shapes.subjects(RDF.type, kind)
    }
    named |= {_shape_name(shapes, s, names) for s in shapes.objects(None, SH.property)}
    return findings, results, sorted(named)


def _shapes_failure(sources: LoadedSources, names: _Names, why: str) -> list[Finding]:
    """Shapes pyshacl refuses to run; where its message names a SPARQL keyword, every query
    that uses it (pyshacl stops at the first, so curators would otherwise fix them one a run)."""
    message = (
        f"the shapes can't be run: {why.strip()} Fix the shape so pyshacl accepts it "
        f"(SHACL-SPARQL constraints may not use VALUES, MINUS, SERVICE or nested SELECT)"
    )
    keyword = re.search(r"must not contain an? (?:nested )?(\w+)", why)
    found: list[Finding] = []
    if keyword:
        word = re.compile(rf"\b{re.escape(keyword.group(1))}\b", re.IGNORECASE)
        for predicate in (SH.select, SH.ask):
            for node, query in sources.shapes.subject_objects(predicate):
                if word.search(str(query)):
                    shape = sources.shapes.value(predicate=SH.sparql, object=node)
                    found.append(
                        _check(
                            "shapes",
                            message,
                            sources.locate(node, predicate),
                            shape=names(shape) if shape is not None else None,
                        )
                    )
    if not found:
        shape_files = [f.path for f in sources.files if f.role == "shapes"]
        where = Location(shape_files[0], 0) if len(shape_files) == 1 else None
        found.append(_check("shapes", message, where))
    return found


# --- checks SHACL can't express well --------------------------------------------------------------


def _check(name: str, message: str, where: Location | None, **terms: str | None) -> Finding:
    check = CHECKS[name]
    return Finding(
        check=name,
        severity=check.severity,
        message=message,
        file=str(where.file) if where else None,
        line=(where.line or None) if where else None,
        **terms,
    )


def _iri_findings(sources: LoadedSources, names: _Names) -> Iterator[Finding]:
    """Relative and mistyped netkg IRIs (e.g. http://, /Id/) anywhere; foreign subjects."""
    seen: set[str] = set()
    roles = {str(f.path): f.role for f in sources.files}
    for subject, stated in sources.by_subject.items():
        for st in stated:
            for node in (subject, st.predicate, st.object):
                if not isinstance(node, URIRef) or str(node) in seen:
                    continue
                iri = str(node)
                problem = _iri_problem(iri)
                if problem is None:
                    continue
                seen.add(iri)
                yield _check(
                    "iri-outside-base", f"<{iri}> {problem}", st.location, focus=names(subject)
                )
        if isinstance(subject, URIRef) and stated and not str(subject).startswith(BASE):
            first = sources.definition(subject)
            if (
                first is not None
                and roles.get(str(first.file)) == "data"
                and _iri_problem(str(subject)) is None
            ):
                yield _check(
                    "external-subject",
                    f"{names(subject)} is not a netkg IRI but is described in data/: "
                    f"describe netkg concepts (id:…) and link them with skos:*Match",
                    first,
                    focus=names(subject),
                )


def _iri_problem(iri: str) -> str | None:
    if iri.startswith("file:"):
        return (
            "is a relative IRI resolved against the file's path: write a full IRI or a "
            "prefixed name such as id:slug"
        )
    if iri.startswith(BASE):
        rest = iri[len(BASE) :]
        if rest in ("", "ontology", "shapes") or rest.startswith(BASE_AREAS):
            return None
        return (
            f"is under the base but outside its areas ({', '.join(BASE_AREAS)}): "
            f"individuals are id:slug, ontology terms net:Term"
        )
    if "w3id.org/netkg" in iri:
        return f"looks like a mistyped netkg IRI: the base is exactly {BASE}"
    return None


def _term_findings(sources: LoadedSources, names: _Names) -> Iterator[Finding]:
    """net: terms used but not declared in ontology/; id: IRIs referenced but described nowhere."""
    declared = {s for s in sources.ontology.subjects(RDF.type, None) if isinstance(s, URIRef)}
    described = set(sources.by_subject)
    reported: set[Node] = set()
    for subject, stated in sources.by_subject.items():
        for st in stated:
            for node in (subject, st.predicate, st.object):
                if not isinstance(node, URIRef) or node in reported:
                    continue
                iri = str(node)
                if iri.startswith(NET) and node not in declared:
                    reported.add(node)
                    yield _check(
                        "undeclared-term",
                        f"{names(node)} is used but not declared in ontology/: fix the "
                        f"spelling or declare it (rdfs:label, skos:definition, "
                        f"rdfs:isDefinedBy)",
                        st.location,
                        focus=names(subject),
                        value=names(node),
                    )
                elif iri.startswith(ID) and node not in described:
                    reported.add(node)
                    yield _check(
                        "undeclared-term",
                        f"{names(node)} is referenced but described nowhere: fix the "
                        f"spelling or add it (a type, skos:prefLabel, skos:definition)",
                        st.location,
                        focus=names(subject),
                        value=names(node),
                    )


# The model puts skos:*Match on the netkg concept in data/mappings.ttl: a split by design.
MAPPING_PREDICATES = frozenset(
    URIRef("http://www.w3.org/2004/02/skos/core#" + p)
    for p in ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")
)


def _split_findings(sources: LoadedSources, names: _Names) -> Iterator[Finding]:
    for subject, _all_files in sources.subject_files():
        stated = [
            st for st in sources.by_subject[subject] if st.predicate not in MAPPING_PREDICATES
        ]
        files = sorted({st.location.file for st in stated})
        if len(files) < 2:
            continue
        firsts = [
            min(
                (st.subject_location for st in stated if st.location.file == f),
                key=lambda loc: loc.line,
            )
            for f in files
        ]
        elsewhere = ", ".join(f"{loc.file}:{loc.line}" for loc in firsts[:1])
        for loc in firsts[1:]:
            yield _check(
                "split-subject",
                f"{names(subject)} is also described in {elsewhere}: keep each subject "
                f"in one file so curators find all of it in one place",
                loc,
                focus=names(subject),
            )


def _local(iri: str) -> tuple[str, str]:
    """(namespace, local name): split after the last # or /."""
    cut = max(iri.rfind("#"), iri.rfind("/")) + 1
    return iri[:cut], iri[cut:]


def _closest(iri: str, candidates: Iterable[str]) -> str | None:
    """The candidate in the same namespace whose local name is closest to `iri`'s, if close."""
    namespace, local = _local(iri)
    by_local = {_local(c)[1]: c for c in candidates if _local(c)[0] == namespace and c != iri}
    found = difflib.get_close_matches(local, list(by_local), n=1, cutoff=0.75)
    return by_local[found[0]] if found else None


def _untyped_subjects(sources: LoadedSources, names: _Names) -> Iterator[Finding]:
    """An id: resource described in data/ without rdf:type: no shape selects it, so nothing
    else would report what is missing from it."""
    data_files = {f.path for f in sources.files if f.role == "data"}
    typed = _typed(sources)
    for subject in sources.by_subject:
        if not (isinstance(subject, URIRef) and str(subject).startswith(ID)) or subject in typed:
            continue
        where = sources.definition(subject)
        if where is None or where.file not in data_files:
            continue
        yield _check(
            "untyped-subject",
            f"{names(subject)} is described here but has no rdf:type: "
            f"{_type_hint(sources, names, where)}",
            where,
            focus=names(subject),
            value=names(subject),
        )


def _typed(sources: LoadedSources) -> set[URIRef]:
    """The IRIs the ontology or the data give an rdf:type: what counts as defined."""
    return {
        s
        for graph in (sources.ontology, sources.data)
        for s in graph.subjects(RDF.type, None)
        if isinstance(s, URIRef)
    }


def _type_hint(sources: LoadedSources, names: _Names, where: Location) -> str:
    """How to add the missing type, with the class most resources of the same file have."""
    types: Counter[str] = Counter(
        str(st.object)
        for stated in sources.by_subject.values()
        for st in stated
        if st.predicate == RDF.type and st.location.file == where.file
    )
    if not types:
        return "add `a` and its class"
    common = names(URIRef(types.most_common(1)[0][0]))
    return f"add `a` and its class (most resources in {where.file} are `a {common}`)"


def _predicate_typos(sources: LoadedSources, names: _Names) -> Iterator[Finding]:
    """A predicate stated once and one slip away from one used three times or more (rdfs:lable
    for rdfs:label) is a typo SHACL can't see: nothing requires its absence. netkg's own terms are
    checked against the ontology instead (undeclared-term)."""
    used: Counter[str] = Counter()
    where: dict[str, tuple[Node, Location]] = {}
    for subject, stated in sources.by_subject.items():
        for st in stated:
            used[str(st.predicate)] += 1
            where.setdefault(str(st.predicate), (subject, st.location))
    common = [p for p, n in used.items() if n >= 3]
    for predicate, count in sorted(used.items()):
        if count != 1 or predicate.startswith(NET):
            continue
        match = _closest(predicate, common)
        if match is None:
            continue
        subject, location = where[predicate]
        shown, meant = names(URIRef(predicate)), names(URIRef(match))
        yield _check(
            "predicate-typo",
            f"{shown} is used only here; did you mean {meant} (used {used[match]} times)?",
            location,
            focus=names(subject),
            path=shown,
        )


def _advise(findings: list[Finding], sources: LoadedSources, names: _Names) -> list[Finding]:
    """Tell the curator what an unknown netkg IRI in a finding most likely is: the closest
    defined one (a typo), or a resource described without its rdf:type."""
    typed = {str(iri) for iri in _typed(sources)}
    shown = {
        names(node): node
        for node in {
            *sources.by_subject,
            *(st.object for sts in sources.by_subject.values() for st in sts),
        }
        if isinstance(node, URIRef) and str(node).startswith((ID, NET)) and str(node) not in typed
    }
    advised: list[Finding] = []
    for f in findings:
        term = f.value or f.focus  # the unknown IRI is the value, or the focus itself
        node = shown.get(term) if term and f.check != "untyped-subject" else None
        if node is None:
            advised.append(f)
            continue
        defined = sources.definition(node)
        if defined is not None:
            advice = (
                f"{term} is described at {defined.file}:{defined.line} but has no rdf:type "
                f"there: {_type_hint(sources, names, defined)}."
            )
        elif (match := _closest(str(node), typed)) is not None:
            advice = f"Did you mean {names(URIRef(match))}?"
        else:
            advised.append(f)
            continue
        message = f.message if f.message.endswith((".", "?", "!")) else f.message + "."
        advised.append(replace(f, message=f"{message} {advice}"))
    return advised


# --- entry points -------------------------------------------------------------------------------


def validate_sources(sources: LoadedSources, only: Iterable[str] | None = None) -> Report:
    """Run SHACL and the extra checks over loaded sources; keep findings in `only` files."""
    names = _Names(sources.prefixes)
    findings, results, shape_tests = _shacl_findings(sources, names)
    extra = [
        CHECKS[n]
        for n in (
            "iri-outside-base",
            "undeclared-term",
            "untyped-subject",
            "predicate-typo",
            "split-subject",
            "external-subject",
        )
    ]
    # A problem a shape already reported at the same place and severity is not reported twice.
    reported = {(f.file, f.line, f.value, f.severity) for f in findings}
    checks = (_iri_findings, _term_findings, _untyped_subjects, _predicate_typos, _split_findings)
    for check in checks:
        findings.extend(
            f
            for f in check(sources, names)
            if (f.file, f.line, f.value, f.severity) not in reported
        )
    findings = _advise(findings, sources, names)
    files = [str(f.path) for f in sources.files]
    if only is not None:
        keep = set(only)
        findings = [f for f in findings if f.file is None or f.file in keep]
        files = [f for f in files if f in keep]
    tests = ["syntax", *(c.name for c in extra), *shape_tests]
    return Report(
        findings=sorted(findings, key=_sort_key),
        files=files,
        curated_triples=len(sources.ontology)
        + sum(1 for t in sources.data if t not in sources.ontology),
        shapes_triples=len(sources.shapes),
        tests=tests,
        results_graph=results,
    )


def report_from_problems(problems: Sequence[SourceProblem]) -> Report:
    """Unreadable input as a Report, so every output format shows it (with exit code 2)."""
    findings = [
        Finding(
            check=p.check,
            severity=CHECKS[p.check].severity,
            message=p.message,
            file=str(p.file),
            line=p.line,
        )
        for p in problems
    ]
    tests = sorted({p.check for p in problems})
    return Report(
        findings=sorted(findings, key=_sort_key),
        files=sorted({str(p.file) for p in problems}),
        tests=tests,
    )


def _project_files(root: Path, paths: Sequence[Path]) -> tuple[list[Path], list[Path] | None]:
    """(files to load, files to report on). Named paths are checked against the whole project."""
    if not paths:
        return find_sources(root), None
    named = find_sources(root, paths)
    context = [root / d for d in SOURCE_DIRS if (root / d).is_dir()]
    extra = find_sources(root, context) if context and _any_file(context) else []
    seen = {p.resolve() for p in named}
    return named + [p for p in extra if p.resolve() not in seen], named


def _any_file(folders: Sequence[Path]) -> bool:
    return any(f.suffix in (".ttl", ".nt") for d in folders for f in d.rglob("*"))


def validate_project(root: Path, paths: Sequence[Path] = (), progress: Any = None) -> Report:
    """Validate the project under `root` (or the named paths, in the project's context).

    Raises SourceError (exit 2) when any source can't be read; its `detail` lists every problem.
    """
    files, named = _project_files(root, paths)
    sources = load_files(files, root=root, progress=progress)
    only = None
    if named is not None:
        shown = {str(f.path) for f in sources.files}
        only = [s for s in shown if any(_same(root, Path(s), n) for n in named)]
    report = validate_sources(sources, only)
    if named is None and any((root / "api").glob("*.rq")):
        report.findings = sorted([*report.findings, *_query_findings(root)], key=_sort_key)
        report.tests.append("named-query")
    return report


def _query_findings(root: Path) -> list[Finding]:
    """api/*.rq become endpoints at start-up; a bad one stops the service, so say so now."""
    from netkg.curate.named_queries import (
        check_query_files,  # yaml and pyoxigraph: only when api/ exists
    )

    findings = []
    for problem in check_query_files(root / "api"):
        try:
            shown = str(Path(problem.path).resolve().relative_to(root.resolve()))
        except ValueError:
            shown = str(problem.path)
        findings.append(
            Finding(
                check="named-query",
                severity=CHECKS["named-query"].severity,
                message=problem.message,
                file=shown,
                line=problem.line or None,
            )
        )
    return findings


def _same(root: Path, shown: Path, named: Path) -> bool:
    """Is the file shown as `shown` (relative to root, or as given) the named one?"""
    return named.resolve() in {(root / shown).resolve(), shown.resolve()}
