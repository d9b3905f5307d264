"""Typed errors raised deep and rendered once: each knows its HTTP status and its CLI exit code."""

from __future__ import annotations


class NetkgError(Exception):
    """Base of every error netkg reports to a person or a client."""

    status_code = 500
    exit_code = 2

    def __init__(self, message: str, *, detail: object | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


class SourceError(NetkgError):
    """A curated file that can't be read or parsed (missing path, not RDF, syntax error)."""

    exit_code = 2


class ValidationFailed(NetkgError):
    """The sources parse but break a rule with severity Violation."""

    exit_code = 1


class BadRequest(NetkgError):
    """The client's request is malformed: a bad query, parameter or body."""

    status_code = 400


class NotFound(NetkgError):
    status_code = 404


class MethodNotAllowed(NetkgError):
    status_code = 405


class NotAcceptable(NetkgError):
    """No representation satisfies the request's Accept header."""

    status_code = 406


class PayloadTooLarge(NetkgError):
    status_code = 413


class UnsupportedMediaType(NetkgError):
    status_code = 415


class QueryTimeout(NetkgError):
    """A query ran past its time limit and was stopped."""

    status_code = 503


class ResultTooLarge(NetkgError):
    """A result exceeded the configured size limit; reported, never truncated silently."""

    status_code = 413


class StoreUnavailable(NetkgError):
    """The remote SPARQL store did not answer."""

    status_code = 502


class Forbidden(NetkgError):
    """A request the service understands but refuses: SPARQL UPDATE, SERVICE (federation)."""

    status_code = 403


class ServiceBusy(NetkgError):
    """Every query worker stayed busy longer than the configured wait; try again shortly."""

    status_code = 503


class TooManyRequests(NetkgError):
    """One client already has as many heavy queries in flight as the server allows it."""

    status_code = 429


class UriTooLong(NetkgError):
    """A GET request's query string is over the request-size limit; POST long queries instead."""

    status_code = 414
