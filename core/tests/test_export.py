"""List export: CSV and XLSX of the rows a person may export, filtered as on the list page."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.urls import include, path
from openpyxl import load_workbook

from core.partner_filter import SESSION_KEY
from core.tenancy.scoping import system_scope
from core.testing.sample.filtersets import RoomFilterSet
from core.testing.sample.models import Room, RoomType
from core.views.data import ExportView

pytestmark = pytest.mark.django_db

export_view = ExportView.as_view(model=Room, filterset_class=RoomFilterSet)

urlpatterns = [
    path("test-rooms/export/", export_view, name="test_room_export"),
    path("", include("concord.urls")),
]


@pytest.fixture
def rooms(cast):
    with system_scope("test data"):
        office = RoomType.objects.create(name="Office")
        depot = RoomType.objects.create(name="Depot")
        return {
            "ch": Room.objects.create(
                partner=cast.wcc, code="CH", name="City Hall", room_type=office, postcode="SW1E 6QP"
            ),
            "dep": Room.objects.create(
                partner=cast.wcc,
                code="DEP",
                name='=HYPERLINK("http://x")',
                room_type=depot,
                is_active=False,
            ),
            "th": Room.objects.create(partner=cast.rbkc, code="TH", name="Town Hall"),
        }


def get_export(client, query=""):
    response = client.get(f"/test-rooms/export/{query}")
    return response


def csv_rows(response):
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


@pytest.fixture(autouse=True)
def _urls(settings):
    settings.ROOT_URLCONF = __name__


def test_csv_contains_only_visible_rows(cast, rooms, client_for):
    response = get_export(client_for(cast.wcc_lead), "?format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = csv_rows(response)
    assert {r["code"] for r in rows} == {"CH", "DEP"}
    hall = next(r for r in rows if r["code"] == "CH")
    assert hall["partner"] == "wcc"
    assert hall["room_type"] == "Office"
    assert hall["is_active"] == "true"
    assert hall["id"] == str(rooms["ch"].pk)
    assert hall["created_at"].endswith("+00:00")
    assert list(rows[0].keys()) == Room.export_fields()


def test_csv_injection_guard(cast, rooms, client_for):
    rows = csv_rows(get_export(client_for(cast.wcc_lead), "?format=csv"))
    depot = next(r for r in rows if r["code"] == "DEP")
    assert depot["name"] == '\'=HYPERLINK("http://x")'


def test_filters_and_sort_are_honoured(cast, rooms, client_for):
    client = client_for(cast.agent)
    rows = csv_rows(get_export(client, "?format=csv&is_active=false"))
    assert [r["code"] for r in rows] == ["DEP"]
    rows = csv_rows(get_export(client, "?format=csv&q=hall&sort=-name"))
    assert [r["code"] for r in rows] == ["TH", "CH"]
    rows = csv_rows(get_export(client, "?format=csv&sort=-partner"))
    assert [r["partner"] for r in rows] == ["wcc", "wcc", "rbkc"]
    rows = csv_rows(get_export(client, "?format=csv&sort=nonsense"))
    assert len(rows) == 3
    rows = csv_rows(get_export(client, f"?format=csv&partner={cast.rbkc.pk}"))
    assert [r["code"] for r in rows] == ["TH"]


def test_other_councils_filter_value_exports_nothing_of_theirs(cast, rooms, client_for):
    response = get_export(client_for(cast.wcc_lead), f"?format=csv&partner={cast.rbkc.pk}")
    # The council is not a choice the wcc lead has: an invalid filter, not rbkc's rows.
    assert response.status_code == 400


def test_staff_partner_filter_narrows(cast, rooms, client_for):
    client = client_for(cast.manager)
    session = client.session
    session[SESSION_KEY] = "rbkc"
    session.save()
    rows = csv_rows(get_export(client, "?format=csv"))
    assert [r["code"] for r in rows] == ["TH"]


def test_xlsx(cast, rooms, client_for):
    response = get_export(client_for(cast.wcc_lead), "?format=xlsx&sort=code")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    workbook = load_workbook(io.BytesIO(body), read_only=True)
    rows: list[Any] = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert list(rows[0]) == Room.export_fields()
    codes = [r[rows[0].index("code")] for r in rows[1:]]
    assert codes == ["CH", "DEP"]
    name = rows[2][rows[0].index("name")]
    assert name.startswith("'=")
    assert rows[1][rows[0].index("is_active")] is True


def test_permissions(cast, rooms, client_for):
    anonymous = get_export(client_for(None), "?format=csv")
    assert anonymous.status_code == 302
    assert "/sign-in/" in anonymous["Location"]
    # Requesters may view rooms but not export them.
    assert get_export(client_for(cast.wcc_staff), "?format=csv").status_code == 403
    assert get_export(client_for(cast.wcc_auditor), "?format=csv").status_code == 200


def test_bad_format(cast, client_for):
    assert get_export(client_for(cast.wcc_lead), "?format=pdf").status_code == 400
