"""The API's list export (core/api/exporting.py), beyond what the generic families check for
every model: each formula prefix, export grants that differ by council, the list's sort, large
files streaming in blocks, which endpoints have an export, and the OpenAPI schema."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
import time_machine
from django.urls import NoReverseMatch, reverse

from core.api.testing import api_client
from core.exporting import FORMULA_PREFIXES
from core.tenancy.models import Membership
from core.tenancy.scoping import system_scope
from core.testing.cast import Cast, make_user
from core.testing.families import csv_rows, xlsx_rows
from core.testing.sample.factories import make_rooms
from core.testing.sample.models import Room

pytestmark = pytest.mark.django_db

URL = "/api/v1/rooms/export/"


def test_every_formula_prefix_is_guarded(cast: Cast) -> None:
    names = {f"{prefix}cmd|' /C calc'!A{n}" for n, prefix in enumerate(FORMULA_PREFIXES)}
    with system_scope("test data"):
        for n, name in enumerate(sorted(names)):
            Room.objects.create(partner=cast.wcc, code=f"F{n}", name=name)
    client = api_client(cast.wcc_lead)
    written = {row["name"] for row in csv_rows(client.get(URL, {"format": "csv"}))}
    assert written == {"'" + name for name in names}
    cells = [row["name"] for row in xlsx_rows(client.get(URL, {"format": "xlsx"}))]
    assert len(cells) == len(names)
    # A workbook's XML reads a carriage return back as a line feed; the guard is what matters.
    assert {cell.replace("\n", "\r") for cell in cells} == {
        "'" + name.replace("\n", "\r") for name in names
    }


def test_rows_are_those_the_person_may_export_not_all_they_see(cast: Cast) -> None:
    """Someone who leads one council and only requests in another sees both councils' rooms
    but exports only the first's: the export asks the one rule for the export action."""
    rooms = make_rooms(cast, per_partner=2)
    with system_scope("test data"):
        both = make_user("both.councils")
        Membership.objects.create(user=both, partner=cast.wcc, role="lead")
        Membership.objects.create(user=both, partner=cast.rbkc, role="requester")
    client = api_client(both)
    listed = {row["id"] for row in client.get("/api/v1/rooms/").json()["results"]}
    assert listed == {s.pk for s in rooms["wcc"] + rooms["rbkc"]}
    exported = {int(row["id"]) for row in csv_rows(client.get(URL))}
    assert exported == {s.pk for s in rooms["wcc"]}


def test_the_lists_sort_and_its_checks(cast: Cast) -> None:
    make_rooms(cast, per_partner=3)
    client = api_client(cast.wcc_lead)
    codes = [row["code"] for row in csv_rows(client.get(URL, {"ordering": "-code"}))]
    assert codes == ["WCC-002", "WCC-001", "WCC-000"]
    default = [row["name"] for row in csv_rows(client.get(URL))]
    assert default == sorted(default)  # the list's own default order (by name)
    for bad in ("-password", "name,name", "partner"):
        exported = client.get(URL, {"ordering": bad})
        listed = client.get("/api/v1/rooms/", {"ordering": bad})
        assert exported.status_code == listed.status_code == 400, bad
        assert exported.json() == listed.json(), bad


def test_errors_are_json_and_the_format_parameter_decides(cast: Cast) -> None:
    make_rooms(cast, per_partner=1)
    client = api_client(cast.wcc_lead)
    response = client.get(URL, {"format": "pdf"}, HTTP_ACCEPT="text/csv")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "status": 400,
        "errors": [
            {
                "field": "format",
                "code": "invalid_choice",
                "message": "Choose an export format: csv or xlsx.",
            }
        ],
    }
    response = client.get(URL, {"format": "XLSX"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert "spreadsheetml" in response["Content-Type"]
    response = client.get(URL, {"is_active": "perhaps"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "is_active"


def test_the_file_is_named_by_time_and_not_cached(cast: Cast) -> None:
    make_rooms(cast, per_partner=1)
    client = api_client(cast.wcc_lead)
    with time_machine.travel(datetime.datetime(2026, 1, 5, 9, 30, tzinfo=datetime.UTC), tick=False):
        response = client.get(URL, {"format": "csv"})
    assert response["Content-Disposition"] == 'attachment; filename="rooms-20260105-093000.csv"'
    assert response["Cache-Control"] == "no-store"
    assert not response.has_header("ETag")


def test_a_large_export_streams_in_blocks(cast: Cast) -> None:
    with system_scope("test data"):
        # Many rows quickly: their change records are not what this test is about.
        Room.objects.unlogged("test data: many rows at once").bulk_create(
            Room(partner=cast.wcc, code=f"B{n:04d}", name=f"Bulk {n:04d}") for n in range(1100)
        )
    response = api_client(cast.wcc_lead).get(URL, {"format": "csv"})
    assert response.streaming
    blocks = list(response.streaming_content)  # type: ignore[attr-defined]  # stubs: no streaming
    # The header, then the rows a few hundred at a time: never the whole file at once.
    assert len(blocks) >= 3
    assert max(len(block) for block in blocks) < sum(len(block) for block in blocks) / 2
    rows = list(csv.DictReader(io.StringIO(b"".join(blocks).decode("utf-8-sig"))))
    assert len(rows) == 1100


def test_which_endpoints_export(cast: Cast) -> None:
    from concord.api_urls import router
    from core.api.viewsets import ScopedReadOnlyModelViewSet
    from core.tenancy.records import ConcordModel

    client = api_client(cast.manager)
    for prefix, viewset, basename in router.registry:
        # Every domain model's endpoint, read-only ones (change approvals) too.
        exported = (
            issubclass(viewset, ScopedReadOnlyModelViewSet)
            and issubclass(viewset.get_model(), ConcordModel)
            and basename != "attachment"
        )
        if exported:
            assert reverse(f"api:{basename}-export") == f"/api/v1/{prefix}/export/"
            assert client.get(f"/api/v1/{prefix}/export/").status_code == 200, prefix
        else:
            # The change log and attachments have no export: both go out in the partner export.
            with pytest.raises(NoReverseMatch):
                reverse(f"api:{basename}-export")
            assert client.get(f"/api/v1/{prefix}/export/").status_code == 404, prefix


def test_the_schema_describes_every_export() -> None:
    schema = api_client().get("/api/schema/?format=json").json()
    exports = {path for path in schema["paths"] if path.endswith("/export/")}
    # Every exportable endpoint of every installed app (the domain apps' too, which core does
    # not name), and nothing else: the change log and attachments have no export.
    from concord.api_urls import router
    from core.api.exporting import exportable

    assert exports == {
        f"/api/v1/{prefix}/export/" for prefix, viewset, _ in router.registry if exportable(viewset)
    }
    assert {
        f"/api/v1/{name}/export/"
        for name in ("partners", "rooms", "room-types", "pacts", "memberships")
    } <= exports
    assert not {"/api/v1/changes/export/", "/api/v1/attachments/export/"} & exports
    for path in exports:
        operation = schema["paths"][path]["get"]
        parameters = {p["name"]: p for p in operation["parameters"]}
        assert parameters["format"]["schema"]["enum"] == ["csv", "xlsx"], path
        assert "ordering" in parameters and "q" in parameters, path
        assert not {"cursor", "page_size", "If-None-Match"} & set(parameters), path
        assert set(operation["responses"]["200"]["content"]) == {
            "text/csv",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }, path
        assert "headers" not in operation["responses"]["200"], path  # no ETag on a file
        for status in ("400", "401", "403"):
            error = operation["responses"][status]["content"]["application/json"]["schema"]
            assert error == {"$ref": "#/components/schemas/Error"}, (path, status)
        assert "404" not in operation["responses"], path
    rooms = {p["name"] for p in schema["paths"]["/api/v1/rooms/export/"]["get"]["parameters"]}
    assert {"partner", "room_type", "is_active"} <= rooms


def test_former_partners_records_stay_exportable(cast: Cast) -> None:
    """A council that has left keeps its records read-only: reading them out is not a write."""
    rooms = make_rooms(cast, per_partner=1)
    rows = csv_rows(api_client(cast.manager).get(URL, {"partner": cast.lbhf.pk}))
    assert [int(row["id"]) for row in rows] == [s.pk for s in rooms["lbhf"]]
    assert {row["partner"] for row in rows} == {"lbhf"}
