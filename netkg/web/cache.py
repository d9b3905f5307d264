"""The one cache layer of the service: an LRU bounded in entries (and in bytes, if asked) whose
entries live as long as their release.

Served data only changes with a release, so whatever is computed from a release may be kept until
the next one: every read and write names the release (its etag), and the first one that names
another release empties the cache, so no answer outlives its release and the old release's
entries free their memory at once. `functools.lru_cache` stays the tool for pure functions (no
release involved).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from typing import Generic, TypeVar

__all__ = ["ReleaseCache"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class ReleaseCache(Generic[K, V]):
    """At most `max_entries` values (and `max_bytes` of the sizes given to `put`) of one release,
    least recently used evicted first; safe to share between threads."""

    def __init__(self, max_entries: int, *, max_bytes: int | None = None) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.size = 0  # the sum of the sizes of the values kept
        self.release = ""
        self._entries: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[K]:
        """The keys, least recently used first (a copy: the cache may change meanwhile)."""
        with self._lock:
            return iter(list(self._entries))

    def get(self, release: str, key: K) -> V | None:
        entry = self._entry(release, key)
        return None if entry is None else entry[0]

    def put(self, release: str, key: K, value: V, *, size: int = 0) -> None:
        """Keep `value` (of `size` bytes) for `release`, evicting what the bounds require."""
        with self._lock:
            if release != self.release:
                self._start(release)
            old = self._entries.pop(key, None)
            if old is not None:
                self.size -= old[1]
            self._entries[key] = (value, size)
            self.size += size
            while len(self._entries) > self.max_entries or (
                self.max_bytes is not None and self.size > self.max_bytes
            ):
                _, (_, evicted) = self._entries.popitem(last=False)
                self.size -= evicted

    def get_or_make(self, release: str, key: K, make: Callable[[], V]) -> V:
        """The value kept for `key`, else `make()`, kept (`make` runs outside the lock: two
        threads may both make a missing value; one of them is kept)."""
        entry = self._entry(release, key)
        if entry is not None:
            return entry[0]
        value = make()
        self.put(release, key, value)
        return value

    def _entry(self, release: str, key: K) -> tuple[V, int] | None:
        with self._lock:
            if release != self.release:
                self._start(release)
                return None
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def _start(self, release: str) -> None:
        """Forget the previous release's entries (the lock is held)."""
        self._entries.clear()
        self.size = 0
        self.release = release
