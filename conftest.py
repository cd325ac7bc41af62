"""Fixtures shared by every test: the cast, and clients signed in as each of them."""

from __future__ import annotations

from typing import Any

import pytest

from core.testing.cast import Cast, make_cast

# The generic families' pinned query counts: --repin-queries (make pin-queries) rewrites them;
# a real SMTP server on loopback for email tests (smtp_server), a real IMAP server (imap_server),
# headless chromium (browser), and a test server that answers without Nagle's delay.
pytest_plugins = [
    "core.testing.live_server",
    "core.testing.families.pins",
    "core.testing.mail",
    "core.testing.imap",
    "core.testing.browser",
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


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Leave each phase's report on the test item (``item.rep_call``), so that fixtures can
    act on a failure (the browser tests keep a screenshot)."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
