"""The app-wide HTTP rules (netkg.web.http) on a tiny app whose routes we control.

Each test names the rule it pins; the rules themselves are listed in netkg/web/http.py.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
from typing import Any

import pytest
from fastapi import FastAPI, Response
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, StreamingResponse
from fastapi.testclient import TestClient

from netkg.web.http import (
    add_http_policies,
    content_security_policy,
    fixed_representation,
    if_none_match_matches,
    inline_scripts,
)


def make_app(**options: Any) -> FastAPI:
    app = FastAPI()

    @app.get("/text")
    def text() -> Response:
        return PlainTextResponse("hello")

    @app.get("/other")
    def other() -> Response:
        return PlainTextResponse("goodbye")

    @app.get("/tagged")
    def tagged() -> Response:
        return PlainTextResponse("file", headers={"ETag": '"sha-abc"'})

    @app.get("/fixed")
    def fixed() -> Response:
        return fixed_representation(PlainTextResponse("one form only"))

    @app.get("/own-cache")
    def own_cache() -> Response:
        return PlainTextResponse("x", headers={"Cache-Control": "no-store"})

    @app.get("/varies")
    def varies() -> Response:
        return PlainTextResponse("x", headers={"Vary": "Accept-Language"})

    @app.get("/cookie")
    def cookie() -> Response:
        response = PlainTextResponse("x")
        response.set_cookie("lang", "fr")
        return response

    @app.get("/missing")
    def missing() -> Response:
        return JSONResponse({"error": "nope"}, status_code=404)

    @app.get("/broken")
    def broken() -> Response:
        return JSONResponse({"error": "store down"}, status_code=502)

    @app.get("/stream")
    def stream() -> Response:
        return StreamingResponse(iter([b"a" * 10, b"b" * 10, b"c" * 10]), media_type="text/plain")

    @app.post("/post")
    def post() -> Response:
        return PlainTextResponse("posted")

    @app.get("/page")
    def page() -> Response:
        return HTMLResponse("<!doctype html><title>x</title>")

    @app.post("/page")
    def page_by_post() -> Response:
        return HTMLResponse("<!doctype html><title>x</title>")

    @app.get("/picture")
    def picture() -> Response:
        return Response("<svg/>", media_type="image/svg+xml")

    @app.get("/own-policy")
    def own_policy() -> Response:
        return HTMLResponse("<p>", headers={"Content-Security-Policy": "default-src 'none'"})

    add_http_policies(app, **options)
    return app


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(make_app(max_age=123, error_max_age=7))


def raw_call(
    app: FastAPI, method: str, path: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """Drive the ASGI app directly, to see exactly what it sends (httpx hides HEAD bodies)."""
    messages: list[dict[str, Any]] = []
    requested: list[bool] = []

    async def receive() -> dict[str, Any]:
        if not requested:
            requested.append(True)
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()  # like a server: nothing more until the client leaves
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    asyncio.run(app(scope, receive, send))  # type: ignore[arg-type]
    start = next(m for m in messages if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, body


# --- ETag -------------------------------------------------------------------------------------


def test_every_200_get_gets_a_strong_etag_that_depends_on_the_body(client: TestClient) -> None:
    first = client.get("/text")
    again = client.get("/text")
    other = client.get("/other")
    etag = first.headers["etag"]
    assert etag.startswith('"') and etag.endswith('"') and not etag.startswith("W/")
    assert again.headers["etag"] == etag
    assert other.headers["etag"] != etag
    assert first.text == "hello"


def test_a_route_that_sets_its_own_etag_keeps_it(client: TestClient) -> None:
    assert client.get("/tagged").headers["etag"] == '"sha-abc"'


def test_streamed_bodies_are_hashed_whole(client: TestClient) -> None:
    response = client.get("/stream")
    assert response.text == "a" * 10 + "b" * 10 + "c" * 10
    assert "etag" in response.headers
    conditional = client.get("/stream", headers={"If-None-Match": response.headers["etag"]})
    assert conditional.status_code == 304


def test_bodies_past_the_buffer_limit_stream_through_without_an_etag() -> None:
    small = TestClient(make_app(max_buffer=15))
    response = small.get("/stream")
    assert response.text == "a" * 10 + "b" * 10 + "c" * 10
    assert "etag" not in response.headers
    assert "etag" in small.get("/text").headers


def test_errors_get_no_etag(client: TestClient) -> None:
    assert "etag" not in client.get("/missing").headers


# --- Cache-Control ----------------------------------------------------------------------------


def test_cache_control_for_success_errors_and_server_errors(client: TestClient) -> None:
    assert client.get("/text").headers["cache-control"] == "public, max-age=123"
    assert client.get("/missing").headers["cache-control"] == "public, max-age=7"
    assert client.get("/broken").headers["cache-control"] == "no-store"


def test_a_routes_own_cache_control_wins(client: TestClient) -> None:
    assert client.get("/own-cache").headers["cache-control"] == "no-store"


def test_a_response_that_sets_a_cookie_is_never_shared(client: TestClient) -> None:
    assert client.get("/cookie").headers["cache-control"] == "private, no-cache"


def test_post_is_left_alone_apart_from_cors(client: TestClient) -> None:
    response = client.post("/post")
    assert response.text == "posted"
    assert "etag" not in response.headers
    assert "cache-control" not in response.headers
    assert response.headers["access-control-allow-origin"] == "*"


# --- conditional requests ---------------------------------------------------------------------


def test_matching_if_none_match_gives_304_with_validators_and_no_body(client: TestClient) -> None:
    etag = client.get("/text").headers["etag"]
    response = client.get("/text", headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == etag
    assert response.headers["cache-control"] == "public, max-age=123"
    assert response.headers["vary"] == "Accept"
    assert "content-type" not in response.headers


@pytest.mark.parametrize(
    "header",
    ["*", '"nope", {etag}', "W/{etag}", '{etag}, "other"', ' "x" ,  W/{etag} '],
)
def test_if_none_match_lists_star_and_weak_comparison(client: TestClient, header: str) -> None:
    etag = client.get("/text").headers["etag"]
    response = client.get("/text", headers={"If-None-Match": header.format(etag=etag)})
    assert response.status_code == 304


@pytest.mark.parametrize("header", ['"nope"', '"nope", W/"also-nope"', "garbage"])
def test_non_matching_if_none_match_gives_the_full_200(client: TestClient, header: str) -> None:
    response = client.get("/text", headers={"If-None-Match": header})
    assert response.status_code == 200
    assert response.text == "hello"


def test_if_none_match_against_a_route_set_etag(client: TestClient) -> None:
    assert client.get("/tagged", headers={"If-None-Match": 'W/"sha-abc"'}).status_code == 304


def test_star_does_not_turn_an_error_into_304(client: TestClient) -> None:
    assert client.get("/missing", headers={"If-None-Match": "*"}).status_code == 404


@pytest.mark.parametrize(
    ("header", "etag", "expected"),
    [
        ('"a"', '"a"', True),
        ('W/"a"', '"a"', True),
        ('"a"', 'W/"a"', True),
        ('"a", "b"', '"b"', True),
        ('"a"', '"b"', False),
        ('"a", bad', '"b"', False),
        ("*", '"z"', True),
    ],
)
def test_if_none_match_matches(header: str, etag: str, expected: bool) -> None:
    assert if_none_match_matches(header, etag) is expected


# --- HEAD -------------------------------------------------------------------------------------


def test_head_exists_wherever_get_does_with_the_same_headers_and_no_body() -> None:
    app = make_app()
    status, get_headers, get_body = raw_call(app, "GET", "/text")
    head_status, head_headers, head_body = raw_call(app, "HEAD", "/text")
    assert (status, head_status) == (200, 200)
    assert get_body == b"hello"
    assert head_body == b""
    assert head_headers == get_headers


def test_head_of_a_stream_and_of_an_error() -> None:
    app = make_app()
    assert raw_call(app, "HEAD", "/stream")[2] == b""
    status, headers, body = raw_call(app, "HEAD", "/missing")
    assert status == 404 and body == b""
    assert headers["content-type"] == "application/json"


def test_head_on_a_post_only_route_is_405() -> None:
    status, _, _ = raw_call(make_app(), "HEAD", "/post")
    assert status == 405


def test_head_honours_if_none_match() -> None:
    app = make_app()
    etag = raw_call(app, "GET", "/text")[1]["etag"]
    status, headers, body = raw_call(app, "HEAD", "/text", {"If-None-Match": etag})
    assert status == 304 and body == b"" and headers["etag"] == etag


# --- Vary -------------------------------------------------------------------------------------


def test_vary_accept_on_reads_and_errors(client: TestClient) -> None:
    assert client.get("/text").headers["vary"] == "Accept"
    assert client.get("/missing").headers["vary"] == "Accept"


def test_a_fixed_representation_opts_out_of_vary_and_the_marker_is_stripped(
    client: TestClient,
) -> None:
    response = client.get("/fixed")
    assert "vary" not in response.headers
    assert "x-netkg-fixed-representation" not in response.headers


def test_a_routes_own_vary_is_kept_and_accept_added(client: TestClient) -> None:
    assert client.get("/varies").headers["vary"] == "Accept-Language, Accept"


# --- CORS -------------------------------------------------------------------------------------


def test_cors_on_get_exposes_the_linked_data_headers(client: TestClient) -> None:
    response = client.get("/text", headers={"Origin": "https://partner.example"})
    assert response.headers["access-control-allow-origin"] == "*"
    exposed_header = response.headers["access-control-expose-headers"]
    exposed = {h.strip().lower() for h in exposed_header.split(",")}
    assert {"etag", "link", "content-location"} <= exposed


def test_cors_on_errors_too_so_scripts_can_read_them(client: TestClient) -> None:
    assert client.get("/missing").headers["access-control-allow-origin"] == "*"


def test_preflight_is_answered_for_reads(client: TestClient) -> None:
    response = client.options(
        "/text",
        headers={
            "Origin": "https://partner.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match, accept",
        },
    )
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "*"
    methods = {m.strip() for m in response.headers["access-control-allow-methods"].split(",")}
    assert {"GET", "HEAD"} <= methods
    allowed = response.headers["access-control-allow-headers"].lower()
    assert "if-none-match" in allowed and "accept" in allowed
    assert int(response.headers["access-control-max-age"]) > 0


def test_preflight_allows_a_cross_site_sparql_post(client: TestClient) -> None:
    """A SPARQL client on a partner's site POSTs `application/sparql-query`: a preflight."""
    response = client.options(
        "/text",
        headers={
            "Origin": "https://partner.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert response.status_code == 204
    methods = {m.strip() for m in response.headers["access-control-allow-methods"].split(",")}
    assert "POST" in methods
    assert "content-type" in response.headers["access-control-allow-headers"].lower()


def test_plain_options_without_preflight_headers_reaches_the_app(client: TestClient) -> None:
    assert client.options("/text").status_code == 405


# --- security headers -------------------------------------------------------------------------


def test_every_response_says_nosniff_and_keeps_its_referrer_home(client: TestClient) -> None:
    for response in (
        client.get("/text"),
        client.get("/missing"),
        client.post("/post"),
        client.options(
            "/text", headers={"Origin": "https://a.example", "Access-Control-Request-Method": "GET"}
        ),
    ):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"


def test_html_and_svg_carry_the_content_security_policy(client: TestClient) -> None:
    policy = content_security_policy()
    for response in (client.get("/page"), client.post("/page"), client.get("/picture")):
        assert response.headers["content-security-policy"] == policy
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "content-security-policy" not in client.get("/text").headers  # not a document


def test_a_routes_own_policy_is_kept(client: TestClient) -> None:
    assert client.get("/own-policy").headers["content-security-policy"] == "default-src 'none'"


def test_inline_blocks_are_allowed_by_their_exact_hash() -> None:
    style = "rect { fill: red }"
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    policy = content_security_policy(styles=[style])
    assert f"style-src 'self' 'sha256-{digest}'" in policy
    app = make_app(csp=policy)
    assert TestClient(app).get("/page").headers["content-security-policy"] == policy
    assert inline_scripts('<script src="/a.js"></script><script>go()</script>') == ["go()"]
