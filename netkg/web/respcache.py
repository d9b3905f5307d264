"""A cache of whole GET responses, in front of everything else: repeated reads skip the app.

The data only changes with a release, so a 200 response is reusable until the release changes:
the key is (path, query string, the request headers the response's `Vary` names), in a
`ReleaseCache` (netkg.web.cache) of the release etag, so a new release empties it.
A hit is answered here, with no routing, no store call and no re-hashing; `If-None-Match` and
`HEAD` are honoured on hits as `HttpPolicies` does on misses. Responses that are personal
(`Set-Cookie`, `private`, `no-store`) or large, and `/-/` system endpoints, are never kept.
The cache is bounded in entries and bytes (LRU), so serving never grows memory without limit.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from netkg.web.cache import ReleaseCache
from netkg.web.http import KEEP_ON_304, if_none_match_matches

__all__ = ["ResponseCache"]

RawHeaders = list[tuple[bytes, bytes]]


@dataclass(frozen=True)
class _Entry:
    headers: RawHeaders
    body: bytes
    etag: str | None


def _request_header(scope: Scope, name: bytes) -> bytes:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return b""


def _vary_names(headers: RawHeaders) -> tuple[bytes, ...]:
    names = {
        part.strip().lower()
        for key, value in headers
        if key == b"vary"
        for part in value.split(b",")
    }
    return tuple(sorted(n for n in names if n))


def _keepable(headers: RawHeaders, names: tuple[bytes, ...]) -> bool:
    if b"*" in names:
        return False
    for key, value in headers:
        if key == b"set-cookie":
            return False
        if key == b"cache-control" and (b"no-store" in value or b"private" in value):
            return False
    return True


class ResponseCache:
    """Pure ASGI middleware; install it outermost (`create_app` does)."""

    def __init__(self, app: ASGIApp, *, max_entries: int = 2048, max_bytes: int = 64 << 20) -> None:
        self.app = app
        self.max_entries = max_entries
        self.max_entry_bytes = max_bytes // 16
        self.entries: ReleaseCache[tuple[object, ...], _Entry] = ReleaseCache(
            max_entries, max_bytes=max_bytes
        )
        self.varies: dict[tuple[str, bytes], tuple[bytes, ...]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope.get("method")
        if scope["type"] != "http" or method not in ("GET", "HEAD") or self.max_entries <= 0:
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path.startswith("/-/"):
            await self.app(scope, receive, send)
            return
        release = _release_etag(scope)
        resource = (path, bytes(scope.get("query_string", b"")))
        names = self.varies.get(resource)
        if names is not None:
            entry = self.entries.get(release, self._key(resource, names, scope))
            if entry is not None:
                await self._replay(entry, scope, send)
                return
        if method == "HEAD":  # a HEAD response has no body to keep
            await self.app(scope, receive, send)
            return
        await self.app(scope, receive, self._recorder(release, resource, scope, send))

    @staticmethod
    def _key(
        resource: tuple[str, bytes], names: tuple[bytes, ...], scope: Scope
    ) -> tuple[object, ...]:
        return (*resource, *(_request_header(scope, n) for n in names))

    async def _replay(self, entry: _Entry, scope: Scope, send: Send) -> None:
        inm = _request_header(scope, b"if-none-match")
        if (
            entry.etag is not None
            and inm
            and if_none_match_matches(inm.decode("latin-1"), entry.etag)
        ):
            kept = [(k, v) for k, v in entry.headers if k in KEEP_ON_304]
            await send({"type": "http.response.start", "status": 304, "headers": kept})
            await send({"type": "http.response.body", "body": b""})
            return
        await send({"type": "http.response.start", "status": 200, "headers": entry.headers})
        body = b"" if scope["method"] == "HEAD" else entry.body
        await send({"type": "http.response.body", "body": body})

    def _recorder(
        self, release: str, resource: tuple[str, bytes], scope: Scope, send: Send
    ) -> Send:
        start: Message | None = None
        chunks: list[bytes] = []
        size = 0
        keep = False

        async def record(message: Message) -> None:
            nonlocal start, size, keep
            if message["type"] == "http.response.start":
                start = message
                headers: RawHeaders = [(bytes(k).lower(), bytes(v)) for k, v in message["headers"]]
                keep = message["status"] == 200 and _keepable(headers, _vary_names(headers))
            elif message["type"] == "http.response.body" and keep and start is not None:
                chunks.append(message.get("body", b""))
                size += len(chunks[-1])
                keep = size <= self.max_entry_bytes
                if keep and not message.get("more_body", False):
                    self._store(release, resource, scope, start, b"".join(chunks))
            await send(message)

        return record

    def _store(
        self, release: str, resource: tuple[str, bytes], scope: Scope, start: Message, body: bytes
    ) -> None:
        headers: RawHeaders = [(bytes(k).lower(), bytes(v)) for k, v in start["headers"]]
        names = _vary_names(headers)
        self.varies[resource] = names
        etag = next((v.decode("latin-1") for k, v in headers if k == b"etag"), None)
        key = self._key(resource, names, scope)
        self.entries.put(release, key, _Entry(headers, body, etag), size=len(body))
        if len(self.varies) > 4 * self.max_entries:  # forget Vary of long-evicted resources
            self.varies.clear()


def _release_etag(scope: Scope) -> str:
    """The served release's etag: a new release empties the cache."""
    app = scope.get("app")
    state = getattr(getattr(app, "state", None), "netkg", None)
    release = getattr(state, "release", None)
    return str(getattr(release, "etag", ""))
