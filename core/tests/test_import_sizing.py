"""Deciding whether to import a file at once or in the background, without reading every row
of a large file (core.importing.rows_to_import)."""

from __future__ import annotations

import csv
import re
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

import core.importing.reading
import core.importing.sizing
import core.views.data
from core.api.testing import api_client
from core.importing import (
    ImportFileError,
    count_rows,
    estimate_rows,
    rows_to_import,
)
from core.jobs import perform_import
from core.models import ImportJob, JobStatus

HEADER = ["partner", "code", "name", "room_type", "address", "postcode", "uprn", "is_active"]


def room_rows(count: int, active: str = "true") -> list[list[str]]:
    return [["wcc", f"S{i}", f"Room {i}", "", "", "", "", active] for i in range(count)]


def write_csv(path: Any, rows: list[list[str]], lineterminator: str = "\r\n") -> Any:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator=lineterminator)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def write_xlsx(path: Any, count: int) -> Any:
    """A workbook as openpyxl writes it (with a <dimension>), its last column a formula."""
    workbook = Workbook()
    sheet: Any = workbook.active
    sheet.append(HEADER)
    for row in room_rows(count):
        sheet.append([*row[:-1], '=IF(TRUE,"yes","no")'])
    workbook.save(path)
    return path


def rewrite_sheet(path: Any, change: Any) -> Any:
    """The workbook at `path` with its sheet's XML passed through `change`."""
    with zipfile.ZipFile(path) as original:
        parts = {info.filename: original.read(info) for info in original.infolist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = change(parts[sheet])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as rewritten:
        for name, data in parts.items():
            rewritten.writestr(name, data)
    return path


def without_dimension(xml: bytes) -> bytes:
    changed, found = re.subn(rb"<dimension [^>]*/>", b"", xml)
    assert found == 1
    return changed


def estimate(path: Any) -> int:
    with open(path, "rb") as f:
        return estimate_rows(f, path.suffix)


def decide(path: Any, inline_rows: int) -> int:
    with open(path, "rb") as f:
        rows = rows_to_import(f, path.name, inline_rows)
        assert f.tell() == 0  # ready for the storage to keep it
        return rows


@pytest.fixture
def large_by_bytes(monkeypatch):
    """Every file counts as large by its bytes, so that small test files take the quick path."""
    monkeypatch.setattr(core.importing.sizing, "QUICK_COUNT_BYTES", 0)


@pytest.fixture
def no_row_reading(monkeypatch):
    """Fails a test that reads the file's rows (the slow part, in openpyxl or the csv module)."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the file's rows were read")

    monkeypatch.setattr(core.importing.reading, "read_rows", refuse)
    monkeypatch.setattr(core.importing.reading, "xlsx_records", refuse)


# Estimates from the bytes ----------------------------------------------------------------------


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
@pytest.mark.parametrize("last_line_ended", [True, False])
def test_a_csv_files_rows_are_its_line_ends(tmp_path, ending, last_line_ended):
    text = ending.join(",".join(row) for row in [HEADER, *room_rows(37)])
    path = tmp_path / "rooms.csv"
    path.write_bytes((text + (ending if last_line_ended else "")).encode())
    assert estimate(path) == 37


def test_a_crlf_cut_by_a_chunk_boundary_is_one_line_end(tmp_path, monkeypatch):
    path = write_csv(tmp_path / "rooms.csv", room_rows(50), "\r\n")
    for chunk in (7, 8, 9, 64):
        monkeypatch.setattr(core.importing.sizing, "_CHUNK_BYTES", chunk)
        assert estimate(path) == 50


def test_a_workbooks_rows_are_its_recorded_size(tmp_path, no_row_reading):
    path = write_xlsx(tmp_path / "rooms.xlsx", 300)
    with zipfile.ZipFile(path) as archive:
        assert re.search(rb'<dimension ref="A1:H301" ?/>', archive.read("xl/worksheets/sheet1.xml"))
    assert estimate(path) == 300


def test_a_workbook_without_a_recorded_size_is_sized_from_its_sheet(tmp_path, monkeypatch):
    path = rewrite_sheet(write_xlsx(tmp_path / "rooms.xlsx", 300), without_dimension)
    # A sheet smaller than the sample: its rows are counted.
    assert estimate(path) == 300
    # A larger one: the rows of its first part, scaled up by its size.
    monkeypatch.setattr(core.importing.sizing, "_SAMPLE_XML_BYTES", 4096)
    assert 250 <= estimate(path) <= 350


def test_a_recorded_size_the_sheet_cannot_have_is_not_believed(tmp_path, monkeypatch):
    # Some programs record "A1" whatever the sheet holds.
    path = rewrite_sheet(
        write_xlsx(tmp_path / "rooms.xlsx", 300),
        lambda xml: re.sub(rb'<dimension ref="A1:H301" ?/>', b'<dimension ref="A1"/>', xml),
    )
    monkeypatch.setattr(core.importing.sizing, "_MAX_ROW_XML_BYTES", 1024)
    assert estimate(path) == 300


def test_a_file_that_is_not_a_workbook_inside_is_left_to_the_reading(tmp_path):
    path = tmp_path / "rooms.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    assert estimate(path) == 0
    with pytest.raises(ImportFileError, match="cannot be read"):
        decide(path, 2000)  # read as before, and refused with the reason


# The decision ----------------------------------------------------------------------------------


def test_a_large_csv_file_is_not_read_row_by_row(tmp_path, large_by_bytes, no_row_reading):
    path = write_csv(tmp_path / "rooms.csv", room_rows(300))
    assert decide(path, 100) == 300


def test_a_large_workbook_is_not_opened(tmp_path, large_by_bytes, no_row_reading):
    path = write_xlsx(tmp_path / "rooms.xlsx", 300)
    assert decide(path, 100) == 300
    bare = rewrite_sheet(write_xlsx(tmp_path / "bare.xlsx", 300), without_dimension)
    assert decide(bare, 100) == 300


def test_small_files_are_counted_row_by_row_as_before(tmp_path):
    # Blank lines and a cell of three lines make more line ends than rows: a file small in
    # bytes is counted exactly, so it is imported at once as before.
    rows = room_rows(8)
    rows[3][4] = "1 Long Street\nWestminster\nLondon"
    path = write_csv(tmp_path / "rooms.csv", rows)
    path.write_bytes(path.read_bytes() + b"\r\n\r\n,,,,,,,\r\n")
    assert estimate(path) > 10
    with open(path, "rb") as f:
        assert count_rows(f, "rooms.csv") == 8
    assert decide(path, 10) == 8
    # Past the limit, it is only known to be more.
    assert decide(path, 5) > 5
    workbook = write_xlsx(tmp_path / "rooms.xlsx", 8)
    assert decide(workbook, 10) == 8


def test_counting_can_stop_early(tmp_path):
    path = write_csv(tmp_path / "rooms.csv", room_rows(300))
    with open(path, "rb") as f:
        assert count_rows(f, "rooms.csv", stop_after=11) == 11


# The import page and the API -------------------------------------------------------------------


class Queue:
    """Stands in for the worker: remembers the jobs queued instead of running them."""

    def __init__(self) -> None:
        self.queued: list[int] = []

    def enqueue(self, job_id: int) -> None:
        self.queued.append(job_id)


def a_large_file(tmp_path: Any) -> bytes:
    """30 rows, and five blank lines the estimate counts too."""
    path = write_csv(tmp_path / "rooms.csv", room_rows(30))
    return path.read_bytes() + b"\r\n" * 5


@pytest.mark.django_db
@pytest.mark.usefixtures("media_folder", "large_by_bytes")
def test_the_page_queues_a_large_file_without_reading_its_rows(
    cast, client_for, settings, tmp_path, monkeypatch
):
    settings.CONCORD_IMPORT_INLINE_ROWS = 10
    queue = Queue()
    monkeypatch.setattr(core.views.data, "run_import_job", queue)
    data = a_large_file(tmp_path)
    with monkeypatch.context() as during_the_request:
        during_the_request.setattr(core.importing.reading, "read_rows", None)  # a call would fail
        response = client_for(cast.wcc_lead).post(
            "/rooms/import/", {"file": SimpleUploadedFile("rooms.csv", data, "text/csv")}
        )
    assert response.status_code == 302
    job = ImportJob.objects.visible_to(cast.wcc_lead).get()
    assert queue.queued == [job.pk]
    assert job.status == JobStatus.QUEUED and job.rows_total == 35  # the estimate
    # The worker counts the rows themselves.
    perform_import(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.CHECKED and job.rows_total == 30
    assert job.result["total_rows"] == 30 and job.result["errors"] == []


@pytest.mark.django_db
@pytest.mark.usefixtures("media_folder", "large_by_bytes")
def test_the_api_decides_as_the_page_does(cast, settings, tmp_path, monkeypatch):
    import core.api.importing

    settings.CONCORD_IMPORT_INLINE_ROWS = 10
    queue = Queue()
    monkeypatch.setattr(core.api.importing, "run_import_job", queue)
    data = a_large_file(tmp_path)
    with monkeypatch.context() as during_the_request:
        during_the_request.setattr(core.importing.reading, "read_rows", None)
        response = api_client(cast.wcc_lead).post(
            "/api/v1/rooms/import/",
            {"file": SimpleUploadedFile("rooms.csv", data)},
            format="multipart",
        )
    assert response.status_code == 202, response.content
    assert response.json()["rows_total"] == 35
    assert len(queue.queued) == 1
    # A small file is still checked there and then.
    small = write_csv(tmp_path / "small.csv", room_rows(3)).read_bytes()
    response = api_client(cast.wcc_lead).post(
        "/api/v1/rooms/import/",
        {"file": SimpleUploadedFile("rooms.csv", small)},
        format="multipart",
    )
    assert response.status_code == 200 and response.json()["total_rows"] == 3
