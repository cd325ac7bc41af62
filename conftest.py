"""Fixtures shared by every test: the cast, and clients signed in as each of them."""

from __future__ import annotations

import gc
from typing import Any

import pytest

from core.testing.cast import Cast, make_cast

# The generic families' pinned query counts: --repin-queries (make pin-queries) rewrites them;
# a real SMTP server on loopback for email tests (smtp_server), a real IMAP server (imap_server),
# headless chromium (browser), a migrated database file (migrated_sqlite), and a test server
# that answers without Nagle's delay; a count of queries that starts with nothing waiting.
pytest_plugins = [
    "core.testing.live_server",
    "core.testing.families.pins",
    "core.testing.mail",
    "core.testing.imap",
    "core.testing.browser",
    "core.testing.migrated",
    "core.testing.waiting",
]


@pytest.fixture
def media_folder(settings: Any, tmp_path: Any) -> Any:
    """Uploaded and generated files go to a temporary folder, never to var/media."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def cast(db: None) -> Cast:
    """Two councils (and a former one) with their people, and the shared-service staff."""
    return make_cast()


@pytest.fixture
def client_for(client: Any) -> Any:
    """A function that returns a Django test client signed in as the given user."""
    from django.test import Client

    def sign_in(user: Any) -> Client:
        c = Client()
        if user is not None:
            c.force_login(user, backend="core.tenancy.auth.ConcordBackend")
        return c

    return sign_in


@pytest.fixture
def api_client_for(db: None) -> Any:
    """A function that returns a DRF test client authenticated with the user's API token."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    def sign_in(user: Any) -> APIClient:
        c = APIClient()
        if user is not None:
            token, _ = Token.objects.get_or_create(user=user)
            c.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return c

    return sign_in


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """When the whole suite runs (no paths given), refuse to run it if an app holding Concord
    records has no test collected: left out of ``testpaths``, or never given any."""
    if config.args_source != pytest.Config.ArgsSource.TESTPATHS:
        return
    from core.testing.suite import apps_without_tests

    missing = apps_without_tests(item.path for item in items)
    if missing:
        raise pytest.UsageError(
            f"No tests were collected for {', '.join(missing)}, which hold Concord records: add "
            "the app to testpaths in pyproject.toml and give it tests "
            "(docs/adding-an-app.md)."
        )


#: New container objects between two passes of the collector's first generation in a test
#: process, rather than Python's 700 (see pytest_collection_finish).
COLLECTOR_THRESHOLD = 5_000


def pytest_collection_finish(session: pytest.Session) -> None:
    """Once the tests are collected, the garbage collector set for a long run: what is loaded
    by now (the tests' modules, and every app's URLs, views and serializers) is frozen out of
    its walks, as the web server freezes it (core.heap), and its first generation runs after
    5,000 new objects rather than 700.

    Measured on the desk's ticket and queue families and two endpoints' hostile-value sweeps
    in one process (gc.callbacks timing each pass): the collector took 15.8 s of a 58.5 s run,
    13 s of it in 49 full passes over half a million objects; 7.1 s once the loaded objects
    are frozen, with this threshold (700, 20,000 and 50,000 gave 8.2, 7.3 and 7.9 s). Garbage
    in cycles is still collected; the test database, made later, is not frozen."""
    from core.heap import freeze_what_is_loaded

    freeze_what_is_loaded()
    gen0, *older = gc.get_threshold()
    gc.set_threshold(max(gen0, COLLECTOR_THRESHOLD), *older)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Leave each phase's report on the test item (``item.rep_call``), so that fixtures can
    act on a failure (the browser tests keep a screenshot)."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
