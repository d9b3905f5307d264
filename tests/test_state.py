"""The one way routes read the app state: typed, and a clear error when no create_app set it up."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.requests import HTTPConnection

from netkg.errors import NetkgError
from netkg.web.state import app_state


def test_an_app_without_state_says_how_to_set_it_up() -> None:
    request = HTTPConnection({"type": "http", "app": Starlette(), "headers": []})
    with pytest.raises(NetkgError, match=r"create_app\(settings\)"):
        app_state(request)
