"""An upload is read from its start by every check, whatever the order of a zip's members.

A workbook whose worksheet is the last member of its zip (as some programs write it) was
refused by the API import and `concord import` ("not an Excel workbook") but accepted by the
import page: counting its rows left the file at the end of the sheet, and the next check read
from there. Each way in takes it now.
"""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from openpyxl import Workbook

from core.api.testing import api_client
from core.importing import check_file, count_rows
from core.models import ImportJob, JobStatus
from core.testing.sample.models import Room

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_folder")]

HEADER = ["partner", "code", "name", "room_type", "address", "postcode", "uprn", "is_active"]


def sheet_last_workbook() -> bytes:
    """A real openpyxl workbook, its zip rewritten with the worksheet as the last member."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(HEADER)
    sheet.append(["wcc", "CH", "City Hall", None, None, None, None, "yes"])
    sheet.append(["wcc", "LIB", "Library", None, None, None, None, "no"])
    saved = io.BytesIO()
    workbook.save(saved)
    with zipfile.ZipFile(io.BytesIO(saved.getvalue())) as original:
        parts = [(info.filename, original.read(info)) for info in original.infolist()]
    parts.sort(key=lambda part: part[0].startswith("xl/worksheets/"))  # stable: sheet last
    rewritten = io.BytesIO()
    with zipfile.ZipFile(rewritten, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts:
            archive.writestr(name, data)
    data = rewritten.getvalue()
    with zipfile.ZipFile(io.BytesIO(data)) as check:
        assert check.namelist()[-1] == "xl/worksheets/sheet1.xml"
    return data


def test_every_check_reads_from_the_start_wherever_the_file_was_left():
    # An upload knows its size, so nothing else happens to move it back to its start.
    upload = SimpleUploadedFile("rooms.xlsx", sheet_last_workbook())
    assert count_rows(upload, "rooms.xlsx") == 2
    upload.seek(1234)  # wherever a reader left it
    assert check_file(upload, "rooms.xlsx") == ".xlsx"
    assert upload.tell() == 0
    assert count_rows(upload, "rooms.xlsx") == 2


def test_the_api_imports_it(cast):
    client = api_client(cast.wcc_lead)
    for dry_run, status in (("true", 200), ("false", 200)):
        response = client.post(
            "/api/v1/rooms/import/",
            {
                "file": SimpleUploadedFile("rooms.xlsx", sheet_last_workbook()),
                "dry_run": dry_run,
            },
            format="multipart",
        )
        assert response.status_code == status, response.content
        assert response.json()["total_rows"] == 2 and response.json()["errors"] == []
    assert sorted(Room.objects.visible_to(cast.wcc_lead).values_list("code", flat=True)) == [
        "CH",
        "LIB",
    ]


def test_the_page_imports_it(cast, client_for):
    client = client_for(cast.wcc_lead)
    response = client.post(
        "/rooms/import/", {"file": SimpleUploadedFile("rooms.xlsx", sheet_last_workbook())}
    )
    assert response.status_code == 302
    job = ImportJob.objects.visible_to(cast.wcc_lead).get()
    assert job.status == JobStatus.CHECKED and job.result["errors"] == []
    client.post("/rooms/import/", {"action": "confirm", "job": str(job.token)})
    assert Room.objects.visible_to(cast.wcc_lead).count() == 2


def test_the_command_imports_it(cast, tmp_path):
    path = tmp_path / "rooms.xlsx"
    path.write_bytes(sheet_last_workbook())
    out = io.StringIO()
    call_command("import", "rooms", str(path), "--as", "wcc.lead", stdout=out, stderr=io.StringIO())
    assert "2 rooms added" in out.getvalue()
    assert Room.objects.visible_to(cast.wcc_lead).count() == 2
