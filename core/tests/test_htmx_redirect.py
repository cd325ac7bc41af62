"""A redirect answering an htmx request becomes HX-Redirect (HtmxRedirectMiddleware).

The browser's XMLHttpRequest follows a redirect by itself, so without this an expired session
put the sign-in page inside the part of the page htmx was updating.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.test import RequestFactory

from core.middleware import HtmxRedirectMiddleware
from core.models import ImportJob, JobStatus

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_an_expired_session_sends_htmx_to_the_sign_in_page(client):
    response = client.get("/rooms/", {"q": "hall"}, **HTMX)
    assert response.status_code == 204
    assert response["HX-Redirect"] == "/sign-in/?next=" + quote("/rooms/?q=hall", safe="/")
    assert "Location" not in response
    assert response.content == b""
    assert "HX-Request" in response["Vary"]
    # What the other middleware adds is kept.
    assert response["X-Request-ID"]


def test_a_page_load_still_gets_the_redirect(client):
    response = client.get("/rooms/", {"q": "hall"})
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/?next=")
    assert "HX-Redirect" not in response


def test_a_history_restore_still_gets_the_redirect(client):
    response = client.get("/rooms/", HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HTMX)
    assert response.status_code == 302
    assert "HX-Redirect" not in response


def test_the_import_progress_poll_sends_the_person_to_sign_in_and_back(cast, client_for):
    job = ImportJob.objects.create(
        user=cast.wcc_lead,
        model_label="sample.Room",
        filename="big.csv",
        status=JobStatus.CHECKING,
        rows_total=1000,
    )
    job_url = f"/rooms/import/?job={job.token}"
    signed_in = client_for(cast.wcc_lead)
    assert signed_in.get(job_url, **HTMX).status_code == 200  # the fragment, as before
    response = client_for(None).get(job_url, **HTMX)
    assert response.status_code == 204
    assert response["HX-Redirect"] == "/sign-in/?next=" + quote(job_url, safe="/")


def test_any_redirect_of_an_htmx_request_is_a_full_page_load(cast, client_for):
    # CommonMiddleware's added slash, from a layer below this one.
    response = client_for(cast.wcc_lead).get("/rooms", {"q": "a"}, **HTMX)
    assert response.status_code == 204 and response["HX-Redirect"] == "/rooms/?q=a"
    # A view's redirect that also sets a cookie keeps the cookie.
    client = client_for(cast.manager)
    client.cookies.clear()
    client.force_login(cast.manager, backend="core.tenancy.auth.ConcordBackend")
    response = client.post("/partner-filter/", {"partner": "wcc", "next": "/rooms/"}, **HTMX)
    assert response.status_code == 204 and response["HX-Redirect"] == "/rooms/"
    assert "sessionid" in response.cookies


def test_other_answers_are_left_alone(cast, client_for):
    fragment = client_for(cast.wcc_lead).get("/rooms/", **HTMX)
    assert fragment.status_code == 200 and "HX-Redirect" not in fragment
    request = RequestFactory().get("/", HTTP_HX_REQUEST="true")

    def not_modified(request: HttpRequest) -> HttpResponse:
        return HttpResponseNotModified()

    # A 3xx with no Location is not a redirect.
    assert HtmxRedirectMiddleware(not_modified)(request).status_code == 304
