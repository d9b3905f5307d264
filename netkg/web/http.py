"""HTTP caching, conditional requests, HEAD, CORS and `Vary` for every route: one ASGI middleware.

The data only changes with a release, so every read can be cached and revalidated cheaply. Doing it
once here keeps the routers free of header bookkeeping. It sits on the hot path: it buffers a body
only to hash it for an ETag (never past `max_buffer` bytes), and answers preflights without the app.

Rules (applied to GET and HEAD; other methods pass through untouched except for CORS on errors):
- HEAD runs as GET and the body is dropped, so HEAD exists wherever GET does, with the same headers.
- A 200 without an `ETag` gets a strong one: a hash of the media type and the body bytes. A route
  that knows its ETag cheaply (a release file's sha256) sets it itself and is not buffered.
- `Cache-Control: public, max-age=<max_age>` on 2xx/3xx; `public, max-age=<error_max_age>` on 4xx;
  `no-store` on 5xx; `private, no-cache` when it sets a cookie. A route's own `Cache-Control` wins.
- `If-None-Match` (`*` or a list; weak comparison, RFC 9110 §13.1.2) matching a 200 gives `304` with
  the validator and cache headers and no body.
- `Vary: Accept` on every GET/HEAD response (netkg negotiates almost everywhere, errors included); a
  route serving one fixed representation calls `fixed_representation(response)` to opt out.
- CORS: `Access-Control-Allow-Origin: *` and the exposed headers clients need (`ETag`, `Link`,
  `Content-Location`, …); a preflight `OPTIONS` is answered with 204 for GET, HEAD and POST with
  `Content-Type`, so a SPARQL client on a partner's site can POST queries (the service is
  read-only and uses no credentials, so that is safe).
- Security, on every response: `X-Content-Type-Options: nosniff`, `Referrer-Policy: same-origin`
  (what a person reads here is not told to the sites they follow links to); on HTML and SVG, a
  `Content-Security-Policy` allowing only this origin's scripts, styles, images and fetches, no
  framing (`frame-ancestors 'none'`), plus the exact inline blocks a page needs, by hash. A route
  that sets its own policy (Swagger UI's /docs) keeps it.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable, Sequence

from fastapi import FastAPI
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "HttpPolicies",
    "add_http_policies",
    "content_security_policy",
    "fixed_representation",
    "if_none_match_matches",
    "inline_scripts",
]

FIXED_HEADER = "x-netkg-fixed-representation"
"""Private response header: "not negotiated, don't add Vary: Accept"; stripped before sending."""

EXPOSED = "ETag, Link, Content-Location, Content-Type, Vary, Repr-Digest, Digest, Location"
ALLOWED_METHODS = "GET, HEAD, POST, OPTIONS"
ALLOWED_HEADERS = (
    "Accept, Accept-Language, Content-Type, If-None-Match, If-Modified-Since, Cache-Control"
)
READ_METHODS = frozenset({"GET", "HEAD"})
# RFC 9110 §15.4.5: a 304 carries these (plus our CORS and Link headers), never the content's.
KEEP_ON_304 = frozenset(
    {
        b"cache-control",
        b"content-location",
        b"date",
        b"etag",
        b"expires",
        b"vary",
        b"link",
        b"last-modified",
        b"access-control-allow-origin",
        b"access-control-expose-headers",
    }
)
_ETAG = re.compile(r'\s*(?:W/)?("[^"]*")\s*(?:,|$)')

RawHeaders = list[tuple[bytes, bytes]]

SECURITY_HEADERS: RawHeaders = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]
POLICED_TYPES = (b"text/html", b"image/svg+xml")
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def _hash_source(text: str) -> str:
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()
    return f"'sha256-{digest}'"


def content_security_policy(*, styles: Sequence[str] = (), scripts: Sequence[str] = ()) -> str:
    """Self-hosted assets only; `styles` and `scripts` are the exact inline blocks allowed.

    Images may also be `data:` URLs (Swagger UI draws its icons so); nothing may frame a page.
    """
    script_src = " ".join(["'self'", *(_hash_source(s) for s in scripts)])
    style_src = " ".join(["'self'", *(_hash_source(s) for s in styles)])
    return (
        f"default-src 'self'; script-src {script_src}; style-src {style_src}; "
        "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


def inline_scripts(html: str) -> list[str]:
    """The inline `<script>` blocks of a page we serve but do not write (FastAPI's /docs)."""
    return _INLINE_SCRIPT.findall(html)


def _add_security(headers: RawHeaders, policy: bytes) -> None:
    for name, value in SECURITY_HEADERS:
        if _header(headers, name) is None:
            headers.append((name, value))
    content_type = (_header(headers, b"content-type") or b"").lower()
    if content_type.startswith(POLICED_TYPES) and (
        _header(headers, b"content-security-policy") is None
    ):
        headers.append((b"content-security-policy", policy))


def fixed_representation(response: Response) -> Response:
    """Mark a response as the only representation of its URL, so no `Vary: Accept` is added."""
    response.headers[FIXED_HEADER] = "1"
    return response


def if_none_match_matches(header: str, etag: str) -> bool:
    """Weak comparison of `etag` against an If-None-Match value (`*` or a list of entity tags)."""
    if header.strip() == "*":
        return True
    opaque = etag[2:] if etag.startswith("W/") else etag
    pos = 0
    while pos < len(header):
        match = _ETAG.match(header, pos)
        if match is None:  # malformed list: ignore the condition rather than guess (RFC 9110)
            return False
        if match.group(1) == opaque:
            return True
        pos = match.end()
    return False


def _etag_for(content_type: bytes, chunks: Iterable[bytes]) -> bytes:
    digest = hashlib.blake2b(content_type, digest_size=15)
    for chunk in chunks:
        digest.update(chunk)
    return b'"' + base64.urlsafe_b64encode(digest.digest()) + b'"'


def _varies_on_accept(vary: list[bytes]) -> bool:
    names = {name.strip().lower() for value in vary for name in value.split(b",")}
    return b"accept" in names or b"*" in names


def _header(headers: RawHeaders, name: bytes) -> bytes | None:
    for key, value in headers:
        if key == name:
            return value
    return None


class HttpPolicies:
    """Pure ASGI middleware: see the module docstring for the rules."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_age: int = 600,
        error_max_age: int = 60,
        max_buffer: int = 16 * 1024 * 1024,
        csp: str = content_security_policy(),
    ) -> None:
        self.app = app
        self.policy = csp.encode()
        self.cache_ok = f"public, max-age={max_age}".encode()
        self.cache_error = f"public, max-age={error_max_age}".encode()
        self.max_buffer = max_buffer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method: str = scope["method"]
        request_headers: RawHeaders = scope["headers"]
        if method == "OPTIONS" and _header(request_headers, b"access-control-request-method"):
            await self._preflight(send)
            return
        if method not in READ_METHODS:
            await self.app(scope, receive, self._cors_only(send))
            return
        if method == "HEAD":
            scope = dict(scope, method="GET")
        inm = _header(request_headers, b"if-none-match")
        await self.app(scope, receive, _Read(self, send, method == "HEAD", inm).send)

    async def _preflight(self, send: Send) -> None:
        headers = [
            (b"access-control-allow-origin", b"*"),
            (b"access-control-allow-methods", ALLOWED_METHODS.encode()),
            (b"access-control-allow-headers", ALLOWED_HEADERS.encode()),
            (b"access-control-max-age", b"86400"),
            (b"cache-control", self.cache_ok),
            (b"content-length", b"0"),
        ]
        _add_security(headers, self.policy)
        await send({"type": "http.response.start", "status": 204, "headers": headers})
        await send({"type": "http.response.body", "body": b""})

    def _cors_only(self, send: Send) -> Send:
        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: RawHeaders = list(message.get("headers", []))
                _add_cors(headers)
                _add_security(headers, self.policy)
                message = dict(message, headers=headers)
            await send(message)

        return wrapped


def _add_cors(headers: RawHeaders) -> None:
    if _header(headers, b"access-control-allow-origin") is None:
        headers.append((b"access-control-allow-origin", b"*"))
        headers.append((b"access-control-expose-headers", EXPOSED.encode()))


class _Read:
    """The send side of one GET/HEAD exchange: adds headers, hashes, answers 304, drops bodies."""

    def __init__(self, policies: HttpPolicies, send: Send, head: bool, inm: bytes | None) -> None:
        self.policies = policies
        self.downstream = send
        self.head = head
        self.inm = inm.decode("latin-1") if inm is not None else None
        self.start: Message | None = None
        self.headers: RawHeaders = []
        self.buffer: list[bytes] = []
        self.size = 0
        self.buffering = False
        self.not_modified = False

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            await self._on_start(message)
        elif message["type"] == "http.response.body":
            await self._on_body(message)
        else:
            await self.downstream(message)

    async def _on_start(self, message: Message) -> None:
        status: int = message["status"]
        headers: RawHeaders = []
        fixed = False
        vary: list[bytes] = []
        for key, value in message.get("headers", []):
            lower = key.lower()
            if lower == FIXED_HEADER.encode():
                fixed = True
            elif lower == b"vary":
                vary.append(value)
            else:
                headers.append((lower, value))
        if not fixed and not _varies_on_accept(vary):
            vary.append(b"Accept")
        if vary:
            headers.append((b"vary", b", ".join(vary)))
        if _header(headers, b"cache-control") is None:
            if _header(headers, b"set-cookie") is not None:  # never share a personal response
                headers.append((b"cache-control", b"private, no-cache"))
            elif status < 400:
                headers.append((b"cache-control", self.policies.cache_ok))
            elif status < 500:
                headers.append((b"cache-control", self.policies.cache_error))
            else:
                headers.append((b"cache-control", b"no-store"))
        _add_cors(headers)
        _add_security(headers, self.policies.policy)
        self.start = dict(message, headers=headers)
        self.headers = headers
        if status == 200 and _header(headers, b"etag") is None:
            self.buffering = True  # wait for the body to hash it
            return
        await self._emit_start(_header(headers, b"etag") if status == 200 else None)

    async def _emit_start(self, etag: bytes | None) -> None:
        assert self.start is not None
        if (
            etag is not None
            and self.inm is not None
            and if_none_match_matches(self.inm, etag.decode("latin-1"))
        ):
            self.not_modified = True
            kept = [(k, v) for k, v in self.headers if k in KEEP_ON_304]
            await self.downstream({"type": "http.response.start", "status": 304, "headers": kept})
            return
        await self.downstream(self.start)

    async def _on_body(self, message: Message) -> None:
        body: bytes = message.get("body", b"")
        more: bool = message.get("more_body", False)
        if self.buffering:
            self.buffer.append(body)
            self.size += len(body)
            if more and self.size <= self.policies.max_buffer:
                return
            self.buffering = False
            if not more:  # complete: the ETag covers exactly these bytes
                content_type = _header(self.headers, b"content-type") or b""
                self.headers.append((b"etag", _etag_for(content_type, self.buffer)))
                await self._emit_start(_header(self.headers, b"etag"))
            else:  # too big to hash in memory: send it on without an ETag
                await self._emit_start(None)
            body, self.buffer = b"".join(self.buffer), []
        if self.not_modified or self.head:
            if not more:
                await self.downstream({"type": "http.response.body", "body": b""})
            return
        await self.downstream({"type": "http.response.body", "body": body, "more_body": more})


def add_http_policies(
    app: FastAPI,
    *,
    max_age: int = 600,
    error_max_age: int = 60,
    max_buffer: int = 16 * 1024 * 1024,
    csp: str = content_security_policy(),
) -> None:
    """Install `HttpPolicies` as the outermost user middleware of `app` (call before it starts).

    `csp`: the Content-Security-Policy of HTML and SVG responses (see content_security_policy)."""
    app.add_middleware(
        HttpPolicies,
        max_age=max_age,
        error_max_age=error_max_age,
        max_buffer=max_buffer,
        csp=csp,
    )
