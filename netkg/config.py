"""Settings for the service: one frozen pydantic-settings model, from `NETKG_*` variables or flags.

Nothing is read at import time, and a bad value fails loudly at start-up (never a silent default),
naming the variable it came from:

>>> Settings.from_env({"NETKG_QUERY_TIMEOUT": "2.5"}).query_timeout
2.5
>>> Settings.from_env({"NETKG_WORKERS": "two"})
Traceback (most recent call last):
netkg.config.ConfigError: NETKG_WORKERS='two': input should be a valid integer
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, Self

from pydantic import (
    Field,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, EnvSettingsSource, SettingsConfigDict
from pydantic_settings.sources import PydanticBaseSettingsSource
from pydantic_settings.sources.utils import parse_env_vars

from netkg.errors import NetkgError
from netkg.prefixes import BASE

StoreKind = Literal["embedded", "remote"]
ENV_PREFIX = "NETKG_"


class ConfigError(NetkgError):
    """A setting has a value netkg can't use; raised at start-up, before serving anything."""

    exit_code = 2


class Settings(BaseSettings):
    """Everything `create_app` and `open_store` need; the CLI builds one, tests build their own.

    `Settings(...)` is exactly its arguments (and the defaults); `Settings.from_env()` adds the
    `NETKG_<FIELD>` variables and raises `ConfigError` for a bad value. Types are strict:
    `Settings(workers="2")` is an error (pydantic's ValidationError, a bug in the caller), while a
    variable's text is parsed for its field's type (pydantic-settings); an empty variable counts
    as unset.
    """

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_ignore_empty=True, frozen=True, strict=True, extra="forbid"
    )

    dist: Path = Path("dist")
    base: str = BASE
    store: StoreKind = "embedded"
    store_url: str | None = None  # remote: the SPARQL query endpoint, e.g. http://host:7878/query
    query_timeout: PositiveFloat = 10.0  # seconds, used when a request names none
    max_query_timeout: PositiveFloat = 60.0  # the most a request may ask for with `timeout=`
    max_result_rows: PositiveInt = 10_000  # solutions or triples; more: an error, not truncation
    max_request_bytes: PositiveInt = 1_000_000  # request body (and query string) size limit
    allow_service: bool = False  # SERVICE (federation) makes the server fetch URLs: off
    workers: PositiveInt = 2  # embedded store: worker processes (per serving process), long queries
    cache_size: NonNegativeInt = 512  # whole responses kept: 4 x this many (LRU); 0: no cache
    worker_wait: PositiveFloat = 10.0  # seconds a long query waits for a free worker before 503
    queue_size: NonNegativeInt = 8  # long queries that may wait for a worker; past that: 503
    client_limit: NonNegativeInt = 2  # long queries one client (address) may have; past that: 429
    max_query_depth: PositiveInt = 64  # nesting of groups/brackets a query may have; deeper: 400
    max_query_bytes: PositiveInt = 100_000  # the longest query text accepted; longer: 400
    worker_nice: Annotated[int, Field(ge=0, le=19)] = 10  # CPU priority lowered in query workers
    reload_interval: NonNegativeFloat = 2.0  # seconds between checks for a new release; 0: never

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Only the arguments: `from_env` reads the variables, from the mapping it is given."""
        return (init_settings,)

    @field_validator("base")
    @classmethod
    def _base_ends_a_namespace(cls, base: str) -> str:
        if not base.endswith(("/", "#")):
            raise ValueError("must end with '/' or '#'")
        return base

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.store == "remote" and not self.store_url:
            raise ValueError("store=remote needs a store URL (NETKG_STORE_URL or --store-url)")
        if self.query_timeout > self.max_query_timeout:
            raise ValueError(
                f"query timeout {self.query_timeout}s exceeds the maximum {self.max_query_timeout}s"
            )
        return self

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read `NETKG_<FIELD>` variables (e.g. NETKG_STORE_URL); keyword overrides (CLI flags)
        that are not None win."""
        variables = _Variables(cls, os.environ if environ is None else environ)()
        given = {name: value for name, value in overrides.items() if value is not None}
        return cls._checked({**variables, **given}, set(variables) - set(given))

    @classmethod
    def _checked(cls, values: dict[str, Any], from_variables: set[str]) -> Settings:
        """The settings, or a ConfigError naming each bad value's variable (or argument)."""
        try:
            return cls(**values)
        except ValidationError as error:
            raise ConfigError(_explain(error, from_variables)) from None

    def to_env(self) -> dict[str, str]:
        """The `NETKG_*` variables that `from_env` reads back as these settings."""
        env = {}
        for name, value in self.model_dump(exclude_none=True).items():
            if isinstance(value, bool):
                value = "true" if value else "false"
            elif isinstance(value, Path):
                value = value.resolve()
            env[ENV_PREFIX + name.upper()] = str(value)
        return env

    def with_(self, **changes: Any) -> Settings:
        """A copy with some fields changed (validated again)."""
        return self._checked({**dict(self), **changes}, set())


class _Variables(EnvSettingsSource):
    """pydantic-settings' reading of `NETKG_*` variables, from a given mapping (tests, `serve`)."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._environ = environ
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(
            self._environ, self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str
        )


def _explain(error: ValidationError, from_variables: set[str]) -> str:
    """One line per problem, naming the variable (or argument) and the value it had."""
    lines = []
    for problem in error.errors(include_url=False):
        message = problem["msg"].removeprefix("Value error, ")
        message = message[:1].lower() + message[1:]
        if not problem["loc"]:  # a rule across fields: its message names them
            lines.append(message)
            continue
        field = str(problem["loc"][0])
        name = ENV_PREFIX + field.upper() if field in from_variables else field
        lines.append(f"{name}={problem['input']!r}: {message}")
    return "; ".join(lines)


def default_processes() -> int:
    """Server processes for `netkg serve` without `--processes`: one per core this process may
    use (the best measured on 2 cores, bench/RESULTS.md; the store is shared, so each process
    costs little memory)."""
    return max(1, len(os.sched_getaffinity(0)))
