"""Write the release (`dist/`) that the service reads: validated, deterministic, atomic, with
its Oxigraph store (`store/`, bulk-loaded from netkg.nq) for the service to open read-only.

Validated: a source with a SHACL violation builds nothing; bulk files (`bulk=`, for graphs too
large for rdflib and pyshacl) are streamed by pyoxigraph and checked for syntax only
(docs/model.md). Deterministic: blank nodes are canonicalised, line formats sorted, JSON sorted,
and the date comes from the sources (git, or `--date` / `SOURCE_DATE_EPOCH`), never the clock, so
the same sources give the same bytes anywhere, except in the store's RocksDB files (same quads).
Atomic: everything is written to a temporary folder beside `out` and swapped in at the end, so a
build that fails or is killed leaves the previous release whole.

>>> build_release(Path("."), Path("dist"))  # doctest: +SKIP
PosixPath('dist')
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from pyld import jsonld
from rdflib import OWL, RDF, Graph, Literal, URIRef
from rdflib.namespace import SH

from netkg.curate.bnodes import canonical_graph
from netkg.curate.load import LoadedSources, Sources, find_sources, load_files
from netkg.curate.named_queries import examples_graph
from netkg.curate.validate import validate_sources
from netkg.errors import NetkgError, SourceError, ValidationFailed
from netkg.prefixes import BASE
from netkg.release import context as ctx
from netkg.release import terminology, void

ONTOLOGY_GRAPH = URIRef(BASE + "graph/ontology")
DATA_GRAPH = URIRef(BASE + "graph/data")
VOID_GRAPH = URIRef(BASE + "graph/void")
QUERIES_GRAPH = URIRef(BASE + "graph/queries")
SOURCE_FOLDERS = ("ontology", "data", "shapes")
STORE = "store"  # the release's Oxigraph store, a folder: release.json names it under "store"
BULK_FORMATS = {".nt": ox.RdfFormat.N_TRIPLES, ".nq": ox.RdfFormat.N_QUADS}
RELEASE_FILES = (
    "context.jsonld",
    "netkg.fhir.json",
    "netkg.jsonld",
    "netkg.nq",
    "netkg.nt",
    "netkg.sssom.tsv",
    "netkg.ttl",
    "release.json",
    "validation-report.json",
    "validation-report.ttl",
    "void.ttl",
)

Progress = Callable[[str], None]


class BuildError(NetkgError):
    """A release could not be written (bad date, unwritable folder)."""

    exit_code = 2


def source_files(root: Path, folder: str) -> list[Path]:
    """The Turtle files of one source folder, sorted, so every step reads them in the same order."""
    return sorted(p for p in (root / folder).rglob("*") if p.suffix in (".ttl", ".nt"))


def _published_queries(api: Path) -> Graph:
    """The named queries of `api/` as `sh:SPARQLExecutable` examples, so they can't drift."""
    if not api.is_dir():
        return Graph()
    graph: Graph = examples_graph(api, BASE)
    return graph


def release_version(ontology: Graph) -> str:
    """The ontology's `owl:versionInfo`, or `0.0.0` for a tree without one."""
    versions = sorted(
        str(v)
        for ont in ontology.subjects(RDF.type, OWL.Ontology)
        for v in ontology.objects(ont, OWL.versionInfo)
    )
    return versions[-1] if versions else "0.0.0"


def release_date(root: Path, date: str | None = None) -> str:
    """When the sources last changed, as `YYYY-MM-DDTHH:MM:SSZ`, never the clock.

    In order: `date` (ISO date or date-time), `SOURCE_DATE_EPOCH`, the newest git commit touching
    the sources, the newest source file's modification time.
    """
    if date:
        try:
            parsed = datetime.fromisoformat(date)
        except ValueError as error:
            raise BuildError(f"--date {date!r}: expected an ISO date like 2026-01-31") from error
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return _iso(parsed.timestamp())
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return _iso(int(epoch))
        except ValueError as error:
            raise BuildError(f"SOURCE_DATE_EPOCH={epoch!r}: expected seconds since 1970") from error
    committed = _git_date(root)
    if committed is not None:
        return _iso(committed)
    files = [p for folder in SOURCE_FOLDERS for p in source_files(root, folder)]
    return _iso(max((p.stat().st_mtime for p in files), default=0))


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _git_date(root: Path) -> int | None:
    """The time of the newest commit touching the sources, if `root` is in a git work tree."""
    folders = [f for f in SOURCE_FOLDERS if (root / f).is_dir()]
    if not folders:
        return None
    try:
        done = subprocess.run(
            ["git", "-C", str(root), "log", "-1", "--format=%ct", "--", *folders],
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    text = done.stdout.strip()
    return int(text) if done.returncode == 0 and text.isdigit() else None


# --- validation ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportFiles:
    """The validation report as the release writes it."""

    turtle: Graph
    document: dict[str, Any]


def validation_report(loaded: LoadedSources, *, validate: bool = True) -> ReportFiles:
    """Validate with netkg.curate.validate and refuse on a violation; no shapes (or
    `validate=False`) still gives a report that says what was (not) checked."""
    has_shapes = len(loaded.shapes) > 0
    if not validate or not has_shapes:
        reason = "validation skipped (--no-validate)" if not validate else "no shapes/ to check"
        graph = Graph(bind_namespaces="none")
        graph.bind("sh", SH)
        node = URIRef(BASE + "validation-report")
        graph.add((node, RDF.type, SH.ValidationReport))
        graph.add((node, SH.conforms, Literal(True)))
        graph.add((node, URIRef("http://www.w3.org/2000/01/rdf-schema#comment"), Literal(reason)))
        return ReportFiles(graph, {"conforms": True, "checked": False, "note": reason})
    report = validate_sources(loaded)
    if not report.readable:
        raise SourceError(
            f"{loaded.root}: some input can't be read or run, so nothing was built "
            f"({report.summary()}). Run `netkg validate` to see which and how to fix it.",
            detail=report,
        )
    if not report.conforms:
        raise ValidationFailed(
            f"{loaded.root}: the sources break SHACL rules, so nothing was built "
            f"({report.summary()}). Run `netkg validate` to see where and how to fix them.",
            detail=report,
        )
    document = report.to_json()
    if isinstance(document, str):
        document = json.loads(document)
    graph = canonical_graph(report.results_graph, "r")
    graph.bind("sh", SH)
    return ReportFiles(graph, dict(document))


# --- writing -----------------------------------------------------------------------------------


_NT = ox.RdfFormat.N_TRIPLES
_NQ = ox.RdfFormat.N_QUADS
_TTL = ox.RdfFormat.TURTLE


def _sorted_lines(graph: Graph, graph_name: URIRef | None = None) -> list[str]:
    """The graph as lines in pyoxigraph's canonical form, sorted and unique: N-Triples, or with
    `graph_name` N-Quads of that named graph; the one form of every line in netkg.nt and
    netkg.nq, curated or bulk, so equal triples dedupe."""
    parsed = ox.parse(input=graph.serialize(format="nt", encoding="utf-8"), format=_NT)
    text = ox.serialize(_quads(parsed, graph_name), format=_NQ if graph_name else _NT) or b""
    return sorted(set(text.decode("utf-8").splitlines(keepends=True)))


def _quads(parsed: Iterable[ox.Quad], graph_name: URIRef | None) -> Iterator[Any]:
    """Parsed statements as triples, or as quads in the named graph `graph_name`."""
    if graph_name is None:
        return (quad.triple for quad in parsed)
    name = ox.NamedNode(str(graph_name))
    return (ox.Quad(quad.subject, quad.predicate, quad.object, name) for quad in parsed)


def _merge_unique(few: list[str], many: Iterable[str]) -> Iterator[str]:
    """Two sorted sequences of lines as one, sorted and without repeats: the curated lines
    (`few`) merged into the bulk ones in one pass (heapq.merge is slower by far at millions)."""
    pending = iter(few)
    next_few = next(pending, None)
    previous = None
    for line in many:
        while next_few is not None and next_few <= line:
            if next_few != previous:
                yield next_few
                previous = next_few
            next_few = next(pending, None)
        if line != previous:
            yield line
            previous = line
    while next_few is not None:
        if next_few != previous:
            yield next_few
            previous = next_few
        next_few = next(pending, None)


def _counted_by_graph(quads: Iterable[str], counts: dict[str, int]) -> Iterator[str]:
    """N-Quads lines passed through, counted in `counts` by their graph IRI (release.json)."""
    for line in quads:
        graph = line[line.rindex("<") + 1 : line.rindex(">")]
        counts[graph] = counts.get(graph, 0) + 1
        yield line


def _statement_line(path: Path, number: int) -> int:
    """The line of the `number`-th statement of an N-Triples/N-Quads file (one per line;
    blank and comment lines hold none); only used to report an error."""
    line_number = 0
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line_number, line in enumerate(handle, 1):
            text = line.strip()
            if text and not text.startswith("#"):
                number -= 1
                if number == 0:
                    return line_number
    return line_number


def _bulk_triples(path: Path, number: int) -> Iterator[ox.Triple]:
    """The triples of the `number`-th bulk file, checked as they stream: its syntax (pyoxigraph's
    strict parser) and, for N-Quads, that every quad is in the default graph or the data graph.
    Blank nodes are scoped to their file: `_:x` becomes `_:k{number}x` (curated labels never
    start with k), so equal labels in two files stay two nodes, and the output stays stable."""
    fmt = BULK_FORMATS.get(path.suffix)
    if fmt is None:
        raise SourceError(
            f"{path}: a bulk file must be N-Triples (.nt) or N-Quads (.nq); convert it, "
            f"e.g. `oxigraph convert --from-file {path.name} --to-file {path.stem}.nt`"
        )
    data = ox.NamedNode(str(DATA_GRAPH))
    scope = f"k{number}"

    def scoped(term: Any) -> Any:
        return ox.BlankNode(scope + term.value) if isinstance(term, ox.BlankNode) else term

    for statement, quad in enumerate(ox.parse(path=path, format=fmt), 1):
        graph = quad.graph_name
        if fmt != _NT and not isinstance(graph, ox.DefaultGraph) and graph != data:
            raise SourceError(
                f"{path}:{_statement_line(path, statement)}: the quad is in graph {graph}; bulk "
                f"quads belong to the data graph <{DATA_GRAPH}> or the default graph (which "
                "means the data graph). Drop the graph name or use the data graph's."
            )
        subject, obj = quad.subject, quad.object
        if isinstance(subject, ox.BlankNode) or isinstance(obj, ox.BlankNode):
            yield ox.Triple(scoped(subject), quad.predicate, scoped(obj))
        else:
            yield quad.triple


def _read_bulk(paths: Sequence[Path], work: Path) -> list[str]:
    """Stream the bulk files through pyoxigraph into canonical N-Triples (`work/bulk.nt`,
    rewritten sorted and unique); return its lines. Errors name the file and line."""
    target = work / "bulk.nt"
    with open(target, "wb") as handle:
        for number, path in enumerate(paths):
            try:
                ox.serialize(_bulk_triples(path, number), handle, _NT)
            except SyntaxError as error:
                reason = re.sub(r"^Parser error[^:]*: ", "", error.msg)
                raise SourceError(
                    f"{path}:{error.lineno}:{error.offset}: not valid "
                    f"{'N-Quads' if path.suffix == '.nq' else 'N-Triples'}: {reason}. Fix the "
                    "statement on that line (one statement per line, IRIs in <>, literals "
                    "quoted, ending with ` .`)."
                ) from None
            except OSError as error:
                raise SourceError(f"{path}: cannot read the bulk file: {error}") from None
    with open(target, encoding="utf-8") as handle:
        lines = sorted(set(handle))
    with open(target, "w", encoding="utf-8", newline="\n") as handle:
        handle.writelines(lines)
    return lines


def jsonld_document(lines: Sequence[str], context: dict[str, Any]) -> dict[str, Any]:
    """N-Triples lines as JSON-LD compacted by pyld with netkg's context inline: a `@graph` of
    node objects sorted by `@id` (blank nodes last), values in the order of the (sorted) lines."""
    parsed = ox.parse(input="".join(lines).encode("utf-8"), format=_NT)
    expanded = jsonld.from_rdf(ctx.pyld_dataset(q.triple for q in parsed), {})
    document: dict[str, Any] = jsonld.compact(expanded, context, {"graph": True})
    document["@graph"].sort(key=lambda node: (node["@id"].startswith("_:"), node["@id"]))
    return document


_SPLICE = "\ue000bulk nodes go here"  # never a node: a marker in the text, replaced as written


def _jsonld_parts(
    lines: Sequence[str], context: dict[str, Any], bulk: Path | None, work: Path
) -> list[str | Callable[[Any], None]]:
    """netkg.jsonld: the curated lines compacted with netkg's context, then, in the same
    `@graph`, the bulk triples as pyoxigraph writes them (`_bulk_jsonld_nodes`)."""
    document = jsonld_document(lines, context)
    if bulk is None:
        return [ctx.dumps(document)]
    document["@graph"].append(_SPLICE)
    head, tail = ctx.dumps(document).split(json.dumps(_SPLICE, ensure_ascii=False))
    return [head, _bulk_jsonld_nodes(bulk, work), tail]


def _lines(lines: Iterable[str]) -> Callable[[Any], None]:
    """A writer of text lines, in batches (one `write` per line is slow at millions)."""

    def write(handle: Any) -> None:
        batch: list[str] = []
        for line in lines:
            batch.append(line)
            if len(batch) == 1 << 16:
                handle.write("".join(batch).encode("utf-8"))
                batch.clear()
        handle.write("".join(batch).encode("utf-8"))

    return write


def _turtle(graph: Graph) -> str:
    """Stable Turtle by pyoxigraph: the sorted N-Triples lines grouped by subject, with the
    prefixes netkg's context declares for the graph."""
    lines = "".join(_sorted_lines(graph)).encode("utf-8")
    triples = (quad.triple for quad in ox.parse(input=lines, format=_NT))
    text = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=ctx.ontology_prefixes(graph))
    return (text or b"").decode("utf-8")


def _write(
    folder: Path,
    name: str,
    parts: Iterable[str | Callable[[Any], None]],
    progress: Progress | None,
) -> None:
    """Write `folder/name` from text parts and writers (called with the binary file), and sync."""
    with open(folder / name, "wb") as handle:
        for part in parts:
            if isinstance(part, str):
                handle.write(part.encode("utf-8"))
            else:
                part(handle)
        handle.flush()
        os.fsync(handle.fileno())
    if progress is not None:
        progress(name)


def _serialised(
    source: Path, fmt: ox.RdfFormat, graph_name: URIRef | None = None, **options: Any
) -> Callable[[Any], None]:
    """A writer of the N-Triples file `source` in `fmt` by pyoxigraph's serialiser, streamed (in
    the named graph `graph_name` for N-Quads); sorted lines stay sorted, grouped by subject."""

    def write(handle: Any) -> None:
        ox.serialize(_quads(ox.parse(path=source, format=_NT), graph_name), handle, fmt, **options)

    return write


def _bulk_jsonld_nodes(bulk: Path, work: Path) -> Callable[[Any], None]:
    """The bulk triples as expanded JSON-LD node objects, comma-separated, for the `@graph` of
    netkg.jsonld: pyoxigraph writes a top-level array of full-IRI nodes, which mean the same under
    netkg's context (it has no @vocab, @base or default @language), and this keeps what is inside
    the brackets."""

    def write(handle: Any) -> None:
        part = work / "bulk.jsonld"
        _serialised(bulk, ox.RdfFormat.STREAMING_JSON_LD)(str(part))
        with open(part, "rb") as source:
            source.seek(1)  # "["
            remaining = part.stat().st_size - 2  # without "[" and "]"
            while remaining > 0:
                chunk = source.read(min(remaining, 1 << 20))
                handle.write(chunk)
                remaining -= len(chunk)
        part.unlink()

    return write


def _digest(path: Path) -> tuple[int, str]:
    with open(path, "rb") as handle:
        return path.stat().st_size, hashlib.file_digest(handle, "sha256").hexdigest()


def _write_store(folder: Path, nquads: Path) -> None:
    """Bulk-load the release's N-Quads into an Oxigraph store at `folder` (pyoxigraph's bulk
    loader, never rdflib), optimise and flush it, and close it, so that any process can open it
    with `pyoxigraph.Store.read_only`. One load of one file: nothing left to compact."""
    store = ox.Store(str(folder))
    store.bulk_load(path=nquads, format=ox.RdfFormat.N_QUADS)
    store.optimize()
    store.flush()
    del store  # the only reference: closes the database


def _temp_names(out: Path) -> Iterator[Path]:
    for pattern in (f".{out.name}.tmp-*", f".{out.name}.old-*"):
        yield from sorted(out.parent.glob(pattern))


def recover(out: Path) -> None:
    """Undo what a killed build left: restore the previous release if the swap was cut short,
    and delete half-written temporary folders. (So two builds must not share one `out`.)"""
    if not out.parent.is_dir():
        return
    backups = sorted(out.parent.glob(f".{out.name}.old-*"))
    if not out.exists() and backups:
        backups[-1].rename(out)
    for leftover in _temp_names(out):
        shutil.rmtree(leftover, ignore_errors=True)


def _swap(tmp: Path, out: Path) -> None:
    """Replace `out` by `tmp` with two renames; `recover` finishes the job if killed in between."""
    if out.exists():
        backup = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
        backup.rmdir()
        out.rename(backup)
        try:
            tmp.rename(out)
        except OSError:
            backup.rename(out)
            raise
        shutil.rmtree(backup)
    else:
        tmp.rename(out)


def build_release(
    root: Path,
    out: Path,
    *,
    validate: bool = True,
    date: str | None = None,
    bulk: Sequence[Path] = (),
    progress: Progress | None = None,
) -> Path:
    """Build the release of the source tree `root` into `out`; replace `out` only when complete.

    `bulk`: N-Triples/N-Quads files added to the data graph, checked for syntax only and
    streamed by pyoxigraph (docs/model.md). Raises SourceError (unreadable sources or bulk
    files), ValidationFailed (a SHACL violation) or BuildError; in every case `out` is left as it
    was. `progress` is called with each file name once written.
    """
    root, out = Path(root), Path(out)
    recover(out)
    loaded = load_files(find_sources(root), root=root)
    report = validation_report(loaded, validate=validate)
    sources = Sources.of(loaded)
    version = release_version(sources.ontology)
    issued = release_date(root, date)
    api = root / "api"
    queries = _published_queries(api)
    merged = sources.merged
    merged.addN((s, p, o, merged) for s, p, o in queries)
    context = ctx.make_context(sources.ontology)

    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    except OSError as error:
        raise BuildError(f"{out}: cannot write the release there: {error}") from error
    try:
        work = tmp / ".work"  # intermediate files, removed before the release is indexed
        work.mkdir()
        bulk_lines = _read_bulk([Path(p) for p in bulk], work)  # none: an empty bulk.nt
        bulk_file = work / "bulk.nt"
        curated_quads = [  # the VoID graph joins them once it has counted and checksummed the rest
            line
            for graph_iri, graph in (
                (ONTOLOGY_GRAPH, sources.ontology),
                (DATA_GRAPH, sources.data),
                (QUERIES_GRAPH, queries),
            )
            for line in _sorted_lines(graph, graph_iri)
        ]

        curated = _sorted_lines(merged)
        lines = list(_merge_unique(curated, bulk_lines))
        _write(tmp, "netkg.nt", [_lines(lines)], progress)
        prefixes = ctx.ontology_prefixes(merged)
        _write(tmp, "netkg.ttl", [_serialised(tmp / "netkg.nt", _TTL, prefixes=prefixes)], progress)
        _write(tmp, "context.jsonld", [ctx.dumps(context)], progress)
        jsonld_parts = _jsonld_parts(curated, context, bulk_file if bulk_lines else None, work)
        _write(tmp, "netkg.jsonld", jsonld_parts, progress)
        _write(tmp, "validation-report.ttl", [_turtle(report.turtle)], progress)
        _write(tmp, "validation-report.json", [ctx.dumps(report.document)], progress)
        if api.is_dir():  # the service's /api routes and the editor's examples come from here
            (tmp / "api").mkdir()
            for path in sorted(api.glob("*.rq")):
                shutil.copyfile(path, tmp / "api" / path.name)
        # the source texts the statements' excerpts select from (data/source/), checksummed below
        for path in sorted((root / "data" / "source").glob("*.txt")):
            shutil.copyfile(path, tmp / path.name)

        # the SSSOM mapping set and the FHIR terminology bundle, for health information systems
        terminology.write_release_views(tmp, merged, version=version, issued=issued)
        stats = void.statistics(lines)
        del lines

        umbrella = URIRef(void.URI_SPACE + "neuroendocrine-tumour")
        examples = [umbrella] if (umbrella, None, None) in merged else []
        digests: dict[str, tuple[int, str]] = {}

        def description(names: list[str], unchecked: list[str]) -> Graph:
            for name in names:
                if name not in digests:
                    digests[name] = _digest(tmp / name)
            infos = [void.FileInfo(n, *digests[n]) for n in names]
            infos += [void.FileInfo(n, None, None) for n in unchecked]
            infos.sort(key=lambda i: i.name)
            return void.describe(
                stats, version=version, issued=issued, files=infos, example_resources=examples
            )

        written = sorted(p.name for p in tmp.iterdir() if p.is_file())
        void_quads = _sorted_lines(description(written, ["netkg.nq", "void.ttl"]), VOID_GRAPH)
        del bulk_lines
        bulk_quads = work / "bulk.nq"  # quads of the data graph, as sorted as bulk.nt
        _serialised(bulk_file, _NQ, DATA_GRAPH)(str(bulk_quads))
        with open(bulk_quads, encoding="utf-8") as bulk_nq:
            quads = _merge_unique(sorted(curated_quads + void_quads), bulk_nq)
            graph_counts: dict[str, int] = {}
            _write(tmp, "netkg.nq", [_lines(_counted_by_graph(quads, graph_counts))], progress)
        written.append("netkg.nq")
        _write(tmp, "void.ttl", [_turtle(description(sorted(written), ["void.ttl"]))], progress)
        _write_store(tmp / STORE, tmp / "netkg.nq")
        if progress is not None:
            progress(STORE + "/")
        shutil.rmtree(work)

        files = {p.name: digests.get(p.name) or _digest(p) for p in tmp.iterdir() if p.is_file()}
        index = {
            "version": version,
            "built": issued,
            "triples": stats.triples,
            "graphs": {  # triples per named graph of netkg.nq, by the last part of its IRI
                name: graph_counts.get(str(iri), 0)
                for name, iri in (
                    ("data", DATA_GRAPH),
                    ("ontology", ONTOLOGY_GRAPH),
                    ("queries", QUERIES_GRAPH),
                    ("void", VOID_GRAPH),
                )
            },
            "conforms": bool(report.document.get("conforms", True)),
            "files": {name: sha for name, (_, sha) in sorted(files.items())},
            "store": STORE,
        }
        _write(tmp, "release.json", [ctx.dumps(index)], progress)
        _swap(tmp, out)
    except BaseException as error:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(error, OSError):
            raise BuildError(f"{out}: writing the release failed: {error}") from error
        raise
    return out
