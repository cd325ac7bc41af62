"""The session store reads the row Django's would, and refuses what Django's refuses."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from core.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_the_settings_use_it_without_a_shared_cache():
    assert settings.SESSION_ENGINE == "core.sessions"


def test_a_saved_session_reads_back():
    store = SessionStore()
    store["partner"] = "wcc"
    store["n"] = 3
    store.save()
    again = SessionStore(store.session_key)
    assert again.load() == {"partner": "wcc", "n": 3}
    assert again.session_key == store.session_key


def test_an_expired_or_unknown_session_is_empty_and_forgotten():
    store = SessionStore()
    store["x"] = 1
    store.save()
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    expired = SessionStore(store.session_key)
    assert expired.load() == {}
    assert expired.session_key is None
    unknown = SessionStore("a" * 32)
    assert unknown.load() == {} and unknown.session_key is None


def test_signing_in_and_out_works_through_it(cast, client):
    from core.testing.cast import PASSWORD

    response = client.post("/sign-in/", {"username": "wcc.lead", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/rooms/").status_code == 200
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    response = client.get("/rooms/")
    assert response.status_code == 302 and "/sign-in/" in response["Location"]
