"""Every import format is held to limits checked before the work grows with them.

Crafted files (core/testing/crafted.py: a row numbered 99,999,999,999, a cell at XFD1048576,
zip bombs, a 50 MB cell, 10,000 columns...) are each refused with a plain message, and the
refusal's peak memory (tracemalloc) stays under 100 MB. How long each takes is measured by
benches/bench_import_limits.py (figures in docs/performance.md), not asserted here.
"""

from __future__ import annotations

import tracemalloc

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.api.testing import api_client
from core.importing import import_records, rows_to_import
from core.importing.files import ImportFileError
from core.importing.reading import UnusableCell, count_rows, read_rows
from core.testing.crafted import CRAFTED, HEADER, Crafted, row_xml, write_workbook
from core.testing.sample.models import Room

MEMORY_LIMIT = 100 * 1024 * 1024


def measured(call, *args, **kwargs):
    """(what `call` returned or raised, its peak memory in bytes)."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        try:
            outcome = call(*args, **kwargs)
        except ImportFileError as exc:
            outcome = exc
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return outcome, peak


@pytest.fixture(scope="module")
def crafted_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("crafted")
    return {c.name: c.write(folder / f"{i}-{c.filename}") for i, c in enumerate(CRAFTED)}


@pytest.mark.django_db
@pytest.mark.parametrize("crafted", CRAFTED, ids=[c.name for c in CRAFTED])
def test_a_crafted_file_is_refused_by_the_import_in_little_memory(
    cast, crafted_files, crafted: Crafted
):
    path = crafted_files[crafted.name]
    with open(path, "rb") as f:
        result, peak = measured(
            import_records, Room, f, crafted.filename, cast.wcc_lead, dry_run=True
        )
    assert not result.ok and result.created == 0
    assert crafted.refusal in result.errors[0].message, result.errors
    assert peak < MEMORY_LIMIT, f"{peak / 1024 / 1024:.1f} MB"


@pytest.mark.parametrize("crafted", CRAFTED, ids=[c.name for c in CRAFTED])
def test_a_crafted_file_is_refused_when_uploaded_before_any_job(crafted_files, crafted: Crafted):
    # What the page and the API do with an upload first: decide whether to import it at once.
    path = crafted_files[crafted.name]
    with open(path, "rb") as f:
        refused, peak = measured(rows_to_import, f, crafted.filename, 2000)
    if isinstance(refused, ImportFileError):
        assert crafted.refusal in refused.message
    else:
        # Large by its bytes: sized up without reading its rows, refused by the job.
        assert path.stat().st_size > 1024 * 1024
    assert peak < MEMORY_LIMIT, f"{peak / 1024 / 1024:.1f} MB"


@pytest.mark.django_db
@pytest.mark.usefixtures("media_folder")
def test_the_api_refuses_the_row_numbered_99999999999_with_its_message(cast, crafted_files):
    data = crafted_files["row numbered 99,999,999,999"].read_bytes()
    assert len(data) < 2048
    response = api_client(cast.wcc_lead).post(
        "/api/v1/rooms/import/",
        {"file": SimpleUploadedFile("rooms.xlsx", data)},
        format="multipart",
    )
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["row"] == 99_999_999_999
    assert error["message"].startswith(
        "The file has a row numbered 99,999,999,999, past the last row a spreadsheet has "
        "(1,048,576, blank rows included)."
    )


@pytest.mark.django_db
@pytest.mark.usefixtures("media_folder")
def test_the_page_refuses_a_zip_bomb_on_the_form(cast, client_for, crafted_files):
    data = crafted_files["sheet unzipping to 201 MB"].read_bytes()
    response = client_for(cast.wcc_lead).post(
        "/rooms/import/", {"file": SimpleUploadedFile("rooms.xlsx", data)}
    )
    assert response.status_code == 400
    assert "This workbook holds 202 MB once unzipped: an import takes at most 200 MB." in (
        response.content.decode()
    )


# Each limit, at and past it --------------------------------------------------------------------


def rows_of(path, name):
    with open(path, "rb") as f:
        return list(read_rows(f, name))


def csv_file(tmp_path, lines, name="rooms.csv"):
    path = tmp_path / name
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


ROW = "wcc,CH,Hall,,,,,true"


def test_rows_of_data_up_to_the_setting(settings, tmp_path):
    settings.CONCORD_IMPORT_MAX_ROWS = 3
    # Blank rows do not count.
    at_limit = csv_file(tmp_path, [",".join(HEADER), ROW, "", ",,,", ROW, ROW])
    assert len(rows_of(at_limit, "rooms.csv")) == 4
    over = csv_file(tmp_path, [",".join(HEADER), ROW, ROW, ROW, ROW, ROW])
    with open(over, "rb") as f, pytest.raises(ImportFileError) as refused:
        count_rows(f, "rooms.csv")
    assert refused.value.row == 5
    assert refused.value.message == (
        "The file has more than 3 rows of data (row 5 is one too many): an import takes at "
        "most 3. Split it into smaller files."
    )
    workbook = write_workbook(
        tmp_path / "rooms.xlsx",
        [row_xml(1, HEADER), *(row_xml(n, ["wcc", f"R{n}"]) for n in range(2, 7))],
    )
    with pytest.raises(ImportFileError, match="more than 3 rows of data"):
        rows_of(workbook, "rooms.xlsx")


def test_a_workbooks_rows_are_numbered_as_the_file_numbers_them_without_filling_gaps(tmp_path):
    path = write_workbook(
        tmp_path / "rooms.xlsx",
        [row_xml(1, HEADER), row_xml(7, ["wcc", "CH"]), row_xml(1_048_576, ["wcc", "LIB"])],
    )
    assert [number for number, _ in rows_of(path, "rooms.xlsx")] == [1, 7, 1_048_576]


def test_columns_up_to_iv(tmp_path):
    at_limit = [f"h{i}" for i in range(256)]
    path = csv_file(tmp_path, [",".join(at_limit), ",".join(["x"] * 256)])
    assert len(rows_of(path, "rooms.csv")[1][1]) == 256
    # Empty cells past the limit are nothing (a spreadsheet writes them for a formatted column).
    path = csv_file(tmp_path, [",".join(at_limit) + ",,,", ",".join(["x"] * 256)])
    assert len(rows_of(path, "rooms.csv")[0][1]) == 256
    path = csv_file(tmp_path, [",".join(HEADER), ROW + "," * 300 + "late"])
    with pytest.raises(ImportFileError) as refused:
        rows_of(path, "rooms.csv")
    assert refused.value.row == 2
    assert refused.value.message == (
        "Row 2 has a value in column KV (column 308): an import reads at most 256 columns "
        "(A to IV). Delete what is beyond the columns of your data."
    )


def test_a_cell_longer_than_a_spreadsheet_cell_is_a_row_error(cast, tmp_path, db):
    longest = "a" * 32_767
    path = csv_file(tmp_path, [",".join(HEADER), f"wcc,CH,{longest},,,,,true"])
    assert rows_of(path, "rooms.csv")[1][1][2] == longest
    path = csv_file(tmp_path, [",".join(HEADER), f"wcc,CH,{longest}b,,,,,true"])
    [_header, (_number, cells)] = rows_of(path, "rooms.csv")
    assert isinstance(cells[2], UnusableCell)
    with open(path, "rb") as f:
        result = import_records(Room, f, "rooms.csv", cast.wcc_lead, dry_run=True)
    [error] = result.errors
    assert (error.row, error.column) == (2, "name")
    assert error.message == (
        "This cell holds 32,768 characters: a cell may hold at most 32,767, as in a spreadsheet."
    )
    workbook = write_workbook(
        tmp_path / "rooms.xlsx", [row_xml(1, HEADER), row_xml(2, ["wcc", "CH", longest + "b"])]
    )
    [_header, (_number, cells)] = rows_of(workbook, "rooms.xlsx")
    assert isinstance(cells[2], UnusableCell)


def test_a_csv_file_past_the_last_row_a_spreadsheet_has(tmp_path, settings):
    path = tmp_path / "rooms.csv"
    path.write_bytes((",".join(HEADER) + "\n").encode() + b"\n" * 1_048_576 + ROW.encode())
    with pytest.raises(ImportFileError) as refused:
        rows_of(path, "rooms.csv")
    assert refused.value.row == 1_048_577
    assert "past the last row a spreadsheet has (1,048,576, blank rows included)" in (
        refused.value.message
    )
