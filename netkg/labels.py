"""Which of several language-tagged texts a reader gets: one rule for every page, report and API.

The text in the reader's language, else English (the language every netkg text has), else an
untagged one, else the first: a reader always sees a text, and the caller can tell (from its tag)
when it is not in their language. No imports, so curate and web both use it.

>>> pick(["bonjour@fr", "hello@en"], "de", lambda t: t.partition("@")[2])
'hello@en'
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol, TypeVar

__all__ = ["pick", "pick_literal"]

T = TypeVar("T")


class Tagged(Protocol):
    """A literal of pyoxigraph or rdflib: what matters here is its language tag."""

    @property
    def language(self) -> str | None: ...


L = TypeVar("L", bound=Tagged)


def pick(items: Iterable[T], lang: str | None, language: Callable[[T], str | None]) -> T | None:
    """The first of `items` whose `language` is `lang`, else "en", else none (untagged), else
    the first of all; None when there are no items. Sort `items` first for a stable choice."""
    listed = list(items)
    tags = [language(item) or None for item in listed]
    for wanted in (lang or None, "en", None):
        for item, tag in zip(listed, tags, strict=True):
            if tag == wanted:
                return item
    return listed[0] if listed else None


def pick_literal(literals: Iterable[L], lang: str | None) -> L | None:
    """`pick` for literals (pyoxigraph's or rdflib's), by their language tag."""
    return pick(literals, lang, lambda literal: literal.language)
