"""Signing in to the API: tokens, throttling, lock-out after failed sign-ins, session + CSRF."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core.api.testing import api_client
from core.testing.cast import PASSWORD

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"


@pytest.fixture(autouse=True)
def fresh_throttles():
    # Throttle counts live in the cache, which outlives a test.
    cache.clear()
    yield
    cache.clear()


def test_token_for_username_and_password(cast):
    response = APIClient().post(TOKEN, {"username": "wcc.lead", "password": PASSWORD})
    assert response.status_code == 200
    key = response.json()["token"]
    assert Token.objects.get(key=key).user == cast.wcc_lead
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get(reverse("api:room-list")).status_code == 200


def test_token_as_form_data(cast):
    response = APIClient().post(
        TOKEN, {"username": "agent", "password": PASSWORD}, format="multipart"
    )
    assert response.status_code == 415  # JSON or a plain form only
    response = APIClient().generic(
        "POST",
        TOKEN,
        f"username=agent&password={PASSWORD}",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200


def test_wrong_password_is_a_400_in_the_error_shape(cast):
    response = APIClient().post(TOKEN, {"username": "wcc.lead", "password": "nope"})
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == 400
    assert body["errors"][0]["field"] is None
    assert body["errors"][0]["code"] == "authorization"


def test_missing_fields_are_named(cast):
    response = APIClient().post(TOKEN, {})
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {"username", "password"}


def test_bad_token_is_401(cast):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = client.get(reverse("api:room-list"))
    assert response.status_code == 401
    assert response.json()["status"] == 401


def test_former_partners_people_get_no_token_and_lose_theirs(cast):
    response = APIClient().post(TOKEN, {"username": "lbhf.lead", "password": PASSWORD})
    assert response.status_code == 400
    client = api_client(cast.lbhf_lead)  # a token made before the council left
    assert client.get(reverse("api:room-list")).status_code == 401


def test_repeated_failures_lock_the_person_out_with_json(cast, settings):
    settings.AXES_FAILURE_LIMIT = 3
    client = APIClient()
    statuses = [
        client.post(TOKEN, {"username": "wcc.lead", "password": "wrong"}).status_code
        for _ in range(3)
    ]
    assert statuses[:2] == [400, 400]
    assert statuses[2] == 429
    # Now even the right password is refused, as JSON, not the HTML lock-out page.
    response = client.post(TOKEN, {"username": "wcc.lead", "password": PASSWORD})
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == 429
    assert body["errors"][0]["code"] == "locked_out"
    # Someone else is not locked out by it.
    ok = client.post(TOKEN, {"username": "rbkc.lead", "password": PASSWORD})
    assert ok.status_code == 200


def test_lock_out_ends_after_the_cool_off(cast, settings, time_machine):
    settings.AXES_FAILURE_LIMIT = 2
    time_machine.move_to(datetime.datetime(2026, 1, 5, 9, 0, tzinfo=datetime.UTC))
    client = APIClient()
    for _ in range(2):
        client.post(TOKEN, {"username": "wcc.lead", "password": "wrong"})
    assert client.post(TOKEN, {"username": "wcc.lead", "password": PASSWORD}).status_code == 429
    time_machine.move_to(datetime.datetime(2026, 1, 5, 10, 0, tzinfo=datetime.UTC))
    cache.clear()
    assert client.post(TOKEN, {"username": "wcc.lead", "password": PASSWORD}).status_code == 200


def test_token_endpoint_is_throttled(cast):
    # DRF reads the rates once, into the throttle class; swap them there for the test.
    from rest_framework.throttling import ScopedRateThrottle

    rates = {**ScopedRateThrottle.THROTTLE_RATES, "token": "3/min"}
    original = ScopedRateThrottle.THROTTLE_RATES
    ScopedRateThrottle.THROTTLE_RATES = rates
    try:
        client = APIClient()
        codes = [
            client.post(TOKEN, {"username": "agent", "password": PASSWORD}).status_code
            for _ in range(4)
        ]
    finally:
        ScopedRateThrottle.THROTTLE_RATES = original
    assert codes == [200, 200, 200, 429]


def test_throttled_response_is_json_with_retry_after(cast):
    from rest_framework.throttling import ScopedRateThrottle

    original = ScopedRateThrottle.THROTTLE_RATES
    ScopedRateThrottle.THROTTLE_RATES = {**original, "token": "1/min"}
    try:
        client = APIClient()
        client.post(TOKEN, {"username": "agent", "password": PASSWORD})
        response = client.post(TOKEN, {"username": "agent", "password": PASSWORD})
    finally:
        ScopedRateThrottle.THROTTLE_RATES = original
    assert response.status_code == 429
    assert response.json()["errors"][0]["code"] == "throttled"
    assert int(response["Retry-After"]) > 0


# Session (the browser) -----------------------------------------------------------------------


def test_session_reads_need_no_csrf(cast):
    client = api_client(cast.wcc_lead, auth="session", csrf=True)
    assert client.get(reverse("api:room-list")).status_code == 200


def test_session_writes_need_the_csrf_token(cast):
    client = api_client(cast.wcc_lead, auth="session", csrf=True)
    payload = {"partner": "wcc", "code": "CSRF-1", "name": "Guarded"}
    refused = client.post(reverse("api:room-list"), payload)
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["errors"][0]["message"]
    # The browser gets its token from a page (the cookie), then sends it back in a header.
    client.get(reverse("api:room-list"))
    from django.middleware.csrf import _get_new_csrf_string

    secret = _get_new_csrf_string()
    client.cookies["csrftoken"] = secret
    accepted = client.post(reverse("api:room-list"), payload, HTTP_X_CSRFTOKEN=secret)
    assert accepted.status_code == 201, accepted.json()


def test_token_requests_need_no_csrf(cast):
    client = api_client(cast.wcc_lead, auth="token", csrf=True)
    payload = {"partner": "wcc", "code": "TOK-1", "name": "Token write"}
    assert client.post(reverse("api:room-list"), payload).status_code == 201
