"""The `netkg` command line: curation (validate, fmt, build, diff, stats, query) and serving."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from netkg.curate.report import OutputFormat

app = typer.Typer(
    name="netkg",
    help="Curate, validate, build and serve the NET treatment knowledge graph.",
    no_args_is_help=True,
    add_completion=False,
)

# --- validate, fmt: the curator's checks --------------------------------------------------------


def _large_file_notice(console: Console) -> Callable[[Path, int], None]:
    def notice(path: Path, size: int) -> None:
        console.print(f"parsing {path} ({size / 1_048_576:.1f} MB)…", style="dim", highlight=False)

    return notice


@app.command()
def validate(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Files or folders to check (default: ontology/, data/, shapes/ under --root). "
            "Named files are checked in the context of the whole project."
        ),
    ] = None,
    root: Annotated[Path, typer.Option(help="The project folder.")] = Path("."),
    output: Annotated[
        OutputFormat,
        typer.Option(
            "--format",
            "-f",
            help="text (for people), json, junit (CI test reports) or github "
            "(workflow annotations on the pull request).",
        ),
    ] = OutputFormat.text,
) -> None:
    """Report every problem in the curated sources, with file:line and how to fix it.

    Exit 0 if nothing fails (Warnings and Info are reported), 1 if a Violation is found,
    2 if a source can't be read or a shape can't be run.
    """
    from netkg.curate.report import render
    from netkg.curate.validate import report_from_problems, validate_project
    from netkg.errors import SourceError

    out = Console(highlight=False, soft_wrap=True, emoji=False)
    err = Console(stderr=True, highlight=False, emoji=False)
    try:
        report = validate_project(root, paths or (), progress=_large_file_notice(err))
    except SourceError as error:
        problems = error.detail if isinstance(error.detail, list) else []
        if not problems:
            err.print(f"netkg validate: {error.message}", markup=False)
            raise typer.Exit(error.exit_code) from None
        report = report_from_problems(problems)
    render(report, output, out)
    raise typer.Exit(report.exit_code)


@app.command()
def fmt(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Files or folders to format (default: ontology/, data/, shapes/ under --root)."
        ),
    ] = None,
    root: Annotated[Path, typer.Option(help="The project folder.")] = Path("."),
    check: Annotated[
        bool,
        typer.Option(
            "--check", help="Change nothing; exit 1 and list the files that are not canonical."
        ),
    ] = False,
) -> None:
    """Rewrite curated Turtle in canonical form (stable prefixes and order), keeping comments.

    Exit 0 when done (or, with --check, when all is canonical), 1 when files need formatting or
    can't be formatted without losing a comment, 2 when a file can't be read.
    """
    from netkg.curate.fmt import format_paths
    from netkg.errors import NetkgError

    out = Console(highlight=False, soft_wrap=True, emoji=False)
    err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)
    try:
        outcome = format_paths(root, paths or (), check=check)
    except NetkgError as error:
        err.print(f"netkg fmt: {error.message}", markup=False)
        raise typer.Exit(error.exit_code) from None
    for problem in outcome.unreadable:
        err.print(str(problem), markup=False, style="red")
    for _path, reason in outcome.refused:
        err.print(reason, markup=False, style="red")
    if check:
        for path in outcome.changed:
            out.print(f"would reformat {path}", markup=False)
        if outcome.changed:
            files = " ".join(str(p) for p in outcome.changed)
            out.print(
                f"{len(outcome.changed)} file(s) not in canonical form; fix with:\n"
                f"  netkg fmt {files}",
                markup=False,
            )
    else:
        for path in outcome.changed:
            out.print(f"reformatted {path}", markup=False)
    out.print(f"{len(outcome.unchanged)} file(s) already canonical", markup=False, style="dim")
    if outcome.unreadable:
        raise typer.Exit(2)
    if outcome.refused or (check and outcome.changed):
        raise typer.Exit(1)


# --- build, diff, stats, query: the release ------------------------------------------------------
# Exit codes: 0 done; 1 a SHACL violation (build) or, with --exit-code, differences (diff);
# 2 unreadable input, a bad query or a bad option. Errors are one clear line on stderr.


def _release_fail(error: Exception) -> typer.Exit:
    """Print a NetkgError (or a filesystem error) as one message on stderr; return its exit."""
    from netkg.errors import NetkgError

    message = error.message if isinstance(error, NetkgError) else str(error)
    code = error.exit_code if isinstance(error, NetkgError) else 2
    typer.echo(f"netkg: {message}", err=True)
    return typer.Exit(code)


def _release_format(value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise typer.BadParameter(f"{value!r}: use one of {', '.join(allowed)}")
    return value


@app.command()
def build(
    out: Annotated[Path, typer.Option("--out", "-o", help="Release folder to (re)place.")] = Path(
        "dist"
    ),
    root: Annotated[
        Path, typer.Option("--root", help="Source tree: ontology/, data/, shapes/.")
    ] = Path("."),
    date: Annotated[
        str | None,
        typer.Option("--date", help="Release date (ISO). Default: SOURCE_DATE_EPOCH, else git."),
    ] = None,
    no_validate: Annotated[
        bool, typer.Option("--no-validate", help="Skip SHACL (the report says so).")
    ] = False,
    bulk: Annotated[
        list[Path] | None,
        typer.Option(
            "--bulk",
            metavar="FILE",
            help="An N-Triples (.nt) or N-Quads (.nq) file added to the data graph, checked for "
            "syntax only, not SHACL (repeatable; docs/model.md).",
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing on success.")] = False,
) -> None:
    """Validate, then write the release (dist/) atomically and deterministically.

    The graph as Turtle, N-Triples, N-Quads and JSON-LD, its @context, a VoID/DCAT description,
    the validation report, an Oxigraph store (store/) and release.json. Exit 1 on a violation,
    2 on unreadable input (sources or bulk files)."""
    import json

    from netkg.curate.stats import headline
    from netkg.errors import NetkgError
    from netkg.release.build import build_release

    try:
        built = build_release(root, out, validate=not no_validate, date=date, bulk=bulk or ())
    except (NetkgError, OSError) as error:
        raise _release_fail(error) from None
    if not quiet:
        index = json.loads((built / "release.json").read_text(encoding="utf-8"))
        typer.echo(
            f"built {built}/: version {index['version']}, {len(index['files'])} files, "
            f"dated {index['built']}\n{headline(index['graphs'], index['triples'])}"
        )


@app.command()
def diff(
    old: Annotated[Path, typer.Argument(help="Old release folder, source tree or RDF file.")],
    new: Annotated[Path, typer.Argument(help="New release folder, source tree or RDF file.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="text, markdown or json.")] = "text",
    exit_code: Annotated[
        bool, typer.Option("--exit-code", help="Exit 1 when there are differences (as git diff).")
    ] = False,
) -> None:
    """Statements added and removed between two releases or source trees, by subject."""
    from netkg.curate import diff as diffing
    from netkg.errors import NetkgError

    _release_format(fmt, diffing.FORMATS)
    try:
        result = diffing.diff_paths(old, new)
    except (NetkgError, OSError) as error:
        raise _release_fail(error) from None
    typer.echo(diffing.render(result, fmt), nl=False)
    if exit_code and result:
        raise typer.Exit(1)


@app.command()
def stats(
    path: Annotated[Path, typer.Argument(help="Source tree, release folder or RDF file.")] = Path(
        "."
    ),
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
) -> None:
    """Instances per class, triples per property, mappings per vocabulary, citations per type."""
    from netkg.curate import stats as counting
    from netkg.errors import NetkgError

    _release_format(fmt, counting.FORMATS)
    try:
        data = counting.stats_of(path)
    except (NetkgError, OSError) as error:
        raise _release_fail(error) from None
    typer.echo(counting.render(data, fmt), nl=False)


@app.command()
def query(
    sparql: Annotated[
        str, typer.Argument(help="The query text, @file.rq to read a file, - for stdin.")
    ],
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="table, json, csv, tsv or turtle.")
    ] = "table",
    source: Annotated[
        Path, typer.Option("--source", "-s", help="Source tree, release folder or RDF file.")
    ] = Path("."),
) -> None:
    """Run a read-only SPARQL query on the local graph (netkg's prefixes are predeclared)."""
    import sys

    from netkg.curate import query as localquery
    from netkg.errors import NetkgError

    _release_format(fmt, localquery.FORMATS)
    try:
        if sparql == "-":
            sparql = sys.stdin.read()
        elif sparql.startswith("@"):
            sparql = Path(sparql[1:]).read_text(encoding="utf-8")
        store = localquery.open_store(source)
        text = localquery.render(localquery.run_query(store, sparql), fmt)
    except (NetkgError, OSError) as error:
        raise _release_fail(error) from None
    typer.echo(text, nl=False)


# --- serve, load: the service ------------------------------------------------------------------


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    dist: Annotated[
        Path | None, typer.Option(help="The release folder to serve (default: NETKG_DIST or dist).")
    ] = None,
    store: Annotated[
        str | None,
        typer.Option(
            help="embedded (pyoxigraph, nothing to install) or remote (a SPARQL 1.1 endpoint); "
            "default: NETKG_STORE or embedded."
        ),
    ] = None,
    store_url: Annotated[
        str | None,
        typer.Option(
            help="The remote store's SPARQL query endpoint, e.g. http://localhost:7878/query."
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            help="Embedded store: worker processes for long queries, per server process "
            "(default: NETKG_WORKERS or 2)."
        ),
    ] = None,
    max_query_timeout: Annotated[
        float | None,
        typer.Option(
            help="The most `timeout=` a request may ask, s (NETKG_MAX_QUERY_TIMEOUT, 60)."
        ),
    ] = None,
    queue_size: Annotated[
        int | None,
        typer.Option(
            help="Long queries that may wait for a worker; more: 503 (NETKG_QUEUE_SIZE, 8)."
        ),
    ] = None,
    client_limit: Annotated[
        int | None,
        typer.Option(
            help="Long queries one client may have in flight; more: 429 (NETKG_CLIENT_LIMIT, 2)."
        ),
    ] = None,
    max_query_depth: Annotated[
        int | None,
        typer.Option(
            help="Deepest nesting a query may have; deeper: 400 (NETKG_MAX_QUERY_DEPTH, 64)."
        ),
    ] = None,
    max_query_bytes: Annotated[
        int | None,
        typer.Option(help="Longest query accepted; longer: 400 (NETKG_MAX_QUERY_BYTES, 100000)."),
    ] = None,
    build_if_missing: Annotated[
        bool,
        typer.Option(
            "--build-if-missing/--no-build",
            help="Build the release from --root first when there is none.",
        ),
    ] = True,
    root: Annotated[Path, typer.Option(help="The project folder (for building).")] = Path("."),
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
    access_log: Annotated[
        bool, typer.Option("--access-log/--no-access-log", help="Log every request.")
    ] = True,
    processes: Annotated[
        int,
        typer.Option(
            min=0,
            help="HTTP server processes sharing the port (they share the read-only store); "
            "0: the default, one per core (the best measured, bench/RESULTS.md).",
        ),
    ] = 0,
    get: Annotated[
        str | None,
        typer.Option(
            "--get",
            help="Answer one GET request for this path (e.g. '/sparql?query=ASK{}'), print "
            "the body and exit (1 unless 2xx): a smoke test without a server.",
        ),
    ] = None,
    accept: Annotated[str, typer.Option(help="Accept header for --get.")] = "*/*",
) -> None:
    """Serve the release: SPARQL, linked data and the REST API, on an embedded store by default.

    On a fresh checkout this builds `dist/` first, so `netkg serve` is all there is to run.
    """
    import uvicorn

    from netkg.config import Settings, default_processes
    from netkg.errors import NetkgError
    from netkg.store import read_release, store_location

    err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)
    try:
        settings = Settings.from_env(
            dist=dist,
            store=store,
            store_url=store_url,
            workers=workers,
            max_query_timeout=max_query_timeout,
            queue_size=queue_size,
            client_limit=client_limit,
            max_query_depth=max_query_depth,
            max_query_bytes=max_query_bytes,
        )
        if not (settings.dist / "release.json").is_file():
            if not build_if_missing:
                err.print(
                    f"netkg serve: no release in {settings.dist}; run `netkg build`", markup=False
                )
                raise typer.Exit(2)
            from netkg.release.build import build_release

            err.print(
                f"netkg serve: no release in {settings.dist}; building it from {root}…",
                markup=False,
            )
            build_release(root, settings.dist)
        processes = processes or default_processes()
        if get is not None or processes == 1:
            from netkg.web.app import create_app

            application = create_app(settings)
            release = application.state.netkg.release
        else:  # the processes open the app; here only what would stop them all
            release = read_release(settings.dist)
            if settings.store == "embedded":
                store_location(release)  # an older release's store is built once, here
    except NetkgError as error:
        err.print(f"netkg serve: {error.message}", markup=False)
        raise typer.Exit(error.exit_code) from None
    if get is not None:
        raise typer.Exit(_get_once(application, get, accept))
    err.print(
        f"netkg serve: http://{host}:{port}/sparql ({settings.store} store, "
        f"release {release.version}, {processes} process(es))",
        markup=False,
    )
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": log_level,
        "access_log": access_log,
        "limit_concurrency": 1000,
        "timeout_graceful_shutdown": 5,
        "server_header": False,  # say nothing of the server software
    }
    if processes == 1:
        uvicorn.run(application, **options)
        return
    # Several processes import the app by name, so they take their settings from the environment.
    from netkg.web.processes import serve_processes

    os.environ.update(settings.to_env())
    serve_processes(processes, options)


def _get_once(application: object, path: str, accept: str) -> int:
    """Run one request through the app in-process (no socket) and print its body."""
    import asyncio
    import sys

    import httpx

    async def fetch() -> httpx.Response:
        transport = httpx.ASGITransport(app=application)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
            return await client.get(path, headers={"Accept": accept})

    try:
        response = asyncio.run(fetch())
    finally:
        application.state.netkg.store.close()  # type: ignore[attr-defined]
    sys.stdout.buffer.write(response.content)
    sys.stdout.flush()
    return 0 if response.is_success else 1


@app.command()
def load(
    to: Annotated[
        str,
        typer.Option(
            help="The store's Graph Store Protocol endpoint (e.g. http://localhost:7878/store, "
            "Virtuoso's http://localhost:8890/sparql-graph-crud); a bare server URL gets /store "
            "appended (Oxigraph's)."
        ),
    ],
    dist: Annotated[Path, typer.Option(help="The release folder to load.")] = Path("dist"),
) -> None:
    """Load the release into a remote store: PUT each of its named graphs (Graph Store Protocol).

    Then serve it with `netkg serve --store remote --store-url <its SPARQL endpoint>`.
    """
    from urllib.parse import urlsplit

    from netkg.errors import NetkgError
    from netkg.store import load_release_to

    err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)
    target = to if urlsplit(to).path not in ("", "/") else to.rstrip("/") + "/store"
    nquads = dist / "netkg.nq"
    if not nquads.is_file():
        err.print(f"netkg load: no {nquads}; run `netkg build` first", markup=False)
        raise typer.Exit(2)
    try:
        counts = load_release_to(target, nquads)
    except NetkgError as error:
        err.print(f"netkg load: {error.message}", markup=False)
        raise typer.Exit(error.exit_code) from None
    for name, count in counts.items():
        print(f"{count:>8} triples  {name or '(default graph)'}")


if __name__ == "__main__":
    app()
