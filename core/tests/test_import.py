"""Generic import: CSV and XLSX, every kind of bad row, whole or nothing, the change log."""

from __future__ import annotations

import datetime
import re
import zipfile

import pytest
from django.contrib.contenttypes.models import ContentType
from openpyxl import Workbook

from core.importing import RowError, count_rows, import_records
from core.models import ChangeRecord
from core.tenancy.models import Partner
from core.tenancy.scoping import system_scope
from core.testing.sample.models import Room, RoomType

pytestmark = pytest.mark.django_db

HEADER = "partner,code,name,room_type,address,postcode,uprn,is_active\n"


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def run(path, user, *, dry_run, model=Room, progress=None):
    with open(path, "rb") as f:
        return import_records(model, f, path.name, user, dry_run=dry_run, progress=progress)


def room_count():
    return Room.objects.unscoped("test").count()


def change_count():
    return ChangeRecord.objects.unscoped("test").count()


@pytest.fixture
def office(cast):
    with system_scope("test data"):
        return RoomType.objects.create(name="Office")


def test_csv_import_creates_rooms_and_logs_changes(cast, office, tmp_path):
    path = write(
        tmp_path,
        "rooms.csv",
        HEADER
        + "wcc,CH,City Hall,Office,64 Victoria Street,SW1E 6QP,100023336956,yes\n"
        + 'wcc,LIB,"Library, Main",,,,,false\n',
    )
    changes_before = change_count()
    dry = run(path, cast.wcc_lead, dry_run=True)
    assert dry.ok, dry.errors
    assert (dry.total_rows, dry.created, dry.updated) == (2, 2, 0)
    assert room_count() == 0  # a dry run changes nothing
    assert change_count() == changes_before

    result = run(path, cast.wcc_lead, dry_run=False)
    assert result.ok and (result.created, result.updated) == (2, 0)
    rooms = {s.code: s for s in Room.objects.visible_to(cast.wcc_lead)}
    assert rooms["CH"].room_type == office and rooms["CH"].uprn == "100023336956"
    assert rooms["LIB"].name == "Library, Main" and rooms["LIB"].is_active is False
    assert rooms["LIB"].room_type is None
    records = ChangeRecord.objects.unscoped("test").filter(
        content_type=ContentType.objects.get_for_model(Room)
    )
    assert records.count() == 2
    assert {r.actor_label for r in records} == {"import:rooms.csv"}
    assert {r.actor for r in records} == {cast.wcc_lead}
    assert {r.action for r in records} == {"create"}


def test_update_by_id_and_semicolons_and_bom(cast, office, tmp_path):
    with system_scope("test data"):
        hall = Room.objects.create(partner=cast.wcc, code="CH", name="Old name")
    path = write(
        tmp_path,
        "rooms.csv",
        "\ufeffid;partner;code;name;room_type;address;postcode;uprn;is_active\n"
        f"{hall.pk};wcc;CH;City Hall;Office;;;;true\n"
        ";wcc;NEW;New Room;;;;;true\n",
    )
    result = run(path, cast.wcc_lead, dry_run=False)
    assert result.ok, result.errors
    assert (result.created, result.updated) == (1, 1)
    assert result.encoding == "utf-8"
    hall = Room.objects.visible_to(cast.wcc_lead).get(pk=hall.pk)
    assert hall.name == "City Hall" and hall.room_type == office
    update = ChangeRecord.objects.unscoped("test").get(action="update", object_id=hall.pk)
    assert update.before["name"] == "Old name" and update.after["name"] == "City Hall"


def test_xlsx_round_trip(cast, office, tmp_path):
    workbook = Workbook()
    sheet = workbook.worksheets[0]
    sheet.append(["Partner", "Code", "Name", "Room type", "Address", "Postcode", "UPRN", "In use"])
    sheet.append(["wcc", "CH", "City Hall", "Office", None, "SW1E 6QP", 100023336956, True])
    sheet.append([None] * 8)  # a blank row is skipped, and later rows keep their numbers
    sheet.append(["wcc", "DEP", "'=Depot", None, None, None, None, False])
    path = tmp_path / "rooms.xlsx"
    workbook.save(path)
    result = run(path, cast.wcc_lead, dry_run=False)
    assert result.ok, result.errors
    assert result.created == 2
    room = Room.objects.visible_to(cast.wcc_lead).get(code="CH")
    assert room.uprn == "100023336956" and room.is_active is True
    assert Room.objects.visible_to(cast.wcc_lead).get(code="DEP").name == "=Depot"


def test_partner_import_with_dates_and_choices(cast, tmp_path):
    path = write(
        tmp_path,
        "partners.csv",
        "code,name,gss_code,nation,joined_on\n"
        "cardiff,Cardiff Council,W06000015,Wales,01/04/2020\n"
        "bcp,BCP Council,E06000058,ENG,2019-04-01\n",
    )
    result = run(path, cast.manager, dry_run=False, model=Partner)
    assert result.ok, result.errors
    cardiff = Partner.objects.unscoped("test").get(code="cardiff")
    assert cardiff.nation == "WLS" and cardiff.joined_on == datetime.date(2020, 4, 1)


def errors_by_cell(result):
    return {(e.row, e.column): e.message for e in result.errors}


def test_every_kind_of_bad_row_is_reported_and_nothing_lands(cast, office, tmp_path):
    with system_scope("test data"):
        Room.objects.create(partner=cast.wcc, code="OLD", name="Existing")
        Room.objects.create(partner=cast.rbkc, code="TH", name="Town Hall")
    before_rooms, before_changes = room_count(), change_count()
    path = write(
        tmp_path,
        "rooms.csv",
        HEADER
        + "wcc,GOOD,Good Room,Office,,,,true\n"  # row 2: fine
        + "rbkc,R1,Their room,,,,,true\n"  # row 3: another council
        + "wcc,,No code,,,,,true\n"  # row 4: missing value
        + "wcc,BAD CODE,Bad,Warehouse,,,12ab,maybe\n"  # row 5: four problems
        + "wcc,GOOD,Again,,,,,true\n"  # row 6: repeats row 2
        + "wcc,OLD,Clash,,,,,true\n"  # row 7: clashes with a stored room
        + "nosuch,X1,Nowhere,,,,,true\n"  # row 8: no such council
        + "wcc,X2,"
        + "n" * 201
        + ",,,,,true\n",  # row 9: too long
    )
    for dry_run in (True, False):
        result = run(path, cast.wcc_lead, dry_run=dry_run)
        assert not result.ok
        cells = errors_by_cell(result)
        assert cells[(3, "partner")] == "There is no council with code 'rbkc' that you can use."
        assert (4, "code") in cells
        assert "room type" in cells[(5, "room_type")] and "Warehouse" in cells[(5, "room_type")]
        assert (5, "code") in cells
        assert (5, "uprn") in cells
        assert "true or false" in cells[(5, "is_active")]
        assert "Row 2 of this file" in cells[(6, "code")]
        assert (7, "") in cells or (7, "code") in cells
        assert cells[(8, "partner")] == "There is no council with code 'nosuch' that you can use."
        assert (9, "name") in cells
        assert not any(e.row == 2 for e in result.errors)
        assert (result.created, result.updated) == ((1, 0) if dry_run else (0, 0))
        # Nothing landed: the good row was undone with the rest.
        assert room_count() == before_rooms
        assert change_count() == before_changes


def test_other_councils_code_reveals_nothing(cast, tmp_path):
    path = write(tmp_path, "s.csv", HEADER + "rbkc,A,A,,,,,true\nzzzz,B,B,,,,,true\n")
    result = run(path, cast.wcc_lead, dry_run=True)
    real, made_up = result.errors
    # The same words whether the council exists or not; its name never appears.
    assert real.message.replace("rbkc", "?") == made_up.message.replace("zzzz", "?")
    assert "Kensington" not in real.message


def test_visible_council_without_import_permission(cast, tmp_path):
    # The shared-service agent sees every council but may not import rooms.
    path = write(tmp_path, "s.csv", HEADER + "wcc,A,A,,,,,true\n")
    result = run(path, cast.agent, dry_run=True)
    assert result.errors == [
        RowError(2, "partner", "You may not import rooms for City of Westminster.")
    ]


def test_update_of_invisible_record_is_refused(cast, tmp_path):
    with system_scope("test data"):
        theirs = Room.objects.create(partner=cast.rbkc, code="TH", name="Town Hall")
    path = write(tmp_path, "s.csv", "id," + HEADER + f"{theirs.pk},wcc,TH,Mine now,,,,,true\n")
    result = run(path, cast.wcc_lead, dry_run=False)
    assert result.errors == [
        RowError(2, "id", f"There is no room with id {theirs.pk} that you can change.")
    ]
    assert Room.objects.unscoped("test").get(pk=theirs.pk).name == "Town Hall"


def test_header_problems(cast, tmp_path):
    path = write(tmp_path, "s.csv", "partner,colour,name,name\nwcc,red,A,A\n")
    result = run(path, cast.wcc_lead, dry_run=True)
    cells = errors_by_cell(result)
    assert "'colour' is not a column this import takes" in cells[(1, "colour")]
    assert "more than once" in cells[(1, "name")]
    assert cells[(1, "code")] == "The column 'code' is missing."
    assert (1, "room_type") not in cells  # it may be empty, so it may be left out
    assert all(e.row == 1 for e in result.errors)


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("empty.csv", b"", "empty"),
        ("rooms.txt", b"a,b\n", ".csv"),
        ("rooms.xls", b"\xd0\xcf\x11\xe0", "old-style Excel"),
        ("binary.csv", b"\x00\x01\x02\x03" * 10, "not text"),
        (
            "neither.csv",
            (HEADER + "wcc,A,Caf\xe9,,,,,true\n").encode("latin-1") + b"wcc,B,\x81,,,,,true\n",
            "neither UTF-8 nor Windows-1252",
        ),
        ("fake.xlsx", b"partner,code\n", "not an Excel workbook"),
        ("broken.xlsx", b"PK\x03\x04garbage", "cannot be read"),
        ("header-only.csv", HEADER.encode(), "no rows of data"),
    ],
)
def test_bad_files_get_a_clear_message(cast, tmp_path, name, content, words):
    path = write(tmp_path, name, content)
    result = run(path, cast.wcc_lead, dry_run=False)
    assert len(result.errors) == 1
    assert words in result.errors[0].message
    assert room_count() == 0


def test_size_limit(cast, tmp_path, settings):
    settings.CONCORD_IMPORT_MAX_BYTES = 100
    path = write(tmp_path, "s.csv", HEADER + "wcc,A,A,,,,,true\n" * 10)
    result = run(path, cast.wcc_lead, dry_run=True)
    assert "no bigger than" in result.errors[0].message


def test_optional_columns_may_be_left_out(cast, tmp_path):
    with system_scope("test data"):
        hall = Room.objects.create(
            partner=cast.wcc, code="CH", name="Old", postcode="SW1E 6QP", is_active=False
        )
    path = write(
        tmp_path, "s.csv", f"id,partner,code,name\n{hall.pk},wcc,CH,City Hall\n,wcc,NEW,New\n"
    )
    result = run(path, cast.wcc_lead, dry_run=False)
    assert result.ok, result.errors
    hall.refresh_from_db()
    assert (hall.name, hall.postcode, hall.is_active) == ("City Hall", "SW1E 6QP", False)
    new = Room.objects.visible_to(cast.wcc_lead).get(code="NEW")
    assert new.is_active is True and new.postcode == ""


def test_progress_and_counting(cast, tmp_path):
    rows = "".join(f"wcc,S{i},Room {i},,,,,true\n" for i in range(250))
    path = write(tmp_path, "s.csv", HEADER + rows)
    with open(path, "rb") as f:
        assert count_rows(f, "s.csv") == 250
    calls = []
    result = run(path, cast.wcc_lead, dry_run=False, progress=lambda d, t: calls.append((d, t)))
    assert result.created == 250
    assert calls[0] == (0, 250) and calls[-1] == (250, 250)
    assert (100, 250) in calls


def test_requester_may_not_import(cast, tmp_path):
    path = write(tmp_path, "s.csv", HEADER + "wcc,A,A,,,,,true\n")
    result = run(path, cast.wcc_staff, dry_run=False)
    assert result.errors == [
        RowError(2, "partner", "You may not import rooms for City of Westminster.")
    ]


def test_export_then_import_round_trip(cast, office, tmp_path, client_for):
    """What the list export writes, the import reads back (updates by id, formula guard undone)."""
    from core.exporting import csv_chunks, export_columns

    with system_scope("test data"):
        Room.objects.create(partner=cast.wcc, code="EQ", name="=1+1", room_type=office)
    queryset = Room.objects.visible_to(cast.wcc_lead).order_by("pk")
    body = b"".join(csv_chunks(queryset, export_columns(Room, ["id", *Room.import_fields])))
    path = write(tmp_path, "export.csv", body)
    result = run(path, cast.wcc_lead, dry_run=False)
    assert result.ok, result.errors
    assert (result.created, result.updated) == (0, 1)
    assert Room.objects.visible_to(cast.wcc_lead).get(code="EQ").name == "=1+1"


# A former partner's records are read-only, on import as on their pages --------------------------


@pytest.fixture
def lbhf_room(cast):
    with system_scope("test data"):
        return Room.objects.create(partner=cast.lbhf, code="HFTH", name="Hammersmith Town Hall")


@pytest.mark.parametrize("dry_run", [True, False])
def test_former_partners_record_cannot_be_moved_to_a_current_council(
    cast, lbhf_room, tmp_path, dry_run
):
    # The shared-service manager sees lbhf's room and may import rooms for wcc: only the
    # owner before the change stops this row.
    path = write(
        tmp_path,
        "s.csv",
        "id," + HEADER + f"{lbhf_room.pk},wcc,HFTH,Now Westminster's,,,,,true\n"
        ",wcc,NEW,A new room,,,,,true\n",
    )
    changes_before = change_count()
    result = run(path, cast.manager, dry_run=dry_run)
    assert result.errors == [
        RowError(
            2,
            "id",
            f"The room with id {lbhf_room.pk} belongs to a council that has left the "
            "partnership: its records are read-only.",
        )
    ]
    assert (result.created, result.updated) == ((1, 0) if dry_run else (0, 0))
    stored = Room.objects.unscoped("test").get(pk=lbhf_room.pk)
    assert (stored.partner_id, stored.name) == (cast.lbhf.pk, "Hammersmith Town Hall")
    assert room_count() == 1  # the good row did not land either
    assert change_count() == changes_before


def test_former_partners_record_cannot_be_changed_in_place(cast, lbhf_room, tmp_path):
    path = write(tmp_path, "s.csv", "id," + HEADER + f"{lbhf_room.pk},lbhf,HFTH,Renamed,,,,,true\n")
    result = run(path, cast.manager, dry_run=False)
    assert [(e.row, e.column) for e in result.errors] == [(2, "id")]
    assert "read-only" in result.errors[0].message
    assert Room.objects.unscoped("test").get(pk=lbhf_room.pk).name == "Hammersmith Town Hall"


def test_former_partner_itself_cannot_be_changed_by_import(cast, tmp_path):
    path = write(
        tmp_path,
        "partners.csv",
        "id,code,name,gss_code,nation,joined_on\n"
        f"{cast.lbhf.pk},lbhf,Renamed Borough,E09000013,ENG,2011-04-01\n",
    )
    result = run(path, cast.manager, dry_run=False, model=Partner)
    assert [(e.row, e.column) for e in result.errors] == [(2, "id")]
    assert Partner.objects.unscoped("test").get(pk=cast.lbhf.pk).name == (
        "London Borough of Hammersmith and Fulham"
    )


def test_current_record_cannot_be_moved_to_a_former_partner(cast, tmp_path):
    # The other half of the rule: the owners after the change must be writable too.
    with system_scope("test data"):
        hall = Room.objects.create(partner=cast.wcc, code="CH", name="City Hall")
    path = write(tmp_path, "s.csv", "id," + HEADER + f"{hall.pk},lbhf,CH,City Hall,,,,,true\n")
    result = run(path, cast.manager, dry_run=False)
    assert result.errors == [
        RowError(
            2, "partner", "You may not import rooms for London Borough of Hammersmith and Fulham."
        )
    ]
    assert Room.objects.unscoped("test").get(pk=hall.pk).partner_id == cast.wcc.pk


def test_seen_but_not_changeable_record_is_refused_by_id(cast, tmp_path):
    # A lead of wcc who also holds a requester role in rbkc sees rbkc's rooms, and may
    # import rooms for wcc, but may not change rbkc's: the existing owner is asked.
    from core.tenancy.models import Membership

    with system_scope("test data"):
        Membership.objects.create(user=cast.wcc_lead, partner=cast.rbkc, role="requester")
        theirs = Room.objects.create(partner=cast.rbkc, code="TH", name="Town Hall")
    path = write(tmp_path, "s.csv", "id," + HEADER + f"{theirs.pk},wcc,TH,Mine now,,,,,true\n")
    result = run(path, cast.wcc_lead, dry_run=False)
    assert [(e.row, e.column) for e in result.errors] == [(2, "id")]
    assert Room.objects.unscoped("test").get(pk=theirs.pk).partner_id == cast.rbkc.pk


# Quotes ------------------------------------------------------------------------------------


@pytest.mark.parametrize("dry_run", [True, False])
def test_unterminated_quote_names_the_row_it_opens_on(cast, tmp_path, dry_run):
    # Row 3's name opens a quote that never closes: the lenient reader would have read rows
    # 3 to 5 as one long name and imported it.
    path = write(
        tmp_path,
        "s.csv",
        HEADER
        + "wcc,A,First,,,,,true\n"
        + 'wcc,B,"Second,,,,,true\n'
        + "wcc,C,Third,,,,,true\n"
        + "wcc,D,Fourth,,,,,true\n",
    )
    result = run(path, cast.wcc_lead, dry_run=dry_run)
    assert result.errors == [
        RowError(
            3,
            "",
            'Row 3 opens a quote (") that is never closed, so everything after it would be '
            "read as one cell. Add the missing quote, or remove the stray one.",
        )
    ]
    assert (result.created, result.updated) == (0, 0)
    assert room_count() == 0


def test_unterminated_quote_after_multi_line_cells_counts_records(cast, tmp_path):
    # Rows are records, as a spreadsheet shows them: a quoted address over three lines is one
    # row, so the open quote is on row 4 although it is on the file's sixth line.
    path = write(
        tmp_path,
        "s.csv",
        HEADER
        + 'wcc,A,First,,"1 High Street\nLondon\nSW1A 1AA",,,true\n'
        + "wcc,B,Second,,,,,true\n"
        + 'wcc,C,Third,,"Never closed,,,true\n'
        + "wcc,D,Fourth,,,,,true\n",
    )
    result = run(path, cast.wcc_lead, dry_run=True)
    assert [(e.row, e.column) for e in result.errors] == [(4, "")]
    assert "never closed" in result.errors[0].message


def test_huge_cell_from_an_open_quote(cast, tmp_path):
    # Far from the end of a large file the reader stops at its cell-size limit instead.
    rows = "".join(f"wcc,S{i},Room {i},,,,,true\n" for i in range(3, 8000))
    path = write(tmp_path, "s.csv", HEADER + 'wcc,A,"Open,,,,,true\n' + rows)
    result = run(path, cast.wcc_lead, dry_run=False)
    assert [(e.row, e.column) for e in result.errors] == [(2, "")]
    assert "longer than 131,072 characters" in result.errors[0].message
    assert "never closed" in result.errors[0].message
    assert room_count() == 0


def test_stray_quote_closed_by_a_later_rows_quote(cast, tmp_path):
    # Row 3's stray quote runs on until row 5's quoted cell opens: the reader only notices
    # there, but the row to correct is 3.
    path = write(
        tmp_path,
        "s.csv",
        HEADER
        + "wcc,A,First,,,,,true\n"
        + 'wcc,B,"Second,,,,,true\n'
        + "wcc,C,Third,,,,,true\n"
        + 'wcc,D,"Fourth, quoted",,,,,true\n',
    )
    result = run(path, cast.wcc_lead, dry_run=False)
    assert result.errors == [
        RowError(
            3,
            "",
            'Row 3 opens a quote (") that is not closed where its cell ends, so the lines '
            "after it run into one cell. Add the missing quote, or remove the stray one.",
        )
    ]
    assert room_count() == 0


def test_text_after_a_closing_quote(cast, tmp_path):
    path = write(
        tmp_path, "s.csv", HEADER + "wcc,A,First,,,,,true\n" + 'wcc,B,"Smith, J" Ltd,,,,,true\n'
    )
    result = run(path, cast.wcc_lead, dry_run=False)
    assert result.errors == [
        RowError(
            3,
            "",
            "Row 3 has a value in quotes followed by more text before the next comma. Put the "
            'whole value in quotes, and write each quote inside it twice ("").',
        )
    ]
    assert room_count() == 0


def test_quotes_written_properly_are_read(cast, tmp_path):
    path = write(
        tmp_path,
        "s.csv",
        HEADER + 'wcc,A,"The ""Old"" Hall, Annexe",,"1 Road\nTown",,,true\n'
        'wcc,B,5" screen store,,,,,true',  # a quote inside an unquoted cell; no newline at end
    )
    result = run(path, cast.wcc_lead, dry_run=False)
    assert result.ok, result.errors
    rooms = {s.code: s for s in Room.objects.visible_to(cast.wcc_lead)}
    assert rooms["A"].name == 'The "Old" Hall, Annexe' and rooms["A"].address == "1 Road\nTown"
    assert rooms["B"].name == '5" screen store'


# Encodings ---------------------------------------------------------------------------------

WINDOWS_NAME = "Caf\xe9 \u00a35 \u2013 \u201cbest\u201d \u20ac"  # é, £, en dash, curly quotes, €


@pytest.mark.parametrize("dry_run", [True, False])
def test_windows_1252_csv_is_read(cast, office, tmp_path, dry_run):
    # What Excel's plain "CSV (Comma delimited)" saves on Windows: one byte per letter.
    path = write(
        tmp_path,
        "s.csv",
        HEADER + f'wcc,A,{WINDOWS_NAME},Office,"1 Rue de l\'\xc9glise",,,true\n',
        encoding="cp1252",
    )
    assert b"\xa3" in path.read_bytes()  # really one byte for the pound sign
    result = run(path, cast.wcc_lead, dry_run=dry_run)
    assert result.ok, result.errors
    assert result.encoding == "windows-1252" and result.encoding_name == "Windows-1252"
    if not dry_run:
        room = Room.objects.visible_to(cast.wcc_lead).get(code="A")
        assert room.name == WINDOWS_NAME and room.address == "1 Rue de l'\xc9glise"


def test_utf8_with_and_without_bom_is_read_as_utf8(cast, tmp_path):
    for name, text in (("bom.csv", "\ufeff" + HEADER), ("plain.csv", HEADER)):
        path = write(tmp_path, name, text + f"wcc,{name[:3]},{WINDOWS_NAME},,,,,true\n")
        result = run(path, cast.wcc_lead, dry_run=False)
        assert result.ok, result.errors
        assert result.encoding == "utf-8"
    names = set(Room.objects.visible_to(cast.wcc_lead).values_list("name", flat=True))
    assert names == {WINDOWS_NAME}


def test_workbook_has_no_encoding(cast, tmp_path):
    workbook = Workbook()
    workbook.worksheets[0].append(["partner", "code", "name"])
    workbook.worksheets[0].append(["wcc", "A", "A"])
    path = tmp_path / "s.xlsx"
    workbook.save(path)
    assert run(path, cast.wcc_lead, dry_run=True).encoding == ""


def _long_file_with_bad_byte(bad: bytes, *, row: int, encoding: str) -> bytes:
    # Well over one read-ahead chunk, with quoted cells over several lines before the bad
    # byte, so that neither the decoder's chunks nor the file's lines match the rows.
    body = HEADER.encode()
    for n in range(2, row):
        address = f'"{n} High Street\nFlat {n}\nLondon"'
        body += f"wcc,S{n},Caf\xe9 {n},,{address},,,true\n".encode(encoding)
    body += b"wcc,BAD,Bad " + bad + b" byte,,,,,true\n"
    body += "".join(f"wcc,T{n},Later {n},,,,,true\n" for n in range(200)).encode()
    return body


def test_undecodable_byte_is_reported_on_its_own_row(cast, tmp_path):
    path = write(tmp_path, "s.csv", _long_file_with_bad_byte(b"\x81", row=1500, encoding="cp1252"))
    assert path.stat().st_size > 64 * 1024
    result = run(path, cast.wcc_lead, dry_run=False)
    assert result.errors == [
        RowError(
            1500,
            "",
            "Row 1500 has a character that cannot be read: the file is neither UTF-8 nor "
            "Windows-1252 text. Save it from your spreadsheet as CSV UTF-8 (comma delimited).",
        )
    ]
    assert result.encoding == ""
    assert room_count() == 0


def test_utf8_file_with_one_windows_byte_is_refused_not_garbled(cast, tmp_path):
    # UTF-8 up to row 700, then a Windows-1252 e-acute: reading it all as Windows-1252 would
    # store "CafÃ©" for every earlier row, so the file is refused, naming the row.
    path = write(tmp_path, "s.csv", _long_file_with_bad_byte(b"\xe9", row=700, encoding="utf-8"))
    result = run(path, cast.wcc_lead, dry_run=False)
    assert [(e.row, e.column) for e in result.errors] == [(700, "")]
    assert "is not UTF-8, although the text before it is" in result.errors[0].message
    assert room_count() == 0


def test_nul_byte_past_the_start_is_reported_on_its_row(cast, tmp_path):
    body = (HEADER + "".join(f"wcc,S{n},Room {n},,,,,true\n" for n in range(2, 3000))).encode()
    body += b"wc\x00c,NUL,Nul,,,,,true\n"
    path = write(tmp_path, "s.csv", body)
    assert path.stat().st_size > 64 * 1024
    result = run(path, cast.wcc_lead, dry_run=False)
    assert [(e.row, e.column) for e in result.errors] == [(3000, "")]
    assert "NUL character" in result.errors[0].message
    assert room_count() == 0


# Formulas in workbooks -----------------------------------------------------------------------

XLSX_HEADER = ["partner", "code", "name", "room_type", "address", "postcode", "uprn", "is_active"]


def save_with_results(workbook, path, results):
    """Save `workbook`, then write into the file the results Excel would have saved beside
    its formulas (openpyxl writes formulas with no result): {"B2": ("str", "text")}, with the
    cell types of the file format: "str" text, "n" number, "b" true/false, "e" an error."""
    workbook.save(path)
    with zipfile.ZipFile(path) as source:
        entries = {name: source.read(name) for name in source.namelist()}
    sheet = entries["xl/worksheets/sheet1.xml"].decode()
    for coordinate, (kind, value) in results.items():
        # An empty value is <v/>, or <v></v> when openpyxl writes through lxml.
        pattern = re.compile(rf'(<c r="{coordinate}"[^>]*)>(<f>.*?</f>)(?:<v\s*/>|<v></v>)')
        kind_attribute = "" if kind == "n" else f' t="{kind}"'
        replacement = rf"\1{kind_attribute}>\2<v>{value}</v>"
        sheet, found = pattern.subn(replacement, sheet)
        assert found == 1, coordinate
    entries["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in entries.items():
            target.writestr(name, data)
    return path


@pytest.mark.parametrize("dry_run", [True, False])
def test_formula_without_a_saved_value_is_a_row_error(cast, tmp_path, dry_run):
    workbook = Workbook()
    sheet = workbook.worksheets[0]
    sheet.append(XLSX_HEADER)
    sheet.append(["wcc", "A", "First", None, "1 High Street", None, None, True])
    sheet.append(["wcc", "B", "Second", None, '=E2&", Annexe"', None, None, True])
    path = tmp_path / "rooms.xlsx"
    workbook.save(path)  # as openpyxl (or an export that does not recalculate) leaves it
    result = run(path, cast.wcc_lead, dry_run=dry_run)
    assert result.errors == [
        RowError(
            3,
            "address",
            'This cell is a formula (=E2&", Annexe") with no saved value; type the value '
            "itself, or open and save the file in Excel first.",
        )
    ]
    assert str(result.errors[0]).startswith("Row 3, column address: This cell is a formula")
    assert (result.created, result.updated) == ((1, 0) if dry_run else (0, 0))
    assert room_count() == 0


def test_formula_without_a_saved_value_in_a_required_column(cast, tmp_path):
    # Read as empty, this was "This column needs a value", which sent people looking for a
    # value they could see in their spreadsheet.
    workbook = Workbook()
    sheet = workbook.worksheets[0]
    sheet.append(XLSX_HEADER)
    sheet.append(["wcc", '=UPPER("a")', "First", None, None, None, None, True])
    path = tmp_path / "rooms.xlsx"
    workbook.save(path)
    result = run(path, cast.wcc_lead, dry_run=False)
    assert [(e.row, e.column) for e in result.errors] == [(2, "code")]
    assert "formula" in result.errors[0].message
    assert room_count() == 0


def test_formulas_with_saved_values_import_their_values(cast, office, tmp_path):
    workbook = Workbook()
    sheet = workbook.worksheets[0]
    sheet.append(XLSX_HEADER)
    formulas = ['=PROPER("city hall")', '=IF(1,"","x")', "=100023336000+956", "=TRUE()"]
    name, address, uprn, in_use = formulas
    sheet.append(["wcc", "CH", name, "Office", address, None, uprn, in_use])
    results = {
        "C2": ("str", "City Hall"),
        "E2": ("str", ""),  # Excel's empty text result
        "G2": ("n", "100023336956"),
        "H2": ("b", "1"),
    }
    path = save_with_results(workbook, tmp_path / "rooms.xlsx", results)
    result = run(path, cast.wcc_lead, dry_run=False)
    assert result.ok, result.errors
    room = Room.objects.visible_to(cast.wcc_lead).get(code="CH")
    assert (room.name, room.address, room.uprn, room.is_active) == (
        "City Hall",
        "",
        "100023336956",
        True,
    )


def test_formula_that_saved_an_error(cast, tmp_path):
    workbook = Workbook()
    sheet = workbook.worksheets[0]
    sheet.append(XLSX_HEADER)
    sheet.append(["wcc", "A", "=VLOOKUP(1,Z1:Z2,1,FALSE)", None, None, None, None, True])
    path = save_with_results(workbook, tmp_path / "rooms.xlsx", {"C2": ("e", "#N/A")})
    result = run(path, cast.wcc_lead, dry_run=False)
    assert result.errors == [
        RowError(2, "name", "This cell shows the error #N/A: correct it in the file first.")
    ]
    assert room_count() == 0


def test_formula_without_a_value_in_the_header_or_id(cast, tmp_path):
    with system_scope("test data"):
        hall = Room.objects.create(partner=cast.wcc, code="CH", name="City Hall")
    workbook = Workbook()
    sheet = workbook.worksheets[0]
    sheet.append(["id", *XLSX_HEADER])
    sheet.append([f"={hall.pk}", "wcc", "CH", "Renamed", None, None, None, None, True])
    path = tmp_path / "ids.xlsx"
    workbook.save(path)
    result = run(path, cast.wcc_lead, dry_run=False)
    assert [(e.row, e.column) for e in result.errors] == [(2, "id")]
    assert "formula" in result.errors[0].message
    assert Room.objects.unscoped("test").get(pk=hall.pk).name == "City Hall"

    sheet["C1"] = '=LOWER("CODE")'
    workbook.save(path)
    result = run(path, cast.wcc_lead, dry_run=True)
    messages = {(e.row, e.column): e.message for e in result.errors}
    assert messages[(1, "")].startswith("The heading of column 3: This cell is a formula")


# Related records by natural key, whatever the capitals --------------------------------------


@pytest.mark.parametrize("dry_run", [True, False])
def test_natural_keys_ignore_capitals(cast, office, tmp_path, dry_run):
    path = write(
        tmp_path,
        "s.csv",
        HEADER
        + "WCC,A,First,office,,,,true\nWcc,B,Second,OFFICE,,,,true\nwcc,C,Third,Office,,,,true\n",
    )
    result = run(path, cast.wcc_lead, dry_run=dry_run)
    assert result.ok, result.errors
    assert result.created == 3
    if not dry_run:
        rooms = Room.objects.visible_to(cast.wcc_lead)
        assert {(s.partner_id, s.room_type_id) for s in rooms} == {(cast.wcc.pk, office.pk)}


def test_capitals_never_find_another_councils_record(cast, tmp_path):
    path = write(tmp_path, "s.csv", HEADER + "RBKC,A,A,,,,,true\nZZZZ,B,B,,,,,true\n")
    result = run(path, cast.wcc_lead, dry_run=True)
    real, made_up = result.errors
    assert real == RowError(2, "partner", "There is no council with code 'RBKC' that you can use.")
    assert real.message.replace("RBKC", "?") == made_up.message.replace("ZZZZ", "?")


def test_nothing_matching_names_the_value(cast, office, tmp_path):
    path = write(tmp_path, "s.csv", HEADER + "wcc,A,A,offices,,,,true\n")
    result = run(path, cast.wcc_lead, dry_run=True)
    assert result.errors == [
        RowError(2, "room_type", "There is no room type with name 'offices' that you can use.")
    ]


def test_exact_capitals_win_and_a_choice_by_capitals_alone_is_asked(cast, office, tmp_path):
    # Room type names are unique as typed, so "Office" and "OFFICE" may both exist: the exact
    # one is taken; a third spelling could be either, and the row says so.
    with system_scope("test data"):
        shouting = RoomType.objects.create(name="OFFICE")
    path = write(
        tmp_path,
        "s.csv",
        HEADER + "wcc,A,A,OFFICE,,,,true\nwcc,B,B,Office,,,,true\nwcc,C,C,office,,,,true\n",
    )
    result = run(path, cast.wcc_lead, dry_run=False)
    assert result.errors == [
        RowError(
            4,
            "room_type",
            "'office' could be the room type with name 'OFFICE', 'Office': write it with the "
            "same capitals as the one you mean.",
        )
    ]
    assert room_count() == 0
    path = write(tmp_path, "s.csv", HEADER + "wcc,A,A,OFFICE,,,,true\nwcc,B,B,Office,,,,true\n")
    assert run(path, cast.wcc_lead, dry_run=False).ok
    types = dict(Room.objects.visible_to(cast.wcc_lead).values_list("code", "room_type_id"))
    assert types == {"A": shouting.pk, "B": office.pk}
