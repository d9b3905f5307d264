"""What the app serves, and the one way a route reads it: `app_state(request)`.

`create_app` puts an `AppState` on `app.state.netkg` and `reload_release` swaps it for a new one,
so a route reads it once per request and keeps that copy. `app_state` also works as a FastAPI
dependency (`Depends(app_state)`); the hot routes call it directly, which costs less.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import HTTPConnection

from netkg.config import Settings
from netkg.errors import NetkgError
from netkg.store import Release, Store

__all__ = ["AppState", "app_state"]


@dataclass(frozen=True)
class AppState:
    """What every router needs: the settings, the store, and the release the store holds."""

    settings: Settings
    store: Store
    release: Release


def app_state(request: HTTPConnection) -> AppState:
    """The state of the app answering `request`; a clear error if no `create_app` set it up."""
    state = getattr(request.app.state, "netkg", None)
    if not isinstance(state, AppState):
        raise NetkgError(
            "the service state is not set up: build the app with netkg.web.app.create_app(settings)"
        )
    return state
