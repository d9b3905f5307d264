"""Profile distinct `GET /sparql` requests in process: the app's own cost, without a socket.

    uv run python bench/profile_sparql.py [--regex] [--requests 2000] [--dist dist]

Builds `create_app` over the release and calls the ASGI app directly with a textually new query
each time (so no cache answers), then prints the time per request and the top of a cProfile.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import time
import urllib.parse
from pathlib import Path
from typing import Any

from bench_service import OPTIONAL_REGEX, SELECT

from netkg.config import Settings
from netkg.web.app import create_app


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--regex", action="store_true", help="the OPTIONAL + regex query")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--dist", type=Path, default=Path("dist"))
    args = parser.parse_args()
    app = create_app(Settings(dist=args.dist, reload_interval=0))
    query = OPTIONAL_REGEX if args.regex else SELECT

    async def one(n: int) -> None:
        scope: dict[str, Any] = {
            "type": "http",
            "method": "GET",
            "path": "/sparql",
            "raw_path": b"/sparql",
            "query_string": urllib.parse.urlencode({"query": f"{query} # {n}"}).encode(),
            "headers": [(b"accept", b"application/sparql-results+json"), (b"host", b"bench")],
            "client": ("127.0.0.1", 1),
            "server": ("bench", 80),
            "scheme": "http",
            "http_version": "1.1",
            "root_path": "",
        }
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        await app(scope, receive, send)
        assert sent[0]["status"] == 200, sent

    async def run(count: int, first: int) -> None:
        for n in range(first, first + count):
            await one(n)

    asyncio.run(run(200, 10**6))  # warm up
    start = time.perf_counter()
    asyncio.run(run(args.requests, 2 * 10**6))
    per_request = (time.perf_counter() - start) / args.requests * 1e6
    print(f"{per_request:.0f} µs per request (in process, no socket)")
    profile = cProfile.Profile()
    profile.runcall(asyncio.run, run(args.requests, 3 * 10**6))
    pstats.Stats(profile).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
