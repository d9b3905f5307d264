"""The web service: `create_app(settings)`, the one route table, and the one error handler.

Routers live in their own modules (`sparql`, `resources`, `api`, `partner`, …) and read the shared
`AppState` with `netkg.web.state.app_state`; this module only wires them together:

>>> app = create_app(Settings(dist=Path("dist")))  # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http import HTTPStatus
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response
from starlette.staticfiles import StaticFiles

import netkg
from netkg.config import Settings
from netkg.errors import NetkgError
from netkg.store import Release, Store, open_store, read_release
from netkg.web import api, diagram, fhir, guide, openapi, partner, resources, sparql
from netkg.web.http import add_http_policies, content_security_policy, inline_scripts
from netkg.web.negotiate import Offer
from netkg.web.pages import render
from netkg.web.respcache import ResponseCache
from netkg.web.state import AppState

__all__ = [
    "Release",
    "app_from_env",
    "create_app",
    "error_response",
    "reload_release",
]

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"


def swagger_ui_assets() -> Path:
    """Swagger UI's files, from the swagger-ui-py package (a dependency, so an installed wheel
    has them): /docs works offline, with no CDN and no npm. Found, not imported: its module
    wires up web frameworks netkg does not use."""
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        raise NetkgError("Swagger UI assets are missing: install swagger-ui-py (see pyproject)")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


ERRORS = Offer("an error", {"json": "application/json", "html": "text/html"})


def error_response(request: Request, status: int, message: str) -> Response:
    """One rendering for every error: JSON for machines, the site's error page for browsers."""
    if ERRORS.choose(request.headers.get("accept")) == "text/html":
        reason = HTTPStatus(status).phrase
        return render(
            request, "error.html", status_code=status, status=status, reason=reason, message=message
        )
    return JSONResponse({"error": message, "status": status}, status_code=status)


def _install_error_handlers(app: FastAPI) -> None:
    async def netkg_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, NetkgError)
        if exc.status_code >= 500 and type(exc) is NetkgError:
            log.error("internal error on %s: %s", request.url.path, exc.message)
        response = error_response(request, exc.status_code, exc.message)
        if exc.status_code == 405 and isinstance(exc.detail, str):
            response.headers["Allow"] = exc.detail
        if exc.status_code in (429, 503):
            response.headers["Retry-After"] = "1"
        return response

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        response = error_response(request, exc.status_code, str(exc.detail))
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        return response

    async def validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        parts = []
        for error in exc.errors():
            where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("query", "path"))
            parts.append(f"{where}: {error.get('msg')}" if where else str(error.get("msg")))
        return error_response(request, 400, "; ".join(parts) or "invalid request")

    async def internal_error(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s", request.url.path, exc_info=exc)
        return error_response(request, 500, "internal server error")

    app.add_exception_handler(NetkgError, netkg_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(Exception, internal_error)


def reload_release(app: FastAPI) -> bool:
    """Serve a new release from `settings.dist` if there is one; True if it was swapped in.

    The new store is opened before the swap; the old one keeps answering the queries it has
    and is closed when its last one ends. At most one old store is kept: a third release closes
    the oldest at once (its queries still running get 502), so rebuilds in quick succession
    never pile up stores or workers. A release half written or unreadable is ignored: the
    service keeps answering from the one it has.
    """
    state: AppState = app.state.netkg
    try:
        release = read_release(state.settings.dist)
    except NetkgError:
        return False
    if release.etag == state.release.etag:
        return False
    store = open_store(state.settings, release)
    app.state.netkg = AppState(settings=state.settings, store=store, release=release)
    retired: list[Store] = app.state.retired_stores
    for older in retired:
        older.close()
    retired[:] = [state.store]
    state.store.close(drain=True)
    log.warning("serving release %s (was %s)", release.version, state.release.version)
    return True


async def _watch_release(app: FastAPI, interval: float) -> None:
    """Check dist/ for a new release every `interval` seconds (builds replace it atomically)."""
    while True:
        await asyncio.sleep(interval)
        try:
            await run_in_threadpool(reload_release, app)
        except Exception:  # keep serving the current release, and keep watching
            log.exception("could not load the new release")


def create_app(settings: Settings, *, store: Store | None = None) -> FastAPI:
    """Build the service for `settings`: open the store, include every router, add HTTP policies.

    `store` lets a caller (a test, a benchmark) pass an open store; otherwise `open_store` opens
    one, and the app closes it at shutdown.
    """
    release = read_release(settings.dist)
    owned = store is None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        watcher = None
        if owned and settings.reload_interval > 0:
            watcher = asyncio.create_task(_watch_release(app, settings.reload_interval))
        yield
        if watcher is not None:
            watcher.cancel()
        if owned:
            app.state.netkg.store.close()
            for older in app.state.retired_stores:
                older.close()

    app = FastAPI(
        title="netkg",
        version=netkg.__version__,
        description="The neuroendocrine tumour treatment graph: SPARQL, linked data, a REST API.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    _install_error_handlers(app)
    # The one route table, in the order routes are matched.
    app.include_router(sparql.router)  # /sparql: protocol, service description, editor
    app.include_router(resources.router)  # /, /id/…, /ontology, /download/…, /-/health, …
    app.include_router(api.router_for(settings))  # /api, /api/<name> from api/*.rq
    app.include_router(partner.router)  # /partner/…, /partners
    app.include_router(guide.router)  # /guide, /guide/diagram.svg
    app.include_router(fhir.router)  # /fhir/…: FHIR R4 terminology, read-only
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    openapi.install(app, max_query_timeout=settings.max_query_timeout)
    _add_api_docs(app)
    app.add_middleware(sparql.FastSparql)  # innermost: bounded GET /sparql without routing
    add_http_policies(app, csp=content_security_policy(styles=[diagram.STYLE]))  # guide's SVG
    app.add_middleware(ResponseCache, max_entries=4 * settings.cache_size)  # outermost
    # The store last: its worker processes are only started once nothing else can fail.
    the_store = store if store is not None else open_store(settings, release)
    app.state.netkg = AppState(settings=settings, store=the_store, release=release)
    app.state.retired_stores = []  # the store of the release before, until its queries end
    return app


def app_from_env() -> FastAPI:
    """The app for `uvicorn --factory`, as `netkg serve --processes N` runs it: NETKG_* settings."""
    return create_app(Settings.from_env())


def _add_api_docs(app: FastAPI) -> None:
    """`/docs`: Swagger UI for the OpenAPI document, served from our own copy of its assets."""
    assets = swagger_ui_assets()
    if not (assets / "swagger-ui-bundle.js").is_file():
        raise NetkgError(f"Swagger UI assets are missing in {assets}: install swagger-ui-py")
    app.mount("/assets/swagger-ui", StaticFiles(directory=assets), name="swagger-ui")

    @app.get("/docs", include_in_schema=False)
    def api_docs() -> Response:
        page = get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="netkg API",
            swagger_js_url="/assets/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/assets/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/assets/swagger-ui/favicon-32x32.png",
        )
        # FastAPI starts Swagger UI with an inline script: allow exactly that one
        scripts = inline_scripts(bytes(page.body).decode("utf-8"))
        page.headers["Content-Security-Policy"] = content_security_policy(scripts=scripts)
        return page
