"""Fixtures shared by every test: the cast, and clients signed in as each of them."""

from __future__ import annotations

import pytest

from core.testing.cast import Cast, make_cast


@pytest.fixture
def cast(db: None) -> Cast:
    """Two councils (and a former one) with their people, and the shared-service staff."""
    return make_cast()


@pytest.fixture
def client_for(client):  # type: ignore[no-untyped-def]
    """A function that returns a Django test client signed in as the given user."""
    from django.test import Client

    def sign_in(user):  # type: ignore[no-untyped-def]
        c = Client()
        if user is not None:
            c.force_login(user, backend="partners.auth.ConcordBackend")
        return c

    return sign_in
