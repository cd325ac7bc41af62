"""Browser tests: Playwright's sync API driving Debian's own headless chromium.

Council networks are closed, so the browser is never downloaded (no ``playwright install``):
Playwright drives the chromium Debian packages at ``/usr/bin/chromium`` (CI installs it with
``apt-get install -y chromium``). The flags switch off everything that would reach out to the
network on its own (without them the closed network refuses the browser's own connections and
start-up stalls).

Use the ``browser`` fixture (this module is a pytest plugin, named in the project's
conftest.py) in a test module marked ``@pytest.mark.browser``::

    page = browser.new_page(base_url=live_server.url)

One chromium serves all the tests of a module (starting one takes a second or two); each test
opens its own context (``browser.new_context()``, or ``new_page()``, which makes one), so no
cookie, storage or page passes from one test to the next.

Where the browser is not installed a browser test FAILS, saying what to install: the browser
journeys are part of `make test`, and a skip would let the suite pass without them. Leave them
out on purpose with ``pytest -m 'not browser'``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("CONCORD_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"
#: Where screenshots of failed browser tests go.
SCREENSHOT_DIR = Path(os.environ.get("CONCORD_SCREENSHOT_DIR", "/tmp"))  # noqa: S108


def chromium_missing() -> str | None:
    """Why browser tests cannot run here, or None when they can."""
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return (
            f"chromium not found at {CHROMIUM}: install Debian's with "
            "`apt-get install -y chromium` (never `playwright install`)"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright Python package is not installed (pip install -e '.[dev]')"
    return None


def require_browser() -> None:
    """Fail the calling test, saying what to install, when the browser cannot run here."""
    missing = chromium_missing()
    if missing:
        pytest.fail(
            f"{missing}. Browser tests are part of the suite; leave them out on purpose with "
            "`pytest -m 'not browser'`.",
            pytrace=False,
        )


@contextmanager
def launch_chromium(**options: Any) -> Iterator[Any]:
    """A headless chromium Browser, closed (with Playwright) when the block ends."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django refuses database work
    # from a thread with a running loop unless told the calls are safe (they are: sync code).
    # Only while the browser is open: the variable also fails `check --deploy` (async.E001),
    # which later tests in the same process run.
    before = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, **options
            )
            try:
                yield browser
            finally:
                browser.close()
                # Database work the test did while Playwright's loop ran used connections of
                # that context, which pytest-django's teardown never sees: close them here, or
                # the idle session stops PostgreSQL dropping the test database at the end.
                from django.db import connections

                connections.close_all()
    finally:
        if before is None:
            os.environ.pop(ASYNC_UNSAFE, None)
        else:
            os.environ[ASYNC_UNSAFE] = before


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A headless chromium for the test module's browser tests, closed after its last one."""
    require_browser()
    with launch_chromium() as chromium:
        yield chromium


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot of `page` for a failed test, and say where."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
    path = SCREENSHOT_DIR / f"concord-{safe}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
