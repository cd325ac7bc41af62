"""Import help a council lead can follow without the docs (issue 8.5).

The templates (CSV and XLSX) carry an example row and a description of each column; the import
page lists the same; a person who imports for one council need not fill in the council column,
and someone who may import for several is told, on the row and column, to fill it in. All of it
comes from the model's declarations, so every importable model of every app has it.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from core.importing import import_records, importable
from core.importing.columns import describe_columns
from core.importing.help import template_csv, template_xlsx
from core.importing.reading import read_rows
from core.models import ImportJob
from core.tenancy.choices import CouncilRole
from core.tenancy.models import Membership
from core.tenancy.scoping import system_scope
from core.testing.sample.models import Room, RoomType

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_folder")]

URL = "/rooms/import/"
COLUMNS = ["partner", "code", "name", "room_type", "address", "postcode", "uprn", "is_active"]


@pytest.fixture
def office(cast):
    with system_scope("test data"):
        return RoomType.objects.create(name="Office")


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def import_file(user, data: bytes, name: str, *, dry_run: bool = False):
    return import_records(Room, io.BytesIO(data), name, user, dry_run=dry_run)


def rooms_of(user):
    return sorted(Room.objects.visible_to(user).values_list("code", "partner__code"))


# The templates ---------------------------------------------------------------------------------


def test_the_csv_template_describes_each_column_and_gives_an_example_row(cast, client_for):
    response = client_for(cast.wcc_lead).get(URL + "?template=csv")
    assert response["Content-Disposition"] == 'attachment; filename="rooms-import-template.csv"'
    rows = csv_rows(response.content)
    *notes, header = rows
    assert header == COLUMNS
    assert all(len(note) == 1 and note[0].startswith("# ") for note in notes)
    text = "\n".join(note[0] for note in notes)
    # Each column: what it means (the field's help text), whether a row needs it, what it
    # takes (choices, the format of dates and yes/no), an example.
    assert "# uprn (UPRN): Needed in every row: No. Unique Property Reference Number." in text
    assert "Example: 100023336956" in text
    assert "# is_active (In use): Needed in every row: No. Takes: yes or no" in text
    assert "# code: Needed in every row: Yes." in text
    assert "Takes: The name of a room type you can use" in text
    assert "Dates are written YYYY-MM-DD" in text
    # The council: a lead of one council need not give it.
    assert "Needed in every row: No: leave it empty for wcc" in text
    assert "The partner column may be left empty, or out of the file" in text
    assert (
        '# An example row: wcc,CH,City Hall,Office,"64 Victoria Street, London",SW1E 6QP,'
        "100023336956,yes" in text
    )


def test_the_filled_in_csv_template_imports_as_it_is(cast, client_for, office):
    template = client_for(cast.wcc_lead).get(URL + "?template=csv").content
    filled = template + b",CH,City Hall,Office,,,,yes\r\n,LIB,Library,,,,,no\r\n"
    result = import_file(cast.wcc_lead, filled, "rooms.csv")
    assert result.ok, result.errors
    assert result.created == 2
    assert rooms_of(cast.wcc_lead) == [("CH", "wcc"), ("LIB", "wcc")]


def test_the_xlsx_template_has_the_header_alone_and_a_help_sheet(cast, client_for, office):
    response = client_for(cast.wcc_lead).get(URL + "?template=xlsx")
    assert response["Content-Disposition"] == 'attachment; filename="rooms-import-template.xlsx"'
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Rooms", "Help"]
    assert [list(row) for row in workbook["Rooms"].iter_rows(values_only=True)] == [COLUMNS]
    help_rows = [list(row) for row in workbook["Help"].iter_rows(values_only=True)]
    by_column: dict = {}
    for row in help_rows:  # the columns' table comes before the example row's headings
        if row and row[0] in COLUMNS:
            by_column.setdefault(row[0], row)
    assert by_column["uprn"][1:6] == [
        "UPRN",
        "No",
        "Unique Property Reference Number.",
        "Text, up to 12 characters.",
        "100023336956",
    ]
    assert by_column["partner"][2] == "No: leave it empty for wcc"
    assert by_column["is_active"][4] == "yes or no (true or false also work)."
    # The example row, under the same headings.
    at = next(i for i, row in enumerate(help_rows) if row[0] == "An example row")
    assert help_rows[at + 1][: len(COLUMNS)] == COLUMNS
    assert help_rows[at + 2][:3] == ["wcc", "CH", "City Hall"]
    # Filled in on its first sheet, it imports; the Help sheet is not read.
    sheet = workbook["Rooms"]
    sheet.append([None, "CH", "City Hall", "Office", None, None, None, "yes"])
    saved = io.BytesIO()
    workbook.save(saved)
    result = import_file(cast.wcc_lead, saved.getvalue(), "rooms.xlsx")
    assert result.ok, result.errors
    assert rooms_of(cast.wcc_lead) == [("CH", "wcc")]


def test_notes_are_skipped_only_before_the_header(cast, office):
    data = (
        "# a note\r\n#another, with a comma\r\n" + ",".join(COLUMNS) + "\r\n"
        "#wcc,CH,City Hall,Office,,,,yes\r\n"
    ).encode()
    result = import_file(cast.wcc_lead, data, "rooms.csv", dry_run=True)
    # After the header a # is a value like any other: here a council nobody has.
    assert [(e.row, e.column) for e in result.errors] == [(4, "partner")]
    assert "There is no council with code '#wcc'" in result.errors[0].message
    # A header problem is reported on the header's own row.
    result = import_file(
        cast.wcc_lead, b"# note\r\npartner,cod\r\nwcc,CH\r\n", "r.csv", dry_run=True
    )
    assert {e.row for e in result.errors} == {2}


# The council column ----------------------------------------------------------------------------


def test_a_lead_of_one_council_may_leave_the_council_out_or_empty(cast, office):
    without = ("\r\n".join([",".join(COLUMNS[1:]), "CH,City Hall,Office,,,,yes"]) + "\r\n").encode()
    result = import_file(cast.wcc_lead, without, "rooms.csv")
    assert result.ok, result.errors
    empty = ",".join(COLUMNS) + "\r\n,LIB,Library,,,,,no\r\nwcc,GYM,Gym,,,,,no\r\n"
    result = import_file(cast.wcc_lead, empty.encode(), "rooms.csv")
    assert result.ok, result.errors
    assert rooms_of(cast.wcc_lead) == [("CH", "wcc"), ("GYM", "wcc"), ("LIB", "wcc")]


def test_an_update_with_an_empty_council_keeps_its_council(cast, office):
    import_file(
        cast.wcc_lead, (",".join(COLUMNS) + "\r\nwcc,CH,City Hall,,,,,yes\r\n").encode(), "r.csv"
    )
    room = Room.objects.visible_to(cast.wcc_lead).get()
    data = f"id,{','.join(COLUMNS)}\r\n{room.pk},,CH,Town Hall,,,,,yes\r\n".encode()
    result = import_file(cast.wcc_lead, data, "rooms.csv")
    assert result.ok and result.updated == 1, result.errors
    room.refresh_from_db()
    assert (room.name, room.partner_id) == ("Town Hall", cast.wcc.pk)


@pytest.mark.parametrize("who", ["manager", "two_council_lead"])
def test_someone_who_may_import_for_several_councils_must_name_it(cast, office, who):
    user = cast.manager
    if who == "two_council_lead":
        user = cast.wcc_lead
        Membership.objects.create(user=user, partner=cast.rbkc, role=CouncilRole.LEAD)
    empty = ",".join(COLUMNS) + "\r\nwcc,CH,City Hall,,,,,yes\r\n,LIB,Library,,,,,no\r\n"
    result = import_file(user, empty.encode(), "rooms.csv", dry_run=True)
    [error] = result.errors
    assert (error.row, error.column) == (3, "partner")
    assert error.message == (
        "Enter the council: you may import rooms for more than one council, so each row must "
        "say which (its code, such as wcc)."
    )
    without = ",".join(COLUMNS[1:]) + "\r\nCH,City Hall,,,,,yes\r\n"
    result = import_file(user, without.encode(), "rooms.csv", dry_run=True)
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (
            1,
            "partner",
            "The column 'partner' is missing: you may import rooms for more than one council, "
            "so each row must say which (its code, such as wcc).",
        )
    ]


# The page --------------------------------------------------------------------------------------


def test_the_page_lists_the_columns_as_the_templates_do(cast, client_for):
    page = client_for(cast.wcc_lead).get(URL).content.decode()
    for column in describe_columns(Room, cast.wcc_lead):
        assert f"<code>{column['name']}</code>" in page
        assert column["allowed"] in page
        if column["example"]:
            assert f"<code>{column['example']}</code>" in page
    assert "Unique Property Reference Number." in page
    assert "No: leave it empty for wcc" in page
    assert "every room you import is for City of Westminster (wcc)" in page
    assert f'href="{URL}?template=xlsx"' in page and f'href="{URL}?template=csv"' in page
    manager = client_for(cast.manager).get(URL).content.decode()
    assert "Every row must name its council in the <code>partner</code> column" in manager
    assert "Yes: you may import for more than one council" in manager


def test_the_page_imports_the_template_filled_in_without_the_council(cast, client_for, office):
    client = client_for(cast.wcc_lead)
    template = client.get(URL + "?template=csv").content
    filled = template + b",CH,City Hall,Office,,,,yes\r\n"
    response = client.post(URL, {"file": SimpleUploadedFile("rooms.csv", filled, "text/csv")})
    assert response.status_code == 302
    job = ImportJob.objects.visible_to(cast.wcc_lead).get()
    assert job.result["errors"] == [] and job.result["total_rows"] == 1


# Every importable model ------------------------------------------------------------------------


def importable_models():
    return [m for m in apps.get_models() if importable(m)]


def test_every_importable_model_has_its_help_and_templates(cast):
    models = importable_models()
    assert len(models) >= 4  # rooms, room types, councils, sites, site types...
    for model in models:
        columns = describe_columns(model, cast.manager)
        assert [c["name"] for c in columns] == list(model.import_fields)
        for column in columns:
            assert column["allowed"] and column["required_text"], (model, column)
        data = template_csv(model, cast.manager)
        rows = list(read_rows(io.BytesIO(data), "template.csv"))
        assert rows == [(rows[0][0], list(model.import_fields))], model
        workbook = template_xlsx(model, cast.manager)
        rows = list(read_rows(io.BytesIO(workbook), "template.xlsx"))
        assert rows == [(1, list(model.import_fields))], model
