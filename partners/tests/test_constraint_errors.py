"""A broken model constraint is reported in plain words on the field it is about: on the page
(error summary linked to the field, the field showing the error), in the API (the same field,
the same words) and in an import (the row and the column)."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest

from core.api.testing import api_client
from core.importing import import_records
from core.services import set_owner_shares
from core.tenancy.models import Partner
from core.tenancy.scoping import system_scope
from core.testing.sample.models import Pact, Room

pytestmark = pytest.mark.django_db

ENDS_BEFORE_START = "The end date must be the same as or after the start date"
LEFT_BEFORE_JOINED = "The date the council left must be the same as or after the date it joined"
CODE_TAKEN = "A room with this code already exists in this council"


def page(response) -> str:
    return response.content.decode()


def summary_of(text: str) -> str:
    return text.split('class="govuk-error-summary"', 1)[1].split("</ul>", 1)[0]


def assert_on_field(text: str, field: str, message: str) -> None:
    """The GOV.UK pattern: the summary links to the field, and the field shows the error."""
    assert "<title>Error:" in text
    assert f'<a href="#id_{field}">{message}</a>' in summary_of(text)
    assert (
        f'<p id="id_{field}-error" class="govuk-error-message">'
        f'<span class="govuk-visually-hidden">Error:</span> {message}</p>'
    ) in text
    assert text.count(message) == 2  # the summary and the field, nowhere else
    field_input = re.search(rf'<(input|select|textarea)[^>]*id="id_{field}"[^>]*>', text)
    assert field_input is not None and f"id_{field}-error" in field_input.group(0)
    # Django's developer wording never reaches the page.
    assert "Constraint" not in text and "is violated" not in text


# Pages ---------------------------------------------------------------------------------------


def test_a_pact_ending_before_it_starts_is_the_end_dates_error(cast, client_for):
    response = client_for(cast.manager).post(
        "/pacts/new/",
        {
            "reference": "IAA-7",
            "title": "Shared print",
            "starts_on": "2020-04-01",
            "ends_on": "2020-03-31",
            "summary": "",
            f"share_{cast.wcc.pk}": "100",
        },
    )
    assert response.status_code == 200
    assert_on_field(page(response), "ends_on", ENDS_BEFORE_START)
    with system_scope("test check"):
        assert not Pact.objects.filter(reference="IAA-7").exists()


def test_a_change_that_ends_a_pact_before_it_starts_changes_nothing(cast, client_for):
    with system_scope("test data"):
        joint = Pact.objects.create(
            reference="IAA-1", title="Bi-borough ICT", starts_on=datetime.date(2011, 4, 1)
        )
        set_owner_shares(joint, {cast.wcc: Decimal("60"), cast.rbkc: Decimal("40")})
    response = client_for(cast.wcc_lead).post(
        f"/pacts/{joint.pk}/edit/",
        {
            "reference": "IAA-1",
            "title": "Bi-borough ICT",
            "starts_on": "2011-04-01",
            "ends_on": "2011-03-01",
            f"share_{cast.wcc.pk}": "60",
        },
    )
    assert_on_field(page(response), "ends_on", ENDS_BEFORE_START)
    with system_scope("test check"):
        assert Pact.objects.get(pk=joint.pk).ends_on is None


PARTNER = {
    "code": "camden",
    "name": "London Borough of Camden",
    "gss_code": "E09000007",
    "nation": "ENG",
    "joined_on": "2024-04-01",
    "left_on": "2024-03-31",
}


def test_a_council_leaving_before_it_joined_is_the_leaving_dates_error(cast, client_for):
    client = client_for(cast.manager)
    response = client.post("/partners/new/", PARTNER)
    assert response.status_code == 200
    assert_on_field(page(response), "left_on", LEFT_BEFORE_JOINED)
    with system_scope("test check"):
        assert not Partner.objects.filter(code="camden").exists()
    # Editing a council: the same.
    response = client.post(
        f"/partners/{cast.wcc.pk}/edit/",
        {**PARTNER, "code": "wcc", "name": cast.wcc.name, "gss_code": ""},
    )
    assert_on_field(page(response), "left_on", LEFT_BEFORE_JOINED)
    with system_scope("test check"):
        assert Partner.objects.get(pk=cast.wcc.pk).left_on is None


def test_a_room_code_used_in_the_council_is_the_codes_error(cast, client_for):
    with system_scope("test data"):
        Room.objects.create(partner=cast.wcc, code="CH", name="City Hall")
    response = client_for(cast.wcc_lead).post(
        "/rooms/new/", {"partner": cast.wcc.pk, "code": "CH", "name": "Twin Hall"}
    )
    assert response.status_code == 200
    text = page(response)
    assert_on_field(text, "code", CODE_TAKEN)
    # The form calls it a council: the model's word "Partner" is not in the message.
    assert "Partner and Code" not in text
    with system_scope("test check"):
        assert Room.objects.filter(code="CH").count() == 1


def test_a_code_used_only_by_another_council_is_no_clash_and_is_never_named(cast, client_for):
    with system_scope("test data"):
        Room.objects.create(partner=cast.rbkc, code="KTH", name="Kensington Town Hall")
    response = client_for(cast.wcc_lead).post(
        "/rooms/new/", {"partner": cast.wcc.pk, "code": "KTH", "name": "Westminster KTH"}
    )
    assert response.status_code == 302
    with system_scope("test check"):
        assert Room.objects.filter(code="KTH").count() == 2


# The API: the same field, the same words ------------------------------------------------------


def test_the_api_names_the_same_fields_in_the_same_words(cast):
    client = api_client(cast.manager)
    response = client.post(
        "/api/v1/pacts/",
        {
            "reference": "TRI-1",
            "title": "Tri-borough",
            "starts_on": "2012-04-01",
            "ends_on": "2012-03-01",
            "owner_shares": [{"partner": "wcc", "percentage": "100"}],
        },
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "ends_on", "code": "constraint", "message": ENDS_BEFORE_START}
    ]
    response = client.post(
        "/api/v1/partners/",
        {"code": "camden", "name": "Camden", "joined_on": "2024-04-01", "left_on": "2024-03-31"},
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "left_on", "code": "constraint", "message": LEFT_BEFORE_JOINED}
    ]
    with system_scope("test data"):
        Room.objects.create(partner=cast.wcc, code="CH", name="City Hall")
    response = api_client(cast.wcc_lead).post(
        "/api/v1/rooms/", {"partner": "wcc", "code": "CH", "name": "Twin Hall"}
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "code", "code": "unique", "message": CODE_TAKEN}]


# Imports: the row and the column --------------------------------------------------------------


def test_an_import_names_the_row_and_column_of_a_broken_constraint(cast, tmp_path):
    with system_scope("test data"):
        Room.objects.create(partner=cast.wcc, code="CH", name="City Hall")
    path = tmp_path / "rooms.csv"
    path.write_text("partner,code,name\nwcc,LIB,Library\nwcc,CH,Twin Hall\n", encoding="utf-8")
    with open(path, "rb") as f:
        result = import_records(Room, f, path.name, cast.wcc_lead, dry_run=False)
    assert not result.ok
    assert [(e.row, e.column, e.message) for e in result.errors] == [(3, "code", CODE_TAKEN)]
    with system_scope("test check"):
        assert not Room.objects.filter(code="LIB").exists()  # the whole import is undone
