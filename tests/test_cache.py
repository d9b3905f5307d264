"""The one cache layer: least recently used out first, bounded in entries and bytes, and nothing
outlives its release."""

from __future__ import annotations

from netkg.web.cache import ReleaseCache


def test_the_least_recently_used_entry_goes_first() -> None:
    cache: ReleaseCache[str, int] = ReleaseCache(2)
    cache.put("r1", "a", 1)
    cache.put("r1", "b", 2)
    assert cache.get("r1", "a") == 1  # now "b" is the least recently used
    cache.put("r1", "c", 3)
    assert list(cache) == ["a", "c"]
    assert cache.get("r1", "b") is None


def test_the_bytes_kept_are_bounded_and_counted() -> None:
    cache: ReleaseCache[str, bytes] = ReleaseCache(10, max_bytes=10)
    cache.put("r1", "a", b"aaaa", size=4)
    cache.put("r1", "b", b"bbbb", size=4)
    cache.put("r1", "a", b"aaaaa", size=5)  # replaced: counted once
    assert cache.size == 9 and len(cache) == 2
    cache.put("r1", "c", b"cc", size=2)
    assert list(cache) == ["a", "c"] and cache.size == 7


def test_a_new_release_empties_the_cache() -> None:
    cache: ReleaseCache[str, int] = ReleaseCache(4, max_bytes=100)
    cache.put("r1", "a", 1, size=10)
    assert cache.get("r2", "a") is None
    assert len(cache) == 0 and cache.size == 0
    assert cache.get("r1", "a") is None  # the old release's entries are gone, not hidden


def test_get_or_make_makes_once_per_release_even_a_none() -> None:
    cache: ReleaseCache[str, int | None] = ReleaseCache(4)
    made: list[str] = []

    def make() -> None:
        made.append("x")

    assert cache.get_or_make("r1", "a", make) is None
    assert cache.get_or_make("r1", "a", make) is None
    assert made == ["x"]
    cache.get_or_make("r2", "a", make)
    assert made == ["x", "x"]
