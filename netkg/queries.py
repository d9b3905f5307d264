"""The SPARQL queries netkg itself runs, one `.rq` file each, read by one loader.

The queries of module `netkg.<package>.<module>` live in `netkg/<package>/queries/<module>/`
(e.g. `netkg/web/queries/guide/texts.rq` for netkg.web.guide), so each reads, diffs and runs in
any SPARQL tool as it is, and Python only names it. (The named queries a curator publishes are
`api/*.rq`, read by netkg.curate.named_queries.) A query that needs a value of the request
marks it as a variable that the caller writes in as an RDF term (netkg.store.guard.inline_terms),
which keeps the speed of a literal query.

>>> text("netkg.curate.stats", "triples").startswith("#")
True
"""

from __future__ import annotations

import functools
from pathlib import Path

__all__ = ["folder", "text"]

PACKAGE = Path(__file__).parent


def folder(module: str) -> Path:
    """Where the queries of `module` live: `netkg.web.guide` -> `netkg/web/queries/guide/`."""
    top, *packages, name = module.split(".")
    if top != "netkg" or not packages:
        raise ValueError(f"{module}: not a module of a netkg package (netkg.<package>.<module>)")
    return PACKAGE.joinpath(*packages, "queries", name)


@functools.cache
def text(module: str, name: str) -> str:
    """The text of query `name` of `module` (read once: the files ship with the package)."""
    return (folder(module) / f"{name}.rq").read_text(encoding="utf-8")
