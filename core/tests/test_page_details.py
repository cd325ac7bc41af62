"""Details of the pages: what caches are told, what an edit page with errors is called, and
where the header's council filter sends the person back to."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from core.tenancy.scoping import system_scope
from core.testing.sample.models import Room

pytestmark = pytest.mark.django_db


def test_the_change_log_varies_on_the_header_that_redraws_its_filter_form(cast, client_for):
    client = client_for(cast.manager)
    for response in (
        client.get("/changes/"),
        client.get("/changes/", HTTP_HX_REQUEST="true"),
        client.get("/changes/", HTTP_HX_REQUEST="true", HTTP_CONCORD_FILTER_ERRORS="shown"),
    ):
        vary = {v.strip().lower() for v in response["Vary"].split(",")}
        assert {"hx-request", "concord-filter-errors"} <= vary
    # The header does change the answer: the form is drawn again only when it is sent.
    plain = client.get("/changes/", HTTP_HX_REQUEST="true").content.decode()
    shown = client.get(
        "/changes/", HTTP_HX_REQUEST="true", HTTP_CONCORD_FILTER_ERRORS="shown"
    ).content.decode()
    assert 'id="concord-filter-form"' not in plain
    assert 'id="concord-filter-form"' in shown


def test_an_edit_page_with_errors_is_named_after_the_saved_record(cast, client_for):
    with system_scope("test data"):
        room = Room.objects.create(partner=cast.wcc, code="CH", name="City Hall")
    client = client_for(cast.wcc_lead)
    response = client.post(
        f"/rooms/{room.pk}/edit/",
        {"partner": cast.wcc.pk, "code": "bad code!", "name": "t", "is_active": "on"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html
    title = re.search(r"<title>(.*?)</title>", html, re.S)
    assert title and title.group(1).strip() == "Error: Edit City Hall (CH) \u2013 Concord"
    h1 = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    assert h1 and h1.group(1).strip() == "City Hall (CH)"
    # The form keeps what was typed, to be put right.
    assert 'value="t"' in html
    with system_scope("test check"):
        room.refresh_from_db()
    assert room.name == "City Hall"


@pytest.mark.parametrize(
    ("next_url", "lands_on"),
    [
        ("/rooms/?q=hall&cursor=abc", "/rooms/?q=hall"),
        ("//evil.example/", "/"),
        ("/\\evil.example/", "/"),
        ("\\\\evil.example/", "/"),
        ("https://evil.example/rooms/", "/"),
        ("http:///evil.example/", "/"),
        ("javascript:alert(1)", "/"),
        (" //evil.example/", "/"),
        ("", "/"),
    ],
)
def test_the_council_filter_goes_back_only_to_this_room(cast, client_for, next_url, lands_on):
    response = client_for(cast.manager).post(
        reverse("core:partner_filter"), {"partner": "wcc", "next": next_url}
    )
    assert response.status_code == 302
    assert response["Location"] == lands_on
