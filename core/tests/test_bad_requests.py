"""Requests nobody's form sends: a NUL character anywhere, an endless username. Each is a
clear 400 (or a failed sign-in), never a server error, on SQLite and on PostgreSQL alike."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, RequestFactory

from core.api.testing import api_client
from core.views.errors import server_error

pytestmark = pytest.mark.django_db


def test_a_nul_in_the_query_string_is_a_400_page(cast: Any, client_for: Any) -> None:
    response = client_for(cast.wcc_lead).get("/rooms/", {"q": "Hall\x00"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "<title>Error: the request could not be understood" in text
    assert "The query parameter &#x27;q&#x27; contains a NUL character" in text


def test_a_nul_in_a_form_field_is_a_400_and_changes_nothing(cast: Any, client_for: Any) -> None:
    client = client_for(cast.manager)
    response = client.post("/partner-filter/", {"partner": "w\x00", "next": "/rooms/"})
    assert response.status_code == 400
    assert "The field &#x27;partner&#x27;" in response.content.decode()
    response = client.post("/partner-exports/", {"partner": "\x00"})
    assert response.status_code == 400
    from core.models import PartnerExport

    assert not PartnerExport.objects.unscoped("test").exists()


def test_a_nul_in_a_header_or_cookie_is_a_400_before_the_session_is_read(cast: Any) -> None:
    client = Client()
    response = client.post(
        "/sign-in/",
        {"username": "wcc.lead", "password": "x"},
        HTTP_USER_AGENT="Mozilla\x00",
    )
    assert response.status_code == 400
    assert "User-Agent header" in response.content.decode()
    # Straight into the header: the test client's own cookie jar would escape it.
    assert client.get("/rooms/", HTTP_COOKIE="sessionid=abcdefgh\x00ijkl").status_code == 400


def test_the_api_answers_a_nul_with_its_json_error(cast: Any) -> None:
    response = api_client(cast.wcc_lead).get("/api/v1/rooms/", {"q": "\x00"})
    assert response.status_code == 400
    assert response.json() == {
        "status": 400,
        "errors": [
            {
                "field": None,
                "code": "bad_request",
                "message": "The query parameter 'q' contains a NUL character (\\x00).",
            }
        ],
    }


def test_a_nul_in_an_api_body_is_the_fields_own_400(cast: Any) -> None:
    response = Client().post(
        "/api/v1/auth/token/",
        {"username": "wcc\x00lead", "password": "x"},
        content_type="application/json",
    )
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["field"] == "username" and error["code"] == "null_characters_not_allowed"


def test_an_endless_username_is_a_failed_sign_in(cast: Any, client: Client) -> None:
    long_name = "x" * 300
    response = client.post("/sign-in/", {"username": long_name, "password": "wrong"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    response = Client().post(
        "/api/v1/auth/token/",
        {"username": long_name, "password": "wrong"},
        content_type="application/json",
    )
    assert response.status_code == 400
    from axes.models import AccessAttempt

    [attempt] = AccessAttempt.objects.filter(username__startswith="xxx")
    assert len(attempt.username) == 151  # one more than any real username


def test_the_500_page_reads_nothing_from_the_database(django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(0):
        response = server_error(RequestFactory().get("/rooms/"))
    assert response.status_code == 500
    assert b"Sorry, there is a problem with the service" in response.content
