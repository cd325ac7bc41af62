"""The generic model pages, exercised through the Room pages (the first scoped model)."""

from __future__ import annotations

import base64
import html
import json
import re

import pytest
from django.urls import reverse

from core.models import ChangeRecord
from core.tenancy.scoping import system_scope
from core.testing.sample.models import Room, RoomType

pytestmark = pytest.mark.django_db


@pytest.fixture
def rooms(cast):
    """A few rooms in wcc and one in rbkc (and lbhf, the former partner)."""
    with system_scope("test data"):
        office = RoomType.objects.create(name="Office")
        depot = RoomType.objects.create(name="Depot")
        made = {
            "ch": Room.objects.create(
                partner=cast.wcc, code="CH", name="City Hall", room_type=office, postcode="SW1E 6QP"
            ),
            "lib": Room.objects.create(partner=cast.wcc, code="LIB", name="Library"),
            "dep": Room.objects.create(
                partner=cast.wcc, code="DEP", name="Depot Road", room_type=depot, is_active=False
            ),
            "th": Room.objects.create(partner=cast.rbkc, code="TH", name="Town Hall"),
            "old": Room.objects.create(partner=cast.lbhf, code="OLD", name="Old Town Hall"),
        }
    made["office"] = office
    made["depot"] = depot
    return made


def page(response) -> str:
    return response.content.decode()


def links(text: str, rel: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(rf'href="([^"]*)" rel="{rel}"', text)]


def row_names(text: str) -> list[str]:
    """Names in the first column of the results table, in order."""
    results = text.split('id="concord-results"', 1)[1]
    return re.findall(r'<th scope="row" class="govuk-table__header"><a [^>]*>([^<]*)</a>', results)


# Who sees what ----------------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(cast, rooms, client):
    for url in (
        "/rooms/",
        "/rooms/new/",
        f"/rooms/{rooms['ch'].pk}/",
        f"/rooms/{rooms['ch'].pk}/edit/",
        f"/rooms/{rooms['ch'].pk}/delete/",
        f"/rooms/{rooms['ch'].pk}/history/",
        "/changes/",
        "/",
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


def test_list_shows_only_visible_records(cast, rooms, client_for):
    text = page(client_for(cast.wcc_lead).get("/rooms/"))
    assert "City Hall" in text and "Library" in text
    assert "Town Hall" not in text
    text = page(client_for(cast.rbkc_lead).get("/rooms/"))
    assert row_names(text) == ["Town Hall"]
    text = page(client_for(cast.agent).get("/rooms/"))
    assert set(row_names(text)) == {
        "City Hall",
        "Library",
        "Depot Road",
        "Town Hall",
        "Old Town Hall",
    }


@pytest.mark.parametrize("suffix", ["", "edit/", "delete/", "history/"])
def test_another_councils_room_is_404(cast, rooms, client_for, suffix):
    url = f"/rooms/{rooms['th'].pk}/{suffix}"
    client = client_for(cast.wcc_lead)
    response = client.get(url)
    assert response.status_code == 404
    assert "Page not found" in page(response)
    assert "Town Hall" not in page(response)
    if suffix in ("edit/", "delete/"):
        response = client.post(url, {"name": "Taken", "code": "X", "partner": cast.wcc.pk})
        assert response.status_code == 404
    with system_scope("test"):
        assert Room.objects.get(pk=rooms["th"].pk).name == "Town Hall"


def test_missing_and_absurd_ids_are_404(cast, rooms, client_for):
    client = client_for(cast.manager)
    assert client.get("/rooms/999999/").status_code == 404
    assert client.get("/rooms/99999999999999999999999/").status_code == 404


def test_visible_but_not_permitted_is_403(cast, rooms, client_for):
    ch = rooms["ch"].pk
    # A requester sees the council's rooms but may not change them.
    staff = client_for(cast.wcc_staff)
    assert staff.get(f"/rooms/{ch}/").status_code == 200
    assert staff.get(f"/rooms/{ch}/edit/").status_code == 403
    assert staff.post(f"/rooms/{ch}/delete/").status_code == 403
    assert staff.get("/rooms/new/").status_code == 403
    # No history permission for a requester either.
    assert staff.get(f"/rooms/{ch}/history/").status_code == 403
    # The desk agent reads everything and changes no room.
    agent = client_for(cast.agent)
    assert agent.get(f"/rooms/{ch}/edit/").status_code == 403
    detail = page(agent.get(f"/rooms/{ch}/"))
    assert f"/rooms/{ch}/edit/" not in detail and f"/rooms/{ch}/delete/" not in detail


def test_former_partners_records_are_read_only(cast, rooms, client_for):
    old = rooms["old"].pk
    manager = client_for(cast.manager)
    detail = manager.get(f"/rooms/{old}/")
    assert detail.status_code == 200
    text = page(detail)
    assert "Left the partnership" in text
    assert f"/rooms/{old}/edit/" not in text and f"/rooms/{old}/delete/" not in text
    assert manager.get(f"/rooms/{old}/edit/").status_code == 403
    assert manager.post(f"/rooms/{old}/delete/").status_code == 403
    # Marked as a former partner in the list as well.
    assert "Left the partnership" in page(manager.get("/rooms/?q=Old"))


# Lists: filters, sorting, pages --------------------------------------------------------------


def test_filters(cast, rooms, client_for):
    client = client_for(cast.wcc_lead)
    assert row_names(page(client.get("/rooms/?q=hall"))) == ["City Hall"]
    assert row_names(page(client.get(f"/rooms/?room_type={rooms['depot'].pk}"))) == ["Depot Road"]
    assert row_names(page(client.get("/rooms/?is_active=false"))) == ["Depot Road"]
    text = page(client.get("/rooms/?q=hall"))
    assert "Selected filters" in text and "Clear filters" in text


def test_filter_choices_do_not_list_other_councils(cast, rooms, client_for):
    text = page(client_for(cast.wcc_lead).get("/rooms/"))
    assert "City of Westminster" in text
    assert "Royal Borough of Kensington and Chelsea" not in text
    assert "Hammersmith" not in text


def test_filtering_by_another_councils_partner_is_an_error_not_a_leak(cast, rooms, client_for):
    response = client_for(cast.wcc_lead).get(f"/rooms/?partner={cast.rbkc.pk}")
    assert response.status_code == 200
    text = page(response)
    assert "There is a problem" in text
    assert "Town Hall" not in text and "City Hall" not in text


def test_sorting(cast, rooms, client_for):
    client = client_for(cast.wcc_lead)
    assert row_names(page(client.get("/rooms/"))) == ["City Hall", "Depot Road", "Library"]
    assert row_names(page(client.get("/rooms/?sort=-name"))) == [
        "Library",
        "Depot Road",
        "City Hall",
    ]
    assert row_names(page(client.get("/rooms/?sort=code"))) == [
        "City Hall",
        "Depot Road",
        "Library",
    ]
    assert row_names(page(client.get("/rooms/?sort=-code"))) == [
        "Library",
        "Depot Road",
        "City Hall",
    ]
    # Columns that are not sortable, and nonsense, fall back to the default order.
    for bad in ("postcode", "room_type", "-x", "partner__name"):
        assert row_names(page(client.get(f"/rooms/?sort={bad}"))) == [
            "City Hall",
            "Depot Road",
            "Library",
        ]
    text = page(client.get("/rooms/?sort=-name"))
    assert 'aria-sort="descending"' in text


def test_keyset_pages_next_and_previous(cast, client_for, settings):
    settings.CONCORD_PAGE_SIZE = 2
    with system_scope("test data"):
        for i in range(5):
            Room.objects.create(partner=cast.wcc, code=f"S{i}", name=f"Room {i}")
    client = client_for(cast.wcc_lead)
    first = page(client.get("/rooms/?q=room&sort=-name"))
    assert row_names(first) == ["Room 4", "Room 3"]
    assert links(first, "prev") == []
    (next_url,) = links(first, "next")
    assert "q=room" in next_url and "sort=-name" in next_url and "cursor=" in next_url
    second = page(client.get(f"/rooms/{next_url}"))
    assert row_names(second) == ["Room 2", "Room 1"]
    third = page(client.get(f"/rooms/{links(second, 'next')[0]}"))
    assert row_names(third) == ["Room 0"]
    assert links(third, "next") == []
    back = page(client.get(f"/rooms/{links(third, 'prev')[0]}"))
    assert row_names(back) == ["Room 2", "Room 1"]
    start = page(client.get(f"/rooms/{links(back, 'prev')[0]}"))
    assert row_names(start) == ["Room 4", "Room 3"]


def test_a_bad_cursor_starts_again(cast, rooms, client_for):
    response = client_for(cast.wcc_lead).get("/rooms/?cursor=not-a-cursor!!")
    assert response.status_code == 200
    assert row_names(page(response)) == ["City Hall", "Depot Road", "Library"]
    assert "expired" in page(response)
    # Well-formed cursors holding values no row can have are no 500 either.
    for values in ([None, 1], [{"x": 1}, 1], ["a", 10**30]):
        payload = json.dumps({"v": values, "d": "n"}).encode()
        cursor = base64.urlsafe_b64encode(payload).decode().rstrip("=")
        for url in ("/rooms/", "/changes/", f"/rooms/{rooms['ch'].pk}/history/"):
            response = client_for(cast.wcc_lead).get(f"{url}?cursor={cursor}")
            assert response.status_code == 200, (url, values)


def test_htmx_gets_only_the_results(cast, rooms, client_for):
    response = client_for(cast.wcc_lead).get("/rooms/?q=hall", HTTP_HX_REQUEST="true")
    text = page(response)
    assert text.lstrip().startswith('<div id="concord-results"')
    assert "<html" not in text
    assert "HX-Request" in response["Vary"]
    # Out of band: an empty error summary, the status screen readers hear, the title; not the
    # filter form, whose dropdowns would cost queries.
    assert '<div id="concord-filter-errors" hx-swap-oob="true"></div>' in text
    status = r'<div id="concord-results-status" hx-swap-oob="innerHTML">\s*Showing 1 room\.'
    assert re.search(status, text)
    assert "<title>Rooms \u2013 Concord</title>" in text
    assert 'id="concord-filter-form"' not in text


def oob(text: str, element_id: str) -> str:
    """The out-of-band element `element_id` of an htmx answer (from its tag to its end)."""
    match = re.search(rf'<(\w+) id="{element_id}"[^>]*hx-swap-oob="[^"]*"[^>]*>', text)
    assert match, f"no out-of-band #{element_id}"
    tag = match.group(1)
    return text[match.start() : text.index(f"</{tag}>", match.end()) + len(tag) + 3]


def test_a_choice_not_offered_gets_one_plain_message_whatever_it_names(cast, rooms, client_for):
    """Made up, or another council's: the same words, saying what to do, never Django's."""
    client = client_for(cast.wcc_lead)
    for value in ("abc", str(cast.rbkc.pk), "999999"):
        text = page(client.get(f"/rooms/?partner={value}"))
        assert "Choose the council from the list" in text, value
        assert "valid choice" not in text and "available choices" not in text
    response = client.post(
        "/rooms/new/", {"partner": cast.rbkc.pk, "code": "X1", "name": "Elsewhere"}
    )
    assert response.status_code == 200
    assert "Choose the council from the list" in page(response)
    assert cast.rbkc.name not in page(response)


def test_a_bad_filter_says_which_and_titles_the_page_error(cast, rooms, client_for):
    text = page(client_for(cast.wcc_lead).get("/rooms/?partner=abc"))
    assert "<title>Error: Rooms \u2013 Concord</title>" in text
    summary = text.split('id="concord-filter-errors"', 1)[1].split("</ul>", 1)[0]
    assert "There is a problem" in summary and 'href="#id_partner"' in summary
    form = text.split('id="concord-filter-form"', 1)[1].split("</form>", 1)[0]
    assert 'id="id_partner-error"' in form and "govuk-form-group--error" in form
    assert 'aria-describedby="id_partner-error"' in form
    assert "Correct the filters to see rooms." in text
    assert "Download CSV" not in text
    # Filters that are right: no "Error:" in the title.
    text = page(client_for(cast.wcc_lead).get("/rooms/?q=x"))
    assert "<title>Rooms \u2013 Concord</title>" in text


def test_htmx_answer_to_a_bad_filter_carries_the_errors(cast, rooms, client_for):
    """The person is told which filter is wrong when the list is filtered in place too."""
    response = client_for(cast.wcc_lead).get("/rooms/?partner=abc", HTTP_HX_REQUEST="true")
    text = page(response)
    assert "<html" not in text
    summary = oob(text, "concord-filter-errors")
    assert 'data-module="govuk-error-summary"' in summary and 'href="#id_partner"' in summary
    form = oob(text, "concord-filter-form")
    assert 'id="id_partner-error"' in form and "govuk-form-group--error" in form
    assert 'aria-describedby="id_partner-error"' in form
    # The form drawn with errors asks for itself again with the next answer.
    assert """hx-headers='{"Concord-Filter-Errors": "shown"}'""" in form
    assert 'hx-get="/rooms/"' in form and 'id="concord-filter-apply"' in form
    assert "Correct the filters to see rooms." in oob(text, "concord-results-status")
    assert "<title>Error: Rooms \u2013 Concord</title>" in text
    assert "Concord-Filter-Errors" in response["Vary"]


def test_htmx_answer_after_the_filters_are_put_right_clears_the_errors(cast, rooms, client_for):
    client = client_for(cast.wcc_lead)
    response = client.get(
        f"/rooms/?partner={cast.wcc.pk}",
        HTTP_HX_REQUEST="true",
        HTTP_CONCORD_FILTER_ERRORS="shown",
    )
    text = page(response)
    assert '<div id="concord-filter-errors" hx-swap-oob="true"></div>' in text
    form = oob(text, "concord-filter-form")
    assert "govuk-form-group--error" not in form and "hx-headers" not in form
    assert f'<option value="{cast.wcc.pk}" selected>' in form
    assert "Showing 3 rooms." in oob(text, "concord-results-status")
    assert "<title>Rooms \u2013 Concord</title>" in text


def test_results_status_says_what_the_list_shows(cast, rooms, client_for, settings):
    client = client_for(cast.wcc_lead)

    def status(url: str) -> str:
        text = page(client.get(url))
        found = re.search(r'<div id="concord-results-status"[^>]*>(.*?)</div>', text, re.S)
        assert found, url
        return found.group(1).strip()

    # A live region outside the results that htmx swaps, so that it is there to be announced.
    text = page(client.get("/rooms/"))
    live = '<div id="concord-results-status" class="govuk-visually-hidden" role="status">'
    assert live in text
    assert text.index('id="concord-results-status"') < text.index('id="concord-results"')
    assert "aria-live" not in text.split('id="concord-results"', 1)[1].split(">", 1)[0]
    assert status("/rooms/") == "Showing 3 rooms."
    assert status("/rooms/?q=library") == "Showing 1 room."
    assert status("/rooms/?q=nothing") == "No rooms match these filters."
    settings.CONCORD_PAGE_SIZE = 2
    assert status("/rooms/") == "Showing 2 rooms on this page."


def test_export_and_import_links_follow_permissions(cast, rooms, client_for):
    lead = page(client_for(cast.wcc_lead).get("/rooms/?q=hall&cursor=x"))
    assert "/rooms/export/?q=hall&amp;format=csv" in lead
    assert "/rooms/import/" in lead
    staff = page(client_for(cast.wcc_staff).get("/rooms/"))
    assert "/rooms/export/" not in staff and "/rooms/import/" not in staff
    assert "/rooms/new/" not in staff


def test_room_list_query_count_is_pinned(cast, rooms, client_for):
    """The list costs three queries of its own, however many rows: no COUNT, nothing per row.

    Every page also pays for the session, the user and their access (worked out in
    partners.access, whose cost is its own business), so the pin is on what the list adds to
    that: the page of rows and the two filter dropdowns. For shared-service staff the council
    dropdown reuses the header's council list (the same scoped rows, read once per request), so
    it adds none. The rows' councils and types are taken from those same dropdown rows.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with system_scope("test data"):
        for i in range(30):
            Room.objects.create(
                partner=cast.wcc, code=f"N{i}", name=f"New {i}", room_type=rooms["office"]
            )

    def queries(client, url):
        with CaptureQueriesContext(connection) as context:
            response = client.get(url)
        assert response.status_code in (200, 404)
        return [q["sql"] for q in context.captured_queries]

    for user, added in ((cast.wcc_lead, 3), (cast.manager, 2)):
        client = client_for(user)
        client.get("/rooms/")  # warm the content-type cache
        # A page that looks one row up and finds nothing: the cost of any page, plus 1.
        baseline = queries(client, "/rooms/999999/")
        listed = queries(client, "/rooms/")
        assert len(listed) == len(baseline) - 1 + added, "\n".join(listed)
        assert sum('FROM "tenancy_partner"' in q for q in listed) == 1
        assert not any("COUNT(" in q.upper() for q in listed)
        rows = [q for q in listed if 'FROM "sample_room"' in q]
        # The page is read from its own table alone, walking the sort index; each row's
        # council and type are the dropdowns' records (core.related), not joined in.
        assert len(rows) == 1 and "JOIN" not in rows[0] and "LIMIT" in rows[0]
        # Bookkeeping columns no column shows are not loaded.
        assert '"sample_room"."updated_at"' not in rows[0]
        response = client.get("/rooms/")
        table = response.context["table"]
        first = table.rows[0]
        fields = response.context["filter_form"].fields
        assert any(first.partner is p for p in fields["partner"].listed_rows)
        assert any(first.room_type is t for t in fields["room_type"].listed_rows)
        assert first.room_type.name == "Office"


def test_room_list_query_count_does_not_grow(cast, client_for, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(cast.wcc_lead)
    with system_scope("test data"):
        Room.objects.create(partner=cast.wcc, code="A", name="A")
    client.get("/rooms/")
    with CaptureQueriesContext(connection) as few:
        client.get("/rooms/")
    with system_scope("test data"):
        for i in range(40):
            Room.objects.create(partner=cast.wcc, code=f"B{i}", name=f"B{i}")
    with django_assert_num_queries(len(few)):
        client.get("/rooms/")


# Detail, history ---------------------------------------------------------------------------


def test_detail_shows_fields_and_links(cast, rooms, client_for):
    ch = rooms["ch"]
    text = page(client_for(cast.wcc_lead).get(f"/rooms/{ch.pk}/"))
    assert "City Hall" in text and "SW1E 6QP" in text and "Office" in text
    assert "City of Westminster" in text
    for suffix in ("edit/", "delete/", "history/"):
        assert f"/rooms/{ch.pk}/{suffix}" in text


def test_history_shows_before_and_after(cast, rooms, client_for):
    ch = rooms["ch"]
    client = client_for(cast.wcc_lead)
    response = client.post(
        f"/rooms/{ch.pk}/edit/",
        {
            "partner": cast.wcc.pk,
            "code": "CH",
            "name": "Westminster City Hall",
            "room_type": rooms["depot"].pk,
            "address": "",
            "postcode": "SW1E 6QP",
            "uprn": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    text = page(client.get(f"/rooms/{ch.pk}/history/"))
    assert "Updated" in text and "Created" in text
    assert "City Hall" in text and "Westminster City Hall" in text
    assert "→" in text
    # The type of room shows by name, not by id.
    assert "Depot" in text
    assert "wcc.lead" in text
    # The auditor of wcc sees the same history; rbkc's lead does not get near it.
    assert client_for(cast.wcc_auditor).get(f"/rooms/{ch.pk}/history/").status_code == 200
    assert client_for(cast.rbkc_lead).get(f"/rooms/{ch.pk}/history/").status_code == 404


# Forms ---------------------------------------------------------------------------------------


def test_create_form_dropdowns_are_scoped(cast, rooms, client_for):
    text = page(client_for(cast.wcc_lead).get("/rooms/new/"))
    partner_select = text.split('id="id_partner"', 1)[1].split("</select>", 1)[0]
    assert "City of Westminster" in partner_select
    assert "Kensington" not in partner_select and "Hammersmith" not in partner_select
    # Room types are a catalogue: everyone's.
    assert "Office" in text and "Depot" in text
    # The manager may add rooms for current partners only.
    text = page(client_for(cast.manager).get("/rooms/new/"))
    partner_select = text.split('id="id_partner"', 1)[1].split("</select>", 1)[0]
    assert "Kensington" in partner_select and "Hammersmith" not in partner_select


def test_create_room(cast, client_for):
    client = client_for(cast.wcc_lead)
    response = client.post(
        "/rooms/new/",
        {"partner": cast.wcc.pk, "code": "NEW", "name": "New Office", "is_active": "on"},
    )
    assert response.status_code == 302
    with system_scope("test"):
        room = Room.objects.get(code="NEW")
    assert response["Location"] == f"/rooms/{room.pk}/"
    follow = page(client.get(response["Location"]))
    assert "New Office" in follow and "govuk-notification-banner--success" in follow
    assert ChangeRecord.objects.unscoped("test").filter(object_id=room.pk, action="create").exists()


def test_form_errors_show_the_error_summary(cast, client_for):
    response = client_for(cast.wcc_lead).post(
        "/rooms/new/", {"partner": cast.wcc.pk, "code": "bad code!", "name": ""}
    )
    assert response.status_code == 200
    text = page(response)
    assert "govuk-error-summary" in text and "There is a problem" in text
    assert 'href="#id_name"' in text and 'href="#id_code"' in text
    assert "govuk-form-group--error" in text
    assert 'aria-describedby="id_name-error"' in text or "id_name-error" in text
    assert "<title>Error:" in text
    # Messages say what to do, in the GOV.UK way.
    assert "Enter the name" in text and "This field is required" not in text


def test_the_only_council_is_chosen_for_the_person(cast, client_for):
    text = page(client_for(cast.wcc_lead).get("/rooms/new/"))
    select = text.split('id="id_partner"', 1)[1].split("</select>", 1)[0]
    assert f'value="{cast.wcc.pk}" selected' in select
    text = page(client_for(cast.manager).get("/rooms/new/"))
    select = text.split('id="id_partner"', 1)[1].split("</select>", 1)[0]
    assert "selected" in select.split("Choose one")[0]


def test_cannot_pick_another_councils_partner(cast, client_for):
    response = client_for(cast.wcc_lead).post(
        "/rooms/new/", {"partner": cast.rbkc.pk, "code": "X", "name": "Sneaky"}
    )
    assert response.status_code == 200
    assert 'href="#id_partner"' in page(response)
    with system_scope("test"):
        assert not Room.objects.filter(code="X").exists()


def test_duplicate_code_is_a_form_error(cast, rooms, client_for):
    response = client_for(cast.wcc_lead).post(
        "/rooms/new/", {"partner": cast.wcc.pk, "code": "CH", "name": "Again"}
    )
    assert response.status_code == 200
    assert "There is a problem" in page(response)


def test_post_save_recheck_refuses_moving_a_room_out_of_reach(cast, rooms, client_for, monkeypatch):
    """Even if a form offered a council the author cannot see, the save is rolled back."""
    import core.forms
    from core.tenancy.models import Partner

    monkeypatch.setattr(
        core.forms,
        "writable_partners",
        lambda user, action, area: Partner.objects.unscoped("a broken dropdown"),
    )
    ch = rooms["ch"]
    before = ChangeRecord.objects.unscoped("test").count()
    response = client_for(cast.wcc_lead).post(
        f"/rooms/{ch.pk}/edit/",
        {"partner": cast.rbkc.pk, "code": "CH", "name": "City Hall", "is_active": "on"},
    )
    assert response.status_code == 200
    assert "You would no longer be able to see this record" in page(response)
    with system_scope("test"):
        assert Room.objects.get(pk=ch.pk).partner_id == cast.wcc.pk
    assert ChangeRecord.objects.unscoped("test").count() == before


# Delete --------------------------------------------------------------------------------------


def test_delete_confirms_then_deletes(cast, rooms, client_for):
    lib = rooms["lib"]
    client = client_for(cast.wcc_lead)
    text = page(client.get(f"/rooms/{lib.pk}/delete/"))
    assert "Are you sure" in text and "govuk-warning-text" in text
    response = client.post(f"/rooms/{lib.pk}/delete/")
    assert response.status_code == 302 and response["Location"] == "/rooms/"
    with system_scope("test"):
        assert not Room.objects.filter(pk=lib.pk).exists()
    assert ChangeRecord.objects.unscoped("t").filter(object_id=lib.pk, action="delete").exists()


def test_deleting_something_in_use_is_refused_in_words(cast, rooms, client_for):
    office = rooms["office"]
    response = client_for(cast.manager).post(f"/room-types/{office.pk}/delete/")
    assert response.status_code == 200
    assert "cannot be deleted because other records refer to it" in page(response)
    with system_scope("test"):
        assert RoomType.objects.filter(pk=office.pk).exists()


def test_filter_forms_take_their_fields_without_copying_them_and_stay_apart(cast, rf):
    from core.testing.sample.filtersets import RoomFilterSet

    def filter_form(user):
        request = rf.get("/rooms/", {"q": "hall"})
        request.user = user
        return RoomFilterSet(
            request.GET, queryset=Room.objects.visible_to(user), request=request
        ).form

    one, two = filter_form(cast.wcc_lead), filter_form(cast.rbkc_lead)
    assert one.is_valid() and one.cleaned_data["q"] == "hall"
    assert type(one) is not type(two)  # a form class per filter set, so nothing is shared
    assert one.fields["partner"] is not two.fields["partner"]
    assert one.fields is type(one).base_fields  # taken as made, not copied again
    assert [p.code for p in one.fields["partner"].queryset] == ["wcc"]
    assert [p.code for p in two.fields["partner"].queryset] == ["rbkc"]


def test_a_record_that_refuses_deletion_says_why_and_stays(
    cast, rooms, client_for, api_client_for, monkeypatch
):
    """`deletion_refused` (a rule of the record's own) refuses the delete page and the API's
    DELETE in the record's words, and nothing is deleted or logged."""
    room = rooms["ch"]
    monkeypatch.setattr(
        Room, "deletion_refused", lambda self: "Rooms in use are kept for the year's audit."
    )
    logged = ChangeRecord.objects.unscoped("test").count()
    page = client_for(cast.wcc_lead).post(reverse("sample:room_delete", args=[room.pk]))
    assert page.status_code == 200
    text = html.unescape(page.content.decode())
    assert "cannot be deleted. Rooms in use are kept for the year's audit." in text
    api = api_client_for(cast.wcc_lead).delete(reverse("api:room-detail", args=[room.pk]))
    assert api.status_code == 409
    assert api.json()["errors"][0]["message"] == "Rooms in use are kept for the year's audit."
    assert Room.objects.unscoped("test").filter(pk=room.pk).exists()
    assert ChangeRecord.objects.unscoped("test").count() == logged
