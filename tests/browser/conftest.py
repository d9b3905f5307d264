"""Browser fixtures: the project's release served by a real `netkg serve`, and Debian's chromium.

Playwright's own browser download needs the internet, so tests drive the system chromium
(`scripts/install-browser.sh` installs it, and axe-core from npm; `make test` runs it first).
Without them the tests fail: they never skip. The driver lives for this module only, because
Playwright's sync API keeps an event loop running that would break later asyncio-based tests.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import AXE, CHROMIUM_ARGS, ROOT
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright
from service_support import running_netkg

from netkg.release.build import build_release


def _chromium() -> str | None:
    for candidate in (os.environ.get("NETKG_CHROMIUM"), "chromium", "chromium-browser"):
        if candidate and (found := shutil.which(candidate)):
            return found
    return None


def _missing(what: str) -> None:
    pytest.fail(f"{what} is missing: run scripts/install-browser.sh")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = _chromium()
    if path is None:
        _missing("chromium")
    assert path is not None
    return path


@pytest.fixture(scope="session")
def axe_source() -> Path:
    if not AXE.is_file():
        _missing("node_modules/axe-core")
    return AXE


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The project's own release (SHACL is tested elsewhere) behind a real `netkg serve`."""
    folder = tmp_path_factory.mktemp("browser")
    dist = build_release(ROOT, folder / "dist", validate=False)
    (folder / "api").symlink_to(ROOT / "api")  # the editor's examples: api/ next to dist/
    with running_netkg(dist) as base:
        yield base


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright, chromium_path: str) -> Iterator[Browser]:
    # Playwright gives every launch a fresh temporary --user-data-dir
    browser = playwright.chromium.launch(
        executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True
    )
    yield browser
    browser.close()


@pytest.fixture
def context(browser: Browser, site: str) -> Iterator[BrowserContext]:
    context = browser.new_context(
        base_url=site,
        locale="en-CA",
        viewport={"width": 1280, "height": 900},
        accept_downloads=True,
    )
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    assert not errors, f"JavaScript errors on the page: {errors}"
