"""Core pages: layout, sign-in, errors, the partner filter, the change log; forms and tables."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django import forms
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from core.forms import ScopedModelForm
from core.models import ChangeRecord
from core.tables import Column, Table
from core.tenancy.models import Membership
from core.tenancy.scoping import system_scope
from core.testing.cast import PASSWORD
from core.testing.sample.forms import RoomForm
from core.testing.sample.models import Room, RoomType

pytestmark = pytest.mark.django_db


def page(response) -> str:
    return response.content.decode()


# Layout --------------------------------------------------------------------------------------


def test_layout_has_the_govuk_parts_and_no_inline_script_or_style(cast, client_for):
    text = page(client_for(cast.wcc_lead).get("/"))
    assert 'class="govuk-skip-link"' in text and 'href="#main-content"' in text
    assert 'id="main-content"' in text
    assert "govuk-phase-banner" in text and "govuk-footer" in text
    assert "Concord" in text
    # Signing out is a POST form.
    assert re.search(r'<form method="post" action="/sign-out/"', text)
    # The CSP allows no inline script or style: every <script> has a src, no style attributes.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text)
    assert "<style" not in text and " style=" not in text
    assert "/static/vendor/govuk-frontend/govuk-frontend.min.css" in text
    assert "/static/concord/app.js" in text


def test_navigation_lists_only_what_the_person_may_view(cast, client_for):
    manager = page(client_for(cast.manager).get("/"))
    for label in ("Home", "Councils", "Rooms", "Room types", "Pacts", "People", "Change log"):
        assert f">{label}<" in manager or f"{label}\n" in manager, label
    staff = page(client_for(cast.wcc_staff).get("/"))
    nav = staff.split('id="navigation"', 1)[1].split("</nav>", 1)[0]
    assert "Rooms" in nav and "Change log" not in nav
    auditor = page(client_for(cast.wcc_auditor).get("/"))
    nav = auditor.split('id="navigation"', 1)[1].split("</nav>", 1)[0]
    assert "Change log" in nav


def test_header_partner_filter_only_for_staff_and_multi_council_people(cast, client_for):
    assert 'id="concord-partner-filter"' in page(client_for(cast.manager).get("/"))
    assert 'id="concord-partner-filter"' not in page(client_for(cast.wcc_lead).get("/"))
    with system_scope("test"):
        Membership.objects.create(user=cast.wcc_lead, partner=cast.rbkc, role="auditor")
    text = page(client_for(cast.wcc_lead).get("/"))
    options = text.split('id="concord-partner-filter"', 1)[1].split("</select>", 1)[0]
    assert "All councils" in options and "City of Westminster" in options
    assert "Kensington" in options and "Hammersmith" not in options


def test_header_partner_filter_marks_the_choice_and_former_partners(cast, client_for):
    client = client_for(cast.manager)
    client.post("/partner-filter/", {"partner": "rbkc", "next": "/"})
    text = page(client.get("/"))
    options = text.split('id="concord-partner-filter"', 1)[1].split("</select>", 1)[0]
    assert '<option value="rbkc" selected>' in options
    assert '<option value="" selected>' not in options
    assert "London Borough of Hammersmith and Fulham (left the partnership)" in options


def test_static_files_exist_for_the_layout():
    from django.contrib.staticfiles import finders

    for name in (
        "concord/app.js",
        "concord/app.css",
    ):
        assert finders.find(name), name


# Sign in, lock-out, errors -------------------------------------------------------------------


def test_sign_in_page(cast, client):
    text = page(client.get(reverse("login")))
    assert "Sign in to Concord" in text and 'class="govuk-input' in text
    response = client.post(reverse("login"), {"username": "wcc.lead", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"


def test_wrong_password_shows_error_summary(cast, client):
    response = client.post(reverse("login"), {"username": "wcc.lead", "password": "nope"})
    assert response.status_code == 200
    assert "There is a problem" in page(response)


def test_repeated_failures_lock_out(cast, client, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "wcc.lead", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "wcc.lead", "password": PASSWORD})
    assert response.status_code in (403, 429)
    assert "You cannot sign in for now" in page(response)


def test_404_page_says_only_page_not_found(cast, client_for):
    response = client_for(cast.wcc_lead).get("/no-such-page/")
    assert response.status_code == 404
    text = page(response)
    assert "Page not found" in text
    assert "Traceback" not in text and "urlpatterns" not in text.lower()


def test_500_page_stands_alone():
    from django.template.loader import render_to_string

    text = render_to_string("errors/500.html")
    assert "Sorry, there is a problem with the service" in text


# Partner filter ------------------------------------------------------------------------------


@pytest.fixture
def two_rooms(cast):
    with system_scope("test"):
        return (
            Room.objects.create(partner=cast.wcc, code="CH", name="City Hall"),
            Room.objects.create(partner=cast.rbkc, code="TH", name="Town Hall"),
        )


def test_partner_filter_narrows_lists(cast, two_rooms, client_for):
    client = client_for(cast.manager)
    response = client.post(
        reverse("core:partner_filter"), {"partner": "wcc", "next": "/rooms/?cursor=abc&q=hall"}
    )
    assert response.status_code == 302 and response["Location"] == "/rooms/?q=hall"
    text = page(client.get("/rooms/"))
    assert "City Hall" in text and "Town Hall" not in text
    assert "Showing" in text
    client.post(reverse("core:partner_filter"), {"partner": "", "next": "/rooms/"})
    text = page(client.get("/rooms/"))
    assert "City Hall" in text and "Town Hall" in text


def test_partner_filter_never_widens(cast, two_rooms, client_for):
    client = client_for(cast.wcc_lead)
    client.post(reverse("core:partner_filter"), {"partner": "rbkc", "next": "/rooms/"})
    text = page(client.get("/rooms/"))
    assert "Town Hall" not in text and "City Hall" in text


def test_partner_filter_refuses_get_and_foreign_redirects(cast, client_for):
    client = client_for(cast.manager)
    assert client.get(reverse("core:partner_filter")).status_code == 405
    response = client.post(
        reverse("core:partner_filter"), {"partner": "wcc", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


# Change log ----------------------------------------------------------------------------------


def test_change_log_is_scoped(cast, two_rooms, client_for):
    auditor = page(client_for(cast.wcc_auditor).get("/changes/"))
    assert "City Hall" in auditor and "Town Hall" not in auditor
    manager = page(client_for(cast.manager).get("/changes/"))
    assert "City Hall" in manager and "Town Hall" in manager
    assert client_for(cast.wcc_staff).get("/changes/").status_code == 403


def test_change_log_filters_and_pages(cast, two_rooms, client_for, settings):
    client = client_for(cast.manager)
    text = page(client.get("/changes/?model=sample.room&action=create"))
    assert "City Hall" in text and "Town Hall" in text
    assert "City of Westminster" not in text.split('id="concord-results"', 1)[1]
    text = page(client.get("/changes/?action=delete"))
    assert "No changes match" in text
    text = page(client.get("/changes/?date_from=2000-01-01&date_to=2999-12-31&model=sample.room"))
    assert "City Hall" in text
    text = page(client.get("/changes/?model=nope.nothing"))
    assert "There is a problem" in text
    settings.CONCORD_PAGE_SIZE = 1
    text = page(client.get("/changes/?model=sample.room"))
    assert 'rel="next"' in text
    assert client.get("/changes/?cursor=garbage").status_code == 200


def test_change_log_filter_errors_show_with_and_without_htmx(cast, two_rooms, client_for):
    client = client_for(cast.manager)
    text = page(client.get("/changes/?date_from=yesterday"))
    assert "<title>Error: Change log \u2013 Concord</title>" in text
    assert 'href="#id_date_from"' in text and 'id="id_date_from-error"' in text
    text = page(client.get("/changes/?date_from=yesterday", HTTP_HX_REQUEST="true"))
    assert "<html" not in text
    errors = text.split('<div id="concord-filter-errors" hx-swap-oob="true">', 1)[1]
    assert 'href="#id_date_from"' in errors.split("</ul>", 1)[0]
    form = text.split('<form id="concord-filter-form"', 1)[1].split("</form>", 1)[0]
    assert 'hx-swap-oob="true"' in form and 'id="id_date_from-error"' in form
    assert "<title>Error: Change log \u2013 Concord</title>" in text
    # Put right, the errors go.
    text = page(
        client.get(
            "/changes/?date_from=2000-01-01",
            HTTP_HX_REQUEST="true",
            HTTP_CONCORD_FILTER_ERRORS="shown",
        )
    )
    assert '<div id="concord-filter-errors" hx-swap-oob="true"></div>' in text
    form = text.split('<form id="concord-filter-form"', 1)[1].split("</form>", 1)[0]
    assert "govuk-form-group--error" not in form
    status = r'id="concord-results-status" hx-swap-oob="innerHTML">Showing \d+ changes?\.'
    assert re.search(status, text)


def test_change_log_query_count_does_not_grow_with_rows(
    cast, client_for, django_assert_max_num_queries
):
    with system_scope("test"):
        for i in range(20):
            Room.objects.create(partner=cast.wcc, code=f"S{i}", name=f"Room {i}")
    client = client_for(cast.manager)
    client.get("/changes/")
    with django_assert_max_num_queries(8):
        client.get("/changes/")


# Forms and tables ----------------------------------------------------------------------------


def test_scoped_model_form_replaces_every_dropdown(cast):
    form = RoomForm(user=cast.rbkc_lead)
    fields: Any = form.fields
    assert list(fields["partner"].queryset) == [cast.rbkc]
    with system_scope("test"):
        RoomType.objects.create(name="Office")
    assert [t.name for t in fields["room_type"].queryset] == ["Office"]
    assert "govuk-select" in form.fields["partner"].widget.attrs["class"]
    assert "govuk-input" in form.fields["name"].widget.attrs["class"]


def test_scoped_model_form_refuses_an_unscoped_dropdown(cast):
    class MembershipForm(ScopedModelForm):
        class Meta:
            model = Membership
            fields = ["user", "partner", "role"]

    with pytest.raises(ImproperlyConfigured):
        MembershipForm(user=cast.manager)


def test_tables_only_sort_on_non_null_fields():
    with pytest.raises(ImproperlyConfigured):

        class Bad(Table):
            room_type = Column(sort_by="room_type__name")

            class Meta:
                model = Room

    class Good(Table):
        name = Column(sortable=True)
        partner = Column(sort_by="partner__name")

        class Meta:
            model = Room

    assert Good.select_related() == ["partner"]
    assert Good.ordering_for("-partner") == ("-partner", ["-partner__name"])
    assert Good.ordering_for("bogus") == (None, ["name", "id"])


def test_form_field_widths_and_kinds(cast):
    class F(forms.Form):
        when = forms.DateField()
        yes = forms.BooleanField(required=False)

    from core.forms import govukify

    form = F()
    govukify(form)
    assert form.fields["when"].widget.input_type == "date"
    assert "govuk-checkboxes__input" in form.fields["yes"].widget.attrs["class"]


def test_change_records_written_by_pages_name_the_person(cast, client_for):
    client_for(cast.wcc_lead).post(
        "/rooms/new/", {"partner": cast.wcc.pk, "code": "N", "name": "N", "is_active": "on"}
    )
    record = ChangeRecord.objects.unscoped("test").get(object_repr="N (N)")
    assert record.actor == cast.wcc_lead


def test_filter_choices_offer_any_once(cast, client_for):
    for url, name in (("/changes/", "action"), ("/partners/", "nation"), ("/memberships/", "role")):
        html = page(client_for(cast.manager).get(url))
        select = html.split(f'name="{name}"', 1)[1].split("</select>", 1)[0]
        assert select.count('value=""') == 1, (url, select)
        assert ">Any</option>" in select and "---------" not in select


def test_a_form_sent_without_its_security_token_gets_a_plain_page_and_changes_nothing(cast):
    from django.test import Client

    with system_scope("test data"):
        room = Room.objects.create(partner=cast.wcc, code="CSRF", name="Before")
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.wcc_lead, backend="core.tenancy.auth.ConcordBackend")
    url = reverse("sample:room_update", args=[room.pk])
    response = client.post(url, {"code": "CSRF", "name": "After", "partner": cast.wcc.pk})
    assert response.status_code == 403
    text = response.content.decode()
    assert "This form has expired" in text and "Nothing was saved" in text
    assert "govuk-header" in text or "govuk-template" in text
    assert "CSRF verification failed" not in text
    with system_scope("test check"):
        room.refresh_from_db()
    assert room.name == "Before"
    # The same form with its token still works.
    page = client.get(url)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert token is not None


def test_the_security_token_failure_answers_the_api_in_json(rf):
    from core.views.errors import csrf_failure

    response = csrf_failure(rf.post("/api/v1/rooms/"), reason="CSRF cookie not set.")
    assert response.status_code == 403
    import json

    body = json.loads(response.content)
    assert body["errors"][0]["code"] == "csrf_failed"
    assert "cookie" not in body["errors"][0]["message"].lower()


def test_routes_and_assets_are_worked_out_once_and_forgotten_when_settings_change(settings):
    from django.test import override_settings
    from django.urls import NoReverseMatch

    from core.routes import asset_url, route_url, route_url_or_fail

    assert route_url_or_fail("core:home") == "/"
    assert route_url("no:such_route") is None
    with pytest.raises(NoReverseMatch):
        route_url_or_fail("no:such_route")
    assert asset_url("concord/app.css") == "/static/concord/app.css"
    with override_settings(STATIC_URL="/assets/"):
        assert asset_url("concord/app.css") == "/assets/concord/app.css"
    assert asset_url("concord/app.css") == "/static/concord/app.css"
