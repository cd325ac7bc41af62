"""Import files made to be slow or to use up memory, written as real files, part by part.

Each is what an attacker (or a broken exporter) could upload: small on disk, and costly to a
reader that trusts it. `core/tests/test_import_limits.py` checks each is refused with its
message in little memory; `benches/bench_import_limits.py` times the refusals. A workbook is
written with `zipfile`, its XML parts directly, so that nothing tidies what is crafted.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

HEADER = ["partner", "code", "name", "room_type", "address", "postcode", "uprn", "is_active"]
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
MB = 1024 * 1024
_XML = '<?xml version="1.0" encoding="UTF-8"?>'


def _content_types(shared: bool) -> bytes:
    strings = (
        f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_CT}.sharedStrings+xml"/>'
        if shared
        else ""
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{_PKG}/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_CT}.worksheet+xml"/>'
        f"{strings}</Types>"
    ).encode()


_ROOT_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG}/relationships">'
    f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
).encode()
_WORKBOOK = (
    f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{_REL}">'
    '<sheets><sheet name="Rooms" sheetId="1" r:id="rId1"/></sheets></workbook>'
).encode()


def _workbook_rels(shared: bool) -> bytes:
    strings = (
        f'<Relationship Id="rId2" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
        if shared
        else ""
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG}/relationships">'
        f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f"{strings}</Relationships>"
    ).encode()


def inline(text: str) -> str:
    return f'<is><t xml:space="preserve">{text}</t></is>'


def row_xml(number: int, values: Iterable[str], first_column: int = 1) -> bytes:
    """A row of text cells written inline, from `first_column` on, each with its reference."""
    from openpyxl.utils import get_column_letter

    cells = "".join(
        f'<c r="{get_column_letter(first_column + i)}{number}" t="inlineStr">{inline(v)}</c>'
        for i, v in enumerate(values)
    )
    return f'<row r="{number}">{cells}</row>'.encode()


def header_row() -> bytes:
    return row_xml(1, HEADER)


def write_workbook(
    path: Path,
    sheet_data: Iterable[bytes],
    *,
    shared_strings: Iterable[bytes] | None = None,
    extra_parts: int = 0,
    doctype: str = "",
) -> Path:
    """A workbook of one sheet whose <sheetData> is `sheet_data`, streamed into the zip (so a
    sheet of hundreds of megabytes is written without holding it); `shared_strings`, if given,
    is the inside of <sst>; `extra_parts` adds that many small parts nothing refers to."""
    shared = shared_strings is not None
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", _content_types(shared))
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _workbook_rels(shared))
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(f'{_XML}{doctype}<worksheet xmlns="{MAIN}">'.encode())
            sheet.write(b"<sheetData>")
            for piece in sheet_data:
                sheet.write(piece)
            sheet.write(b"</sheetData></worksheet>")
        if shared_strings is not None:
            with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as strings:
                strings.write(f'{_XML}<sst xmlns="{MAIN}">'.encode())
                for piece in shared_strings:
                    strings.write(piece)
                strings.write(b"</sst>")
        for i in range(extra_parts):
            archive.writestr(f"docProps/extra{i}.xml", b"<x/>")
    return path


def repeated(piece: bytes, total: int) -> Iterable[bytes]:
    """`piece` over and over, `total` bytes in all, a megabyte at a time."""
    block = piece * max(1, MB // len(piece))
    written = 0
    while written < total:
        chunk = block[: total - written]
        written += len(chunk)
        yield chunk


@dataclass(frozen=True)
class Crafted:
    """A crafted file: its name, how to write it into a folder, and words its refusal holds."""

    name: str
    filename: str
    write: Callable[[Path], Path]
    refusal: str


def _huge_row_number(path: Path) -> Path:
    # 1.5 KB: openpyxl's reader would yield every empty row up to this one.
    return write_workbook(path, [header_row(), row_xml(99_999_999_999, ["wcc", "CH", "Hall"])])


def _far_away_cell(path: Path) -> Path:
    # One value at the sheet's far corner: openpyxl's reader pads every row to 16,384 cells.
    far = f'<row r="1048576"><c r="XFD1048576" t="inlineStr">{inline("x")}</c></row>'
    return write_workbook(path, [header_row(), row_xml(2, ["wcc", "CH", "Hall"]), far.encode()])


def _unzips_to_too_much(path: Path) -> Path:
    # 201 MB of sheet (spaces between rows), about 200 KB zipped.
    return write_workbook(
        path, [header_row(), *repeated(b" ", 201 * MB), row_xml(2, ["wcc", "CH", "Hall"])]
    )


def _padded_sheet(path: Path) -> Path:
    # Within the unzipped limit, but 150 MB of padding between two tags.
    return write_workbook(
        path, [header_row(), *repeated(b" ", 150 * MB), row_xml(2, ["wcc", "CH", "Hall"])]
    )


def _huge_shared_strings(path: Path) -> Path:
    # The shared texts are read whole: 60 MB of them, about 60 KB zipped.
    return write_workbook(
        path,
        [header_row()],
        shared_strings=[b"<si><t>", *repeated(b"a", 60 * MB), b"</t></si>"],
    )


def _huge_inline_cell(path: Path) -> Path:
    # A 50 MB cell written in the sheet itself.
    return write_workbook(
        path,
        [
            header_row(),
            b'<row r="2"><c r="A2" t="inlineStr"><is><t>',
            *repeated(b"a", 50 * MB),
            b"</t></is></c></row>",
        ],
    )


def _huge_csv_field(path: Path) -> Path:
    # A 49 MB cell, under the 50 MB file limit.
    with open(path, "wb") as f:
        f.write((",".join(HEADER) + "\r\nwcc,CH,").encode())
        for chunk in repeated(b"a", 49 * MB):
            f.write(chunk)
        f.write(b",,,,,true\r\n")
    return path


def _many_csv_columns(path: Path) -> Path:
    columns = [*HEADER, *(f"extra{i}" for i in range(10_000 - len(HEADER)))]
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(",".join(columns) + "\r\n")
        f.write(",".join(["wcc", "CH", "Hall"] + [""] * (len(columns) - 3)) + "\r\n")
    return path


def _many_workbook_columns(path: Path) -> Path:
    values = [*HEADER, *(f"extra{i}" for i in range(10_000 - len(HEADER)))]
    return write_workbook(path, [row_xml(1, values), row_xml(2, ["wcc", "CH", "Hall"])])


def _a_million_cells_in_a_row(path: Path) -> Path:
    # A million cells with no value in one row: gathered whole by openpyxl before it is read.
    return write_workbook(
        path, [header_row(), b'<row r="2">', *repeated(b"<c/>", 4 * MB), b"</row>"]
    )


def _entities(path: Path) -> Path:
    # A billion laughs: ten entities, each ten of the one before.
    declarations = '<!ENTITY e0 "ha">' + "".join(
        f'<!ENTITY e{i} "{f"&e{i - 1};" * 10}">' for i in range(1, 10)
    )
    laugh = '<row r="2"><c r="A2" t="inlineStr"><is><t>&e9;</t></is></c></row>'
    return write_workbook(
        path, [header_row(), laugh.encode()], doctype=f"<!DOCTYPE worksheet [{declarations}]>"
    )


def _many_parts(path: Path) -> Path:
    return write_workbook(path, [header_row()], extra_parts=5_000)


_LONG_CELL = "longer than a spreadsheet cell"

CRAFTED = [
    Crafted("row numbered 99,999,999,999", "rooms.xlsx", _huge_row_number, "99,999,999,999"),
    Crafted("cell at XFD1048576", "rooms.xlsx", _far_away_cell, "column XFD (column 16,384)"),
    Crafted("sheet unzipping to 201 MB", "rooms.xlsx", _unzips_to_too_much, "MB once unzipped"),
    Crafted("150 MB of padding in a sheet", "rooms.xlsx", _padded_sheet, _LONG_CELL),
    Crafted("60 MB of shared texts", "rooms.xlsx", _huge_shared_strings, "shared texts and"),
    Crafted("50 MB cell in a workbook", "rooms.xlsx", _huge_inline_cell, _LONG_CELL),
    Crafted("49 MB cell in a CSV file", "rooms.csv", _huge_csv_field, "Row 2 is longer than"),
    Crafted("10,000 columns of CSV", "rooms.csv", _many_csv_columns, "column IW (column 257)"),
    Crafted("10,000 columns of workbook", "rooms.xlsx", _many_workbook_columns, "column IW"),
    Crafted("a million cells in one row", "rooms.xlsx", _a_million_cells_in_a_row, "last column"),
    Crafted("5,000 parts in a workbook", "rooms.xlsx", _many_parts, "5,005 parts"),
    Crafted("entities declared", "rooms.xlsx", _entities, "declares a document type"),
]
