"""Linked data: every netkg IRI dereferences, and the dataset describes itself.

Routes (top to bottom):
- `/` — the landing page for browsers; the VoID/DCAT description for RDF clients (200, not 303:
  `https://w3id.org/netkg/` names this home document, an information resource, so Cool URIs asks
  for no redirect; `Content-Location` names the VoID document the bytes come from).
- `/.well-known/void`, `/void` — VoID + DCAT from the release (`nv:` IRIs live in `/void`).
- `/context.jsonld` — netkg's JSON-LD `@context`.
- `/download/`, `/download/{name}` — the release files (only names release.json lists), checksums.
- `/-/health`, `/-/version` — for load balancers and people.
- `/ontology` — the ontology, documented (HTML) or whole (RDF); `/ontology/{…}` for term paths.
- `/id/{…}` — any instance IRI: its description by content negotiation; `/id`, `/id/` lead to
  the list of every resource. `/external/{…}` — IRIs minted for codes without one (ICD-O-3).
- `/graph/{name}` — a named graph of the release: 303 to the query on /sparql that returns it.

Every RDF document negotiates HTML, Turtle, JSON-LD, N-Triples and RDF/XML; `?format=` and the
suffixes `.html .ttl .jsonld .nt .rdf` override Accept.
Caching, ETags, HEAD and CORS: netkg.web.http.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pyoxigraph as ox
from fastapi import APIRouter, Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response

import netkg
from netkg import queries
from netkg.errors import NotFound
from netkg.store.guard import inline_terms
from netkg.web import describe as d
from netkg.web import openapi
from netkg.web.cache import ReleaseCache
from netkg.web.http import fixed_representation
from netkg.web.negotiate import GRAPH, HTML, Choice, Offer, negotiate
from netkg.web.pages import render, request_language
from netkg.web.sparql import named_graphs
from netkg.web.state import AppState, app_state

__all__ = ["router"]

router = APIRouter()

DOCUMENT = Offer(
    "this resource",
    {
        "html": HTML,
        "ttl": "text/turtle",
        "jsonld": "application/ld+json",
        "nt": "application/n-triples",
        "rdf": "application/rdf+xml",
    },
)
"""Every RDF document, in our order of preference (a browser, or `*/*`, gets HTML); the names
are its suffixes and `?format=` values."""
LISTING = Offer("the download listing", {"html": HTML, "json": "application/json"})

CONTENT_TYPES: dict[str, str] = {
    HTML: "text/html; charset=utf-8",
    "text/turtle": "text/turtle; charset=utf-8",
    "application/ld+json": "application/ld+json",
    "application/n-triples": "application/n-triples",
    "application/rdf+xml": "application/rdf+xml",
}

DOWNLOAD_TYPES: dict[str, str] = {
    ".ttl": "text/turtle; charset=utf-8",
    ".nt": "application/n-triples",
    ".nq": "application/n-quads",
    ".jsonld": "application/ld+json",
    ".json": "application/json",
    ".tsv": "text/tab-separated-values; charset=utf-8",
}

VOID_PATH = "/void"


# --- per-release caches -----------------------------------------------------------------------


def _cache_of(request: Request) -> ReleaseCache[Hashable, Any]:
    """One cache per app (so two apps over different stores never share answers)."""
    cache: ReleaseCache[Hashable, Any] | None = getattr(request.app.state, "resources_cache", None)
    if cache is None:
        cache = ReleaseCache(256)
        request.app.state.resources_cache = cache
    return cache


@dataclass(frozen=True)
class _Site:
    """What a request needs from the app state, read once."""

    base: str
    etag: str
    version: str
    dist: Path
    files: dict[str, str]
    state: AppState
    cache: ReleaseCache[Hashable, Any]


def _site(request: Request) -> _Site:
    state = app_state(request)
    release = state.release
    return _Site(
        base=str(state.settings.base),
        etag=str(release.etag),
        version=str(release.version),
        dist=Path(release.path),
        files=dict(release.files),
        state=state,
        cache=_cache_of(request),
    )


def _path_of(iri: str, base: str) -> str:
    return "/" + iri[len(base) :] if iri.startswith(base) else iri


def _context(site: _Site) -> dict[str, Any]:
    """The release's `@context` (dist/context.jsonld), else one made from the model's prefixes."""

    def load() -> dict[str, Any]:
        path = site.dist / "context.jsonld"
        if path.is_file():
            loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            return loaded
        from rdflib import Graph

        from netkg.release.context import make_context

        return make_context(Graph())

    result: dict[str, Any] = site.cache.get_or_make(site.etag, "context", load)
    return result


def _release_meta(site: _Site) -> dict[str, Any]:
    def load() -> dict[str, Any]:
        try:
            meta: dict[str, Any] = json.loads((site.dist / "release.json").read_bytes())
            return meta
        except (OSError, ValueError):
            return {}

    result: dict[str, Any] = site.cache.get_or_make(site.etag, "release.json", load)
    return result


# --- negotiation and the response -------------------------------------------------------------


def _choose(request: Request, suffix: str | None) -> Choice:
    """(media type, negotiated?): `?format=` beats a suffix beats Accept."""
    formats = request.query_params.getlist("format")
    return negotiate(DOCUMENT, request.headers.get("accept"), formats, suffix)


def _suffix(path: str, ext: str) -> str:
    """`ext` of a document that has no other path: any other is 404, as the document is not."""
    if ext not in DOCUMENT.names:
        raise NotFound(f"no {path}.{ext}; try one of: " + ", ".join(DOCUMENT.names))
    return ext


def _split_suffix(path: str) -> tuple[str, str | None]:
    """`surgery.ttl` -> (`surgery`, `ttl`); only a known suffix is stripped."""
    stem, dot, ext = path.rpartition(".")
    if dot and stem and ext in DOCUMENT.names and "/" not in ext:
        return stem, ext
    return path, None


def _name_of(media: str) -> str:
    return next(name for name, value in DOCUMENT.names.items() if value == media)


def _links(doc_path: str, chosen: str) -> str:
    """`Link` to every other representation, except on JSON-LD: pyld's document loader (3.3)
    fails on a response with more than one `rel="alternate"`, so JSON-LD links Turtle only."""
    others = [(n, m) for n, m in DOCUMENT.names.items() if m != chosen]
    if chosen == "application/ld+json":
        others = [("ttl", "text/turtle")]
    return ", ".join(f'<{doc_path}.{n}>; rel="alternate"; type="{m}"' for n, m in others)


def _respond(
    site: _Site,
    choice: Choice,
    doc_path: str,
    description: d.Description,
    page: Callable[[], Response],
) -> Response:
    """A document as `choice` says: its HTML `page` or its RDF, and where the others are."""
    media, negotiated = choice
    if media == HTML:
        response = page()
    else:
        body = _rdf_bytes(site, description.iri, description, media)
        response = Response(body, media_type=CONTENT_TYPES[media])
    response.headers["Content-Location"] = f"{doc_path}.{_name_of(media)}"
    response.headers["Link"] = _links(doc_path, media)
    if not negotiated:
        fixed_representation(response)
    return response


def _rdf_bytes(site: _Site, key: str, description: d.Description, media: str) -> bytes:
    body: bytes = site.cache.get_or_make(
        site.etag,
        ("rdf", key, media),
        lambda: d.serialise(description, media, _context(site)),
    )
    return body


def _not_found(request: Request, media: str, what: str) -> Response:
    """An unknown IRI: 404, as an HTML page for browsers, else the service's JSON error."""
    if media == HTML:
        return render(request, "not_found.html", status_code=404, message=what)
    raise NotFound(what)


# --- descriptions ------------------------------------------------------------------------------


def _description(site: _Site, iri: str) -> d.Description:
    try:
        ox.NamedNode(iri)
    except ValueError:
        return d.Description(iri, ())
    result: d.Description = site.cache.get_or_make(
        site.etag, ("describe", iri), lambda: d.describe(site.state.store, iri)
    )
    return result


def _resource(request: Request, path: str) -> Response:
    """Dereference `/{path}`: strip a known suffix, else take the path as it is."""
    site = _site(request)
    stem, suffix = _split_suffix(path)
    iri = site.base + stem
    description = _description(site, iri)
    if not description and suffix is not None:  # an IRI that really ends in ".ttl"?
        whole = _description(site, site.base + path)
        if whole:
            stem, suffix, iri, description = path, None, site.base + path, whole
    choice = _choose(request, suffix)
    if not description:
        return _not_found(request, choice.media_type, f"no resource {iri} in this release")

    def page() -> Response:
        view = site.cache.get_or_make(
            site.etag,
            ("view", iri, _lang(request)),
            lambda: _resource_view(description, iri, site, request),
        )
        return render(request, "resource.html", **view)

    return _respond(site, choice, "/" + stem, description, page)


def _lang(request: Request) -> str:
    return request_language(request)


def _resource_view(
    description: d.Description, iri: str, site: _Site, request: Request
) -> dict[str, Any]:
    lang = _lang(request)
    graph = d.Graph(description.triples)
    hidden = {d.RDF + "type"}
    properties = [
        (graph.value(ox.NamedNode(p), lang), [graph.value(o, lang) for o in objects])
        for p, objects in sorted(graph.out.get(iri, {}).items())
        if p not in hidden
    ]
    incoming = [
        (graph.value(ox.NamedNode(p), lang), [graph.value(s, lang) for s in subjects])
        for p, subjects in sorted(graph.into.get(iri, {}).items())
        if p != d.OWL + "annotatedSource"
    ]
    mappings = []
    for axiom in graph.into.get(iri, {}).get(d.OWL + "annotatedSource", []):
        key = axiom.value if isinstance(axiom, ox.NamedNode) else str(axiom)
        prop = graph.iris(key, d.OWL + "annotatedProperty")
        target = graph.iris(key, d.OWL + "annotatedTarget")
        mappings.append(
            {
                "axiom": graph.value(axiom, lang),
                "property": graph.value(ox.NamedNode(prop[0]), lang) if prop else None,
                "target": target[0] if target else None,
                "label": graph.literal(key, d.SSSOM + "object_label", lang),
                "justification": [
                    graph.value(o, lang)
                    for o in graph.objects(key, d.SSSOM + "mapping_justification")
                ],
                "comment": graph.text(key, d.RDFS + "comment", lang),
            }
        )
    mappings.sort(key=lambda m: str(m["target"]))
    doc_path = _path_of(iri.partition("#")[0], site.base)  # /void#netkg is described by /void
    return {
        "iri": iri,
        "title": graph.labels.value(iri, lang),
        "types": [graph.value(o, lang) for o in graph.objects(iri, d.RDF + "type")],
        "definition": graph.literal(iri, d.SKOS + "definition", lang)
        or graph.literal(iri, d.RDFS + "comment", lang),
        "deprecated": any(lit.value == "true" for lit in graph.literals(iri, d.OWL + "deprecated")),
        "replaced_by": [
            graph.value(o, lang) for o in graph.objects(iri, d.DCTERMS + "isReplacedBy")
        ],
        "properties": properties,
        "incoming": incoming,
        "mappings": mappings,
        "alternates": [(name, f"{doc_path}.{name}", media) for name, media in GRAPH.names.items()],
        # the same JSON-LD as the .jsonld representation, for search engines and extractors
        "jsonld": json.loads(_rdf_bytes(site, iri, description, "application/ld+json")),
    }


# --- routes: the dataset ------------------------------------------------------------------------


def _void(site: _Site) -> d.Description:
    """The release's VoID/DCAT description (dist/void.ttl), as the description of its dataset."""

    def load() -> d.Description:
        path = site.dist / "void.ttl"
        if not path.is_file():
            raise NotFound("this release has no VoID description (void.ttl)")
        triples = [q.triple for q in ox.parse(path=path, format=ox.RdfFormat.TURTLE)]
        return d.Description.of(site.base + "void#netkg", triples)

    result: d.Description = site.cache.get_or_make(site.etag, "void", load)
    return result


def _void_response(request: Request, suffix: str | None) -> Response:
    site = _site(request)
    choice = _choose(request, suffix)
    description = _void(site)

    def page() -> Response:
        view = _resource_view(description, description.iri, site, request)
        return render(request, "resource.html", **view)

    return _respond(site, choice, VOID_PATH, description, page)


@router.get("/", include_in_schema=False)
def home(request: Request) -> Response:
    """The landing page, or (for RDF clients) the dataset's VoID/DCAT description."""
    media, negotiated = _choose(request, None)
    if media != HTML:
        return _void_response(request, None)
    site = _site(request)
    lang = _lang(request)
    try:
        void = _void(site)
    except NotFound:  # a release without void.ttl still has a home page
        void = d.Description(site.base + "void#netkg", ())
    graph = d.Graph(void.triples)
    meta = _release_meta(site)
    response = render(
        request,
        "home.html",
        title=graph.literal(void.iri, d.DCTERMS + "title", lang) or d.Value("netkg"),
        description=graph.literal(void.iri, d.DCTERMS + "description", lang),
        licenses=[graph.value(o, lang) for o in graph.objects(void.iri, d.DCTERMS + "license")],
        rights=[
            {
                "iri": r,
                "label": graph.literal(r, d.RDFS + "label", lang),
                "text": graph.literal(r, d.RDFS + "comment", lang),
            }
            # netkg's own licence first, then what others own
            for r in sorted(
                graph.iris(void.iri, d.DCTERMS + "rights"),
                key=lambda r: (not graph.iris(r, d.DCTERMS + "license"), r),
            )
        ],
        version=site.version,
        built=meta.get("built"),
        triples=meta.get("triples"),
        formats=list(GRAPH.names.items()),
    )
    response.headers["Content-Location"] = "/"
    response.headers["Link"] = _links(VOID_PATH, HTML)
    if not negotiated:
        fixed_representation(response)
    return response


def _document_route(path: str, summary: str, what: str) -> Callable[[Any], Any]:
    """The route of one RDF document, negotiated: OpenAPI lists every representation."""
    return router.get(
        path,
        summary=summary,
        response_class=Response,
        responses=openapi.responses(what, DOCUMENT.media_types, 400, 404, 406),
    )


@_document_route(
    "/.well-known/void", "VoID and DCAT description of the dataset", "The dataset's description."
)
def well_known_void(request: Request) -> Response:
    """VoID + DCAT (RFC 5785 well-known location, as the VoID guide asks)."""
    return _void_response(request, None)


@router.get("/void", include_in_schema=False)
def void_document(request: Request) -> Response:
    return _void_response(request, None)


@router.get("/void.{ext}", include_in_schema=False)
def void_file(request: Request, ext: str) -> Response:
    return _void_response(request, _suffix("/void", ext))


@router.get(
    "/context.jsonld",
    summary="netkg's JSON-LD @context",
    response_class=Response,
    responses=openapi.responses("The @context.", ["application/ld+json"]),
)
def context_document(request: Request) -> Response:
    site = _site(request)
    body = json.dumps(_context(site), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    path = site.dist / "context.jsonld"
    raw = path.read_bytes() if path.is_file() else body.encode()
    return fixed_representation(Response(raw, media_type="application/ld+json"))


def _downloads(site: _Site) -> list[dict[str, Any]]:
    rows = []
    index = site.dist / "release.json"
    files = dict(site.files)
    if index.is_file():
        files["release.json"] = hashlib.sha256(index.read_bytes()).hexdigest()
    for name, sha in sorted(files.items()):
        path = site.dist / name
        size = path.stat().st_size if path.is_file() else None
        rows.append({"name": name, "sha256": sha, "size": size, "url": f"/download/{name}"})
    return rows


@router.get("/download", include_in_schema=False)
@router.get(
    "/download/",
    summary="The release files, with sha256 checksums",
    response_class=Response,
    responses=openapi.responses("The listing.", [HTML, "application/json"], 400, 406),
)
def download_index(request: Request) -> Response:
    site = _site(request)
    rows = _downloads(site)
    formats = request.query_params.getlist("format")
    if negotiate(LISTING, request.headers.get("accept"), formats).media_type == HTML:
        return render(request, "downloads.html", files=rows, version=site.version)
    return JSONResponse({"version": site.version, "files": rows})


@router.get(
    "/download/{name}",
    summary="One release file",
    response_class=Response,
    responses=openapi.responses(
        "The file.", [*DOWNLOAD_TYPES.values(), "application/octet-stream"], 404
    ),
)
def download_file(request: Request, name: str) -> Response:
    """Only a file release.json lists is served: no path ever reaches the disk unchecked."""
    site = _site(request)
    sha = site.files.get(name)
    path = site.dist / name
    if name == "release.json":  # the index itself: it can't list its own checksum
        sha = site.cache.get_or_make(
            site.etag, "release.json sha", lambda: hashlib.sha256(path.read_bytes()).hexdigest()
        )
    if sha is None or not path.is_file():
        raise NotFound(f"no file {name!r} in this release; see /download/ for the list")
    digest = base64.b64encode(bytes.fromhex(sha)).decode()
    suffix = "." + name.rpartition(".")[2]
    response = FileResponse(
        path,
        media_type=DOWNLOAD_TYPES.get(suffix, "application/octet-stream"),
        headers={
            "ETag": f'"{sha}"',
            "Repr-Digest": f"sha-256=:{digest}:",
            "Digest": f"SHA-256={digest}",
        },
    )
    return fixed_representation(response)


@router.get("/-/health", summary="Health: is a release loaded, which store answers")
def health(request: Request) -> Response:
    state = app_state(request)
    body = {
        "status": "ok",
        "release": str(state.release.version),
        "store": str(state.settings.store),
        **state.store.status(),
    }
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


@router.get("/-/version", summary="netkg's version and the release's")
def version(request: Request) -> Response:
    site = _site(request)
    meta = _release_meta(site)
    body = {
        "netkg": netkg.__version__,
        "release": {"version": site.version, "built": meta.get("built"), "etag": site.etag},
    }
    return JSONResponse(body, headers={"Cache-Control": "no-cache"})


# --- routes: the ontology ----------------------------------------------------------------------


def _ontology(site: _Site) -> d.Description:
    iri = site.base + "ontology"
    result: d.Description = site.cache.get_or_make(
        site.etag, "ontology", lambda: d.ontology_graph(site.state.store, iri)
    )
    return result


def _ontology_response(request: Request, suffix: str | None) -> Response:
    site = _site(request)
    choice = _choose(request, suffix)
    description = _ontology(site)
    if not description:
        return _not_found(request, choice.media_type, "this release has no ontology graph")

    def page() -> Response:
        lang = _lang(request)
        view = site.cache.get_or_make(
            site.etag, ("ontology view", lang), lambda: d.ontology_view(description, lang)
        )
        return render(request, "ontology.html", **view)

    return _respond(site, choice, "/ontology", description, page)


@_document_route("/ontology", "The netkg ontology (documentation or RDF)", "The ontology.")
def ontology(request: Request) -> Response:
    return _ontology_response(request, None)


@router.get("/ontology.{ext}", include_in_schema=False)
def ontology_file(request: Request, ext: str) -> Response:
    return _ontology_response(request, _suffix("/ontology", ext))


@router.get("/ontology/{rest:path}", include_in_schema=False)
def ontology_path(request: Request, rest: str) -> Response:
    """`/ontology/Treatment` -> 303 to `/ontology#Treatment`; the version IRI -> 303 to
    `/ontology`; anything else under ontology/ is described like any other IRI."""
    site = _site(request)
    description = _ontology(site)
    graph: d.Graph = site.cache.get_or_make(
        site.etag, "ontology index", lambda: d.Graph(description.triples)
    )
    term = site.base + "ontology#" + rest
    if rest and term in graph.out:
        return RedirectResponse(f"/ontology#{rest}", status_code=303)
    if site.base + "ontology/" + rest in graph.iris(description.iri, d.OWL + "versionIRI"):
        return RedirectResponse("/ontology", status_code=303)
    return _resource(request, "ontology/" + rest)


# --- routes: instances ------------------------------------------------------------------------


def _see_query(query: str) -> Response:
    """303 to /sparql with `query`: the editor and its results for people, the answer in the
    negotiated format for machines."""
    return RedirectResponse("/sparql?" + urlencode({"query": query}), status_code=303)


@router.get("/id", include_in_schema=False)
def resource_index(request: Request) -> Response:
    """`/id` and `/id/` lead to the list of every resource: `queries/resources/index.rq` on
    /sparql, with the IRI space of this base written in for `?ids`."""
    ids = ox.Literal(_site(request).base + "id/")
    return _see_query(inline_terms(queries.text(__name__, "index"), {"ids": ids}))


@router.get(
    "/id/{rest:path}",
    summary="Any netkg resource, by content negotiation",
    response_class=Response,
    responses=openapi.responses(
        "The resource's description.", DOCUMENT.media_types, 303, 400, 404, 406
    ),
)
def resource(request: Request, rest: str) -> Response:
    """`/id/surgery` is `https://w3id.org/netkg/id/surgery` (under the configured base)."""
    if not rest:
        return resource_index(request)
    return _resource(request, "id/" + rest)


@router.get("/external/{rest:path}", include_in_schema=False)
def external(request: Request, rest: str) -> Response:
    """IRIs netkg mints for codes with no IRI of their own (ICD-O-3: `/external/icdo3/8240-3`)."""
    return _resource(request, "external/" + rest)


@router.get("/graph/{name}", include_in_schema=False)
def named_graph(request: Request, name: str) -> Response:
    """A named graph of the release: 303 to the query that returns it, on /sparql."""
    site = _site(request)
    iri = site.base + "graph/" + name
    graphs = site.cache.get_or_make(site.etag, "graphs", lambda: named_graphs(site.state.store))
    if iri not in {graph for graph, _ in graphs}:
        raise NotFound(f"no named graph {iri} in this release; see /sparql for the list")
    return _see_query(d.graph_query(iri))
