"""Settings for the service: one frozen dataclass, read from `NETKG_*` variables or CLI flags.

Nothing is read at import time, and a bad value fails loudly at start-up (never a silent default):

>>> Settings.from_env({"NETKG_QUERY_TIMEOUT": "2.5"}).query_timeout
2.5
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, Literal

from netkg.errors import NetkgError

StoreKind = Literal["embedded", "remote"]


class ConfigError(NetkgError):
    """A setting has a value netkg can't use; raised at start-up, before serving anything."""

    exit_code = 2


def _bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ConfigError(f"{name}={raw!r}: expected true/false (1/0, yes/no, on/off)")


def _positive(name: str, raw: str, cast: type[int] | type[float]) -> Any:
    try:
        value = cast(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r}: expected a {cast.__name__}") from None
    if value <= 0:
        raise ConfigError(f"{name}={raw!r}: must be greater than 0")
    return value


@dataclass(frozen=True)
class Settings:
    """Everything `create_app` and `open_store` need; the CLI builds one, tests build their own."""

    dist: Path = Path("dist")
    base: str = "https://w3id.org/netkg/"
    store: StoreKind = "embedded"
    store_url: str | None = None  # remote: the SPARQL query endpoint, e.g. http://host:7878/query
    query_timeout: float = 10.0  # seconds, used when a request names none
    max_query_timeout: float = 60.0  # the most a request may ask for with `timeout=`
    max_result_rows: int = 10_000  # solutions or triples; more is an error, never truncation
    max_request_bytes: int = 1_000_000  # request body (and query string) size limit
    allow_service: bool = False  # SERVICE (federation) makes the server fetch URLs: off
    workers: int = 2  # embedded store: worker processes (per serving process) for long queries
    cache_size: int = 512  # whole responses kept: 4 x this many (LRU); 0 turns the cache off
    worker_wait: float = 10.0  # seconds a long query waits for a free worker before 503
    queue_size: int = 8  # long queries that may wait for a worker; past that: 503 at once
    client_limit: int = 2  # long queries one client (address) may have admitted; past that: 429
    max_query_depth: int = 64  # nesting of groups/brackets a query may have; deeper: 400
    max_query_bytes: int = 100_000  # the longest query text accepted; longer: 400
    worker_nice: int = 10  # CPU priority lowered by this much in query workers (0: same)
    reload_interval: float = 2.0  # seconds between checks for a new release in dist/; 0: never

    def __post_init__(self) -> None:
        if self.store not in ("embedded", "remote"):
            raise ConfigError(f"store={self.store!r}: expected 'embedded' or 'remote'")
        if self.store == "remote" and not self.store_url:
            raise ConfigError("store=remote needs a store URL (NETKG_STORE_URL or --store-url)")
        if not self.base.endswith(("/", "#")):
            raise ConfigError(f"base={self.base!r}: must end with '/' or '#'")
        if self.query_timeout > self.max_query_timeout:
            raise ConfigError(
                f"query timeout {self.query_timeout}s exceeds the maximum {self.max_query_timeout}s"
            )
        for name in (
            "query_timeout",
            "max_query_timeout",
            "max_result_rows",
            "max_request_bytes",
            "workers",
            "worker_wait",
            "max_query_depth",
            "max_query_bytes",
        ):
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name}={getattr(self, name)!r}: must be greater than 0")
        for name in ("cache_size", "queue_size", "client_limit", "worker_nice"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{name}={getattr(self, name)!r}: must be 0 or more")
        if self.worker_nice > 19:
            raise ConfigError(f"worker_nice={self.worker_nice!r}: must be at most 19")
        if self.reload_interval < 0:
            raise ConfigError(f"reload_interval={self.reload_interval!r}: must be 0 or more")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read `NETKG_<FIELD>` variables (e.g. NETKG_STORE_URL); keyword overrides win."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for field in fields(cls):
            name = "NETKG_" + field.name.upper()
            raw = env.get(name)
            if raw is None:
                continue
            if field.name == "dist":
                values["dist"] = Path(raw)
            elif field.name == "allow_service":
                values["allow_service"] = _bool(name, raw)
            elif field.name in ("workers", "max_result_rows", "max_request_bytes") or (
                field.name in ("max_query_depth", "max_query_bytes")
            ):
                values[field.name] = _positive(name, raw, int)
            elif field.name in ("cache_size", "queue_size", "client_limit", "worker_nice"):
                values[field.name] = _int(name, raw)
            elif field.name in ("query_timeout", "max_query_timeout", "worker_wait"):
                values[field.name] = _positive(name, raw, float)
            elif field.name == "reload_interval":
                values[field.name] = _float(name, raw)
            else:
                values[field.name] = raw or None if field.name == "store_url" else raw
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def to_env(self) -> dict[str, str]:
        """The `NETKG_*` variables that `from_env` reads back as these settings."""
        env = {}
        for field in fields(self):
            value = getattr(self, field.name)
            if value is None:
                continue
            if isinstance(value, bool):
                value = "true" if value else "false"
            elif isinstance(value, Path):
                value = value.resolve()
            env["NETKG_" + field.name.upper()] = str(value)
        return env

    def with_(self, **changes: Any) -> Settings:
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)


def default_processes() -> int:
    """Server processes for `netkg serve` without `--processes`: one per core this process may
    use (the best measured on 2 cores, bench/RESULTS.md; the store is shared, so each process
    costs little memory)."""
    return max(1, len(os.sched_getaffinity(0)))


def _int(name: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r}: expected an int") from None


def _float(name: str, raw: str) -> float:
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r}: expected a float") from None
