"""Generic import of records from a CSV or XLSX file, for any model that declares import fields.

`import_records` reads the file a row at a time, validates every row as a form would (each
column converted and checked, then the model's own ``full_clean``), and either reports what it
found (dry run) or writes every row in one transaction: the import lands whole or not at all.
What a person sees is plain: a list of `RowError(row, column, message)` with the row numbers of
their spreadsheet (the header is row 1).

Visibility is never bypassed. A foreign key column is read as the related record's natural key
(a council's code, a site type's name; capitals ignored when that still picks out one record)
among the records the importing person can see, so a
council that is not theirs reads as "no council with code 'x' that you can use", which reveals
nothing. An ``id`` column updates records the person may change: the person must be allowed to
change and import the record's owners as they are (a former partner's records are read-only) and
the owners it would have after the row.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import decimal
import io
import os
import re
import zipfile
from collections.abc import Callable, Generator, Iterator
from dataclasses import asdict, dataclass, field
from itertools import zip_longest
from typing import IO, Any, TypeGuard, cast

from django import forms
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import DatabaseError, models, transaction

from core.context import acting_as
from core.exporting import FORMULA_PREFIXES, natural_key_of
from core.tenancy.access import ADD, CHANGE, IMPORT, access_for
from core.tenancy.records import ConcordModel
from core.tenancy.scoping import ScopedQuerySet

#: Calls of a progress callback: (rows done, rows in the file).
ProgressCallback = Callable[[int, int], None]

EXTENSIONS = (".csv", ".xlsx")
#: How many row errors an import keeps; past this it only counts them (a person fixes the file
#: from the first few thousand anyway, and a job's result must stay a sensible size).
MAX_ERRORS = 5000
#: Rows between two calls of the progress callback.
PROGRESS_EVERY = 100
# Related records looked up by natural key are remembered, up to this many at a time.
_LOOKUP_CACHE_SIZE = 10_000
_SNIFF_BYTES = 64 * 1024
_CHUNK_BYTES = 1024 * 1024
#: The encodings a CSV file is read in (`csv_encoding`), as an import's result names them.
UTF8 = "utf-8"
WINDOWS_1252 = "windows-1252"
ENCODING_NAMES = {UTF8: "UTF-8", WINDOWS_1252: "Windows-1252"}
#: Why a CSV file cannot be read: UTF-8 up to a byte that is not; or neither encoding.
MIXED = "mixed"
UNKNOWN = "unknown"
_UNDEFINED_IN_1252 = re.compile(b"[\x81\x8d\x8f\x90\x9d]")
# A cell's formula element in a sheet's XML: <f>, <f t="shared" ...>, or with a namespace
# prefix (<x:f>). Text cannot hold a bare "<", so this matches tags only.
_FORMULA_ELEMENT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
_TRUE = {"true", "yes", "y", "1", "t", "on", "in use"}
_FALSE = {"false", "no", "n", "0", "f", "off", "not in use"}


class ImportFileError(Exception):
    """The file cannot be read: empty, too big, not CSV or XLSX, text that cannot be decoded,
    a quote never closed (`row` then says where)."""

    def __init__(self, message: str, row: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.row = row


@dataclass(frozen=True)
class RowError:
    """One problem in the file: the spreadsheet row (header is 1; 0 for the whole file), the
    column it is in ("" when it is about the whole row) and what is wrong, in plain words."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"Row {self.row}" if self.row else "File"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.message}"


@dataclass
class ImportResult:
    """What an import found (dry run) or did (commit)."""

    total_rows: int
    created: int
    updated: int
    errors: list[RowError]
    dry_run: bool
    #: Errors found beyond MAX_ERRORS: counted, not listed.
    more_errors: int = 0
    #: How a CSV file's text was read (UTF8 or WINDOWS_1252); "" for a workbook, or a file
    #: that could not be read as text.
    encoding: str = ""

    @property
    def ok(self) -> bool:
        """True when no row had a problem."""
        return not self.errors

    @property
    def error_count(self) -> int:
        """Every error found, listed or not."""
        return len(self.errors) + self.more_errors

    @property
    def encoding_name(self) -> str:
        """The encoding as people know it ("Windows-1252"), or ""."""
        return ENCODING_NAMES.get(self.encoding, "")

    @property
    def bad_rows(self) -> int:
        """How many rows (among the listed errors) have something wrong."""
        return len({e.row for e in self.errors if e.row > 1})

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, for a job's stored result."""
        data = asdict(self)
        data["errors"] = [asdict(e) for e in self.errors]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImportResult:
        """The inverse of `as_dict`."""
        return cls(
            total_rows=int(data.get("total_rows", 0)),
            created=int(data.get("created", 0)),
            updated=int(data.get("updated", 0)),
            errors=[RowError(**e) for e in data.get("errors", [])],
            dry_run=bool(data.get("dry_run", True)),
            more_errors=int(data.get("more_errors", 0)),
            encoding=str(data.get("encoding") or ""),
        )


# Reading files -------------------------------------------------------------------------------


def _size_of(fileobj: IO[bytes]) -> int:
    known = getattr(fileobj, "size", None)  # an upload knows it (core.uploads relies on it)
    if isinstance(known, int):
        return known
    fileobj.seek(0, os.SEEK_END)
    size = fileobj.tell()
    fileobj.seek(0)
    return size


def check_file(fileobj: IO[bytes], filename: str) -> str:
    """Check a file can be an import before reading it; returns its extension.

    Raises ImportFileError with a message for a person: wrong kind of file, empty, too big,
    binary content in a CSV, or something that is not really an Excel workbook.
    """
    extension = os.path.splitext(filename or "")[1].lower()
    if extension == ".xls":
        raise ImportFileError(
            "This is an old-style Excel file (.xls). Open it in Excel and save it as an Excel "
            "workbook (.xlsx) or as CSV UTF-8, then upload that."
        )
    if extension not in EXTENSIONS:
        raise ImportFileError("The file must be a CSV file (.csv) or an Excel workbook (.xlsx).")
    size = _size_of(fileobj)
    if size == 0:
        raise ImportFileError("The file is empty.")
    limit = int(settings.CONCORD_IMPORT_MAX_BYTES)
    if size > limit:
        raise ImportFileError(
            f"The file is {_size_text(size, up=True)}; it must be no bigger than "
            f"{_size_text(limit, up=False)}. Split it into smaller files."
        )
    head = fileobj.read(_SNIFF_BYTES)
    fileobj.seek(0)
    is_zip = head.startswith(b"PK\x03\x04")
    if extension == ".xlsx" and not is_zip:
        raise ImportFileError(
            "This file is not an Excel workbook, although its name ends in .xlsx. "
            "Save it from Excel as an Excel workbook (.xlsx) or as CSV UTF-8."
        )
    if extension == ".csv":
        if is_zip:
            raise ImportFileError(
                "This looks like an Excel workbook, not a CSV file. Upload it with a name "
                "ending in .xlsx, or save it from Excel as CSV UTF-8."
            )
        if b"\x00" in head:
            raise ImportFileError(
                "This file is not text: it cannot be a CSV file. Save it from your spreadsheet "
                "as CSV UTF-8 (comma delimited)."
            )
    return extension


def _size_text(size: int, *, up: bool) -> str:
    """A size as people read it (512 bytes, 1.9 KB, 50 MB, 50.1 MB), to a tenth of a unit.

    A file's size is rounded up and a limit down, so that a file even a byte over the limit
    never reads as the same size as the limit ("50.0 MB; no bigger than 50.0 MB").
    """
    if size < 1024:
        return f"{size} byte{'' if size == 1 else 's'}"
    unit, name = (1024, "KB") if size < 1024 * 1024 else (1024 * 1024, "MB")
    tenths = -(-size * 10 // unit) if up else size * 10 // unit
    whole, tenth = divmod(tenths, 10)
    return f"{whole:,} {name}" if tenth == 0 else f"{whole:,}.{tenth} {name}"


class _KeepOpen(io.RawIOBase):
    """A view of a binary file that a TextIOWrapper can close without closing the file."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


@dataclass(frozen=True)
class TextEncoding:
    """How a CSV file's bytes are read as text; `csv_encoding` works it out."""

    #: UTF8 or WINDOWS_1252.
    name: str
    #: Why some byte cannot be read ("" when all can): MIXED or UNKNOWN.
    problem: str = ""
    #: The file has a NUL byte (check_file refuses one near the start; this is for later ones).
    has_nul: bool = False

    @property
    def codec(self) -> str:
        # utf-8-sig reads a file with or without the byte-order mark Excel's "CSV UTF-8" adds.
        return "utf-8-sig" if self.name == UTF8 else "cp1252"


def csv_encoding(fileobj: IO[bytes]) -> TextEncoding:
    """Read a CSV file once, a chunk at a time, to choose how to decode it.

    UTF-8 when every byte of the file is valid UTF-8; otherwise Windows-1252, which is what
    Excel's plain "CSV (Comma delimited)" saves on Windows (£ and é as single bytes). UTF-8 is
    tried first because a Windows-1252 file almost never happens to be valid UTF-8, while the
    other way round every byte string "decodes" as Windows-1252 into nonsense. A file that is
    UTF-8 up to a byte that is not (two files pasted together), or that has one of the five
    bytes Windows-1252 leaves undefined, cannot be read either way.
    """
    fileobj.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8 = True
    mixed = False
    non_ascii = False  # has a character beyond ASCII been read as UTF-8 so far?
    undefined_in_1252 = False
    has_nul = False
    while chunk := fileobj.read(_CHUNK_BYTES):
        has_nul = has_nul or b"\x00" in chunk
        undefined_in_1252 = undefined_in_1252 or _UNDEFINED_IN_1252.search(chunk) is not None
        if utf8:
            try:
                non_ascii = not decoder.decode(chunk).isascii() or non_ascii
            except UnicodeDecodeError as exc:
                utf8 = False
                mixed = non_ascii or not bytes(exc.object[: exc.start]).isascii()
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8, mixed = False, True  # a character cut short at the very end
    fileobj.seek(0)
    if utf8:
        return TextEncoding(UTF8, has_nul=has_nul)
    if mixed:
        return TextEncoding(UTF8, problem=MIXED, has_nul=has_nul)
    if undefined_in_1252:
        return TextEncoding(WINDOWS_1252, problem=UNKNOWN, has_nul=has_nul)
    return TextEncoding(WINDOWS_1252, has_nul=has_nul)


def _csv_records(fileobj: IO[bytes], encoding: TextEncoding) -> Iterator[list[str]]:
    """The CSV's records as lists of text, decoded as `encoding` says."""
    fileobj.seek(0)
    head = fileobj.read(_SNIFF_BYTES)
    fileobj.seek(0)
    # Semicolons are what a spreadsheet writes where the comma is the decimal mark.
    header = codecs.decode(head.split(b"\n", 1)[0], "utf-8", "replace")
    delimiter = ";" if header.count(";") > header.count(",") else ","
    # A byte that cannot be read becomes U+FFFD, which Windows-1252 never produces and valid
    # UTF-8 before the bad byte almost never holds, so the first record that has one is the
    # row to report (a decoding error would come from a chunk read well ahead of the rows).
    text = io.TextIOWrapper(
        io.BufferedReader(_KeepOpen(fileobj)),
        encoding=encoding.codec,
        newline="",
        errors="replace" if encoding.problem else "strict",
    )
    # Strict, so that a quote left open is an error instead of the rest of the file quietly
    # becoming one cell (the lenient reader returns whatever it gathered when the file ends).
    reader = csv.reader(text, delimiter=delimiter, strict=True)
    count = 1
    first_line = 1  # the file's line (not row) where the record being read starts
    look = encoding.problem or encoding.has_nul
    try:
        for record in reader:
            if look:
                _check_characters(count, record, encoding)
            yield record
            count += 1
            first_line = reader.line_num + 1
    except csv.Error as exc:
        # The record being read when the reader gave up began on row `count`: for a quote
        # left open, that is the row where the quoted cell starts.
        several_lines = reader.line_num > first_line
        raise ImportFileError(
            _csv_problem(count, str(exc), delimiter, several_lines), row=count
        ) from exc

    if encoding.problem:  # every bad byte is in some cell, so this is never reached
        raise ImportFileError(_unreadable(0, encoding))


def _check_characters(row: int, record: list[str], encoding: TextEncoding) -> None:
    """Refuse a record holding a byte that could not be read, or a NUL."""
    if encoding.problem and any("\ufffd" in cell for cell in record):
        raise ImportFileError(_unreadable(row, encoding), row=row)
    if encoding.has_nul and any("\x00" in cell for cell in record):
        # A database cannot store it, and no spreadsheet writes one into a CSV file.
        raise ImportFileError(
            f"Row {row} has a NUL character, which is not text. Save the file from your "
            "spreadsheet as CSV UTF-8 (comma delimited).",
            row=row,
        )


def _unreadable(row: int, encoding: TextEncoding) -> str:
    where = f"Row {row}" if row else "The file"
    if encoding.problem == MIXED:
        why = "is not UTF-8, although the text before it is: the file mixes two kinds of text"
    else:
        why = "cannot be read: the file is neither UTF-8 nor Windows-1252 text"
    return (
        f"{where} has a character that {why}. Save it from your spreadsheet as "
        "CSV UTF-8 (comma delimited)."
    )


def _csv_problem(row: int, error: str, delimiter: str, several_lines: bool) -> str:
    """The csv module's complaint about row `row`, in a person's words."""
    if "expected after" in error and several_lines:
        # A stray quote ran on over the next lines until some later quote "closed" it.
        return (
            f'Row {row} opens a quote (") that is not closed where its cell ends, so the '
            "lines after it run into one cell. Add the missing quote, or remove the stray one."
        )
    if "unexpected end of data" in error:
        return (
            f'Row {row} opens a quote (") that is never closed, so everything after it would be '
            "read as one cell. Add the missing quote, or remove the stray one."
        )
    if "field larger than field limit" in error:
        return (
            f"Row {row} has a cell longer than {csv.field_size_limit():,} characters: most "
            'likely a quote (") in it is never closed. Add the missing quote, or remove the '
            "stray one."
        )
    if "expected after" in error:
        separator = "semicolon" if delimiter == ";" else "comma"
        return (
            f"Row {row} has a value in quotes followed by more text before the next "
            f"{separator}. Put the whole value in quotes, and write each quote inside it "
            'twice ("").'
        )
    return f"Row {row} cannot be read as CSV: {error}."


class UnusableCell:
    """A workbook cell whose value cannot be imported: what is wrong with it, in plain words.

    It stands in the row where the value would be, so that the row and column it is in are
    reported like any other bad value.
    """

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message

    def __repr__(self) -> str:
        return f"UnusableCell({self.message!r})"


def _open_workbook(fileobj: IO[bytes], *, data_only: bool) -> Any:
    from openpyxl import load_workbook

    fileobj.seek(0)
    try:
        return load_workbook(fileobj, read_only=True, data_only=data_only, keep_links=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError, IndexError) as exc:
        raise ImportFileError(
            "This Excel workbook cannot be read: it may be damaged or protected with a "
            "password. Save it again from Excel as an Excel workbook (.xlsx)."
        ) from exc
    except Exception as exc:  # openpyxl raises many kinds for a bad file; none is a 500
        raise ImportFileError(
            "This Excel workbook cannot be read. Save it again from Excel as an Excel "
            "workbook (.xlsx)."
        ) from exc


def _formula_text(formula: Any) -> str:
    text = str(getattr(formula, "text", formula) or "")  # an array formula keeps it in .text
    return text if len(text) <= 60 else text[:57] + "..."


def _cell_value(value_cell: Any, formula_cell: Any) -> Any:
    """What to import for one cell: its value, or an UnusableCell saying why there is none."""
    value = value_cell.value
    if value_cell.data_type == "e":
        # #N/A, #REF!...: what the formula gave (or what was typed) is an error, not data.
        return UnusableCell(f"This cell shows the error {value}: correct it in the file first.")
    if value is not None or formula_cell is None or formula_cell.data_type != "f":
        return value
    if value_cell.data_type == "str":
        return ""  # Excel saved the formula's result, and it is empty text
    return UnusableCell(
        f"This cell is a formula ({_formula_text(formula_cell.value)}) with no saved value; "
        "type the value itself, or open and save the file in Excel first."
    )


def _may_hold_formulas(workbook: Any, sheet: Any) -> bool:
    """False when the sheet's XML has no formula at all (most exports), so that the sheet
    need not be read a second time for its formulas; True when it has one, or when openpyxl
    does not say where the sheet is (then it is read twice, to be safe)."""
    archive = getattr(workbook, "_archive", None)
    path = getattr(sheet, "_worksheet_path", None)
    if archive is None or not path:
        return True
    try:
        with archive.open(path) as xml:
            tail = b""
            while chunk := xml.read(_CHUNK_BYTES):
                if _FORMULA_ELEMENT.search(tail + chunk):
                    return True
                tail = chunk[-32:]  # a tag cut in two by the chunk boundary
    except Exception:
        return True
    return False


def _xlsx_records(fileobj: IO[bytes]) -> Iterator[list[Any]]:
    """The first worksheet's rows as lists of cell values (openpyxl's read-only mode).

    A formula's value is the result the file saved with it, as Excel shows it. Files written by
    other programs (openpyxl, some exports) may hold the formula and no result: such a cell
    would read as empty, so it becomes an UnusableCell instead. Telling the two apart takes
    both readings of the sheet (results, and formulas), which are read side by side, a row of
    each at a time, so memory stays flat however long the sheet; a sheet without a formula is
    read once.
    """
    values = _open_workbook(fileobj, data_only=True)
    formulas = None
    try:
        if not values.worksheets:
            return
        sheet = values.worksheets[0]
        value_rows = sheet.iter_rows(min_row=1)
        formula_rows: Iterator[Any] = iter(())
        if _may_hold_formulas(values, sheet):
            formulas = _open_workbook(fileobj, data_only=False)
            formula_rows = formulas.worksheets[0].iter_rows(min_row=1)
        try:
            for value_row, formula_row in zip_longest(value_rows, formula_rows, fillvalue=()):
                yield [
                    _cell_value(cell, formula_row[i] if i < len(formula_row) else None)
                    for i, cell in enumerate(value_row)
                ]
        except Exception as exc:
            raise ImportFileError(
                "This Excel workbook cannot be read to the end: it may be damaged. Save it "
                "again from Excel as an Excel workbook (.xlsx)."
            ) from exc
    finally:
        values.close()
        if formulas is not None:
            formulas.close()


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_rows(
    fileobj: IO[bytes], filename: str, encoding: TextEncoding | None = None
) -> Generator[tuple[int, list[Any]]]:
    """Every record of the file as (spreadsheet row number, cells), the header first (row 1).

    Wholly blank rows are skipped (their numbers are not reused, so later rows keep the
    numbers the person sees). A CSV file is decoded as `encoding` says (worked out from the
    file when not given). Raises ImportFileError for a file that cannot be read.
    """
    extension = check_file(fileobj, filename)
    if extension == ".csv":
        records: Iterator[list[Any]] = _csv_records(fileobj, encoding or csv_encoding(fileobj))
    else:
        records = _xlsx_records(fileobj)
    for number, cells in enumerate(records, start=1):
        if all(_is_blank(c) for c in cells):
            continue
        yield number, cells


def count_rows(
    fileobj: IO[bytes],
    filename: str,
    encoding: TextEncoding | None = None,
    *,
    stop_after: int | None = None,
) -> int:
    """How many rows of data (not counting the header or blank rows) the file holds; or, with
    `stop_after`, that many once there are more (the rest of the file is not read)."""
    total = -1
    rows = read_rows(fileobj, filename, encoding)
    try:
        for _number, _cells in rows:
            total += 1
            if stop_after is not None and total >= stop_after:
                break
    finally:
        rows.close()  # a workbook left part-read is closed now, not when collected
    return max(total, 0)


# How big a file is, without reading it -------------------------------------------------------
#
# Whether to import a file there and then or in the background is decided while the person
# waits for the upload to answer, so it must not read every row: counting a workbook of 100,000
# rows with a formula column took 15 seconds, and a 50 MB file would outlast a proxy's timeout.
# So an upload is first sized up from its bytes (`estimate_rows`), and only a file that is
# small by that measure is counted row by row (which then costs little) as before.

#: A file up to this size is always counted row by row: quick, and exact.
QUICK_COUNT_BYTES = 1024 * 1024
#: More XML than this per row of a sheet's recorded size means the record is wrong.
_MAX_ROW_XML_BYTES = 64 * 1024
#: How much of a sheet without a recorded size is read to see how long its rows are.
_SAMPLE_XML_BYTES = 1024 * 1024
_ROW_ELEMENT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s>/]")


def rows_to_import(fileobj: IO[bytes], filename: str, inline_rows: int) -> int:
    """How many rows of data the file holds, as far as deciding whether to import it at once
    (at most `inline_rows`) or in the background needs to know, without reading every row of
    a large file.

    A file of up to `QUICK_COUNT_BYTES`, or whose estimate is within `inline_rows`, is
    counted row by row as `count_rows` counts it (raising ImportFileError likewise), reading
    no more than `inline_rows` + 1 rows: the answer is exact when it is within `inline_rows`,
    so such a file is imported at once exactly as before. Any other file is large: the answer
    is the estimate, more than `inline_rows`, and the import counts the rows as it goes.
    Raises ImportFileError for a file `check_file` refuses.
    """
    extension = check_file(fileobj, filename)
    estimate = estimate_rows(fileobj, extension)
    if estimate > inline_rows and _size_of(fileobj) > QUICK_COUNT_BYTES:
        return estimate
    counted = count_rows(fileobj, filename, stop_after=inline_rows + 1)
    fileobj.seek(0)
    return counted if counted <= inline_rows else max(estimate, counted)


def estimate_rows(fileobj: IO[bytes], extension: str) -> int:
    """About how many rows of data (after the header) the file holds, worked out from its
    bytes without reading its cells: a CSV file's line ends, a workbook's recorded size.

    Rarely less than the rows there are: a cell of several lines, a blank row or a formatted
    empty row count too. For a workbook that records no size, or one that cannot be its own
    (a sheet of megabytes "of one row"), it is worked out from the size of the sheet.
    """
    try:
        lines = _csv_lines(fileobj) if extension == ".csv" else _xlsx_rows(fileobj)
    finally:
        fileobj.seek(0)
    return max(lines - 1, 0)


def _csv_lines(fileobj: IO[bytes]) -> int:
    """Lines of a CSV file, ended by LF, CRLF or a lone CR (Excel for Mac's "CSV (Macintosh)").
    Counting bytes is a hundred times quicker than reading the records."""
    fileobj.seek(0)
    lines = 0
    last = b""
    while chunk := fileobj.read(_CHUNK_BYTES):
        lines += chunk.count(b"\n") + chunk.count(b"\r") - chunk.count(b"\r\n")
        if last == b"\r" and chunk[:1] == b"\n":
            lines -= 1  # a CRLF cut in two by the chunk boundary
        last = chunk[-1:]
    if last and last not in b"\r\n":
        lines += 1  # the last line has no line end
    return lines


def _xlsx_rows(fileobj: IO[bytes]) -> int:
    """Rows of a workbook's first worksheet (the one imported), counting the header, from the
    size the sheet records (``<dimension ref="A1:H100001">``), or else from the sheet's size.

    Only the workbook's list of sheets and the start of the sheet are read: openpyxl's
    ``load_workbook`` reads every text of the workbook first (seconds for a large one). A file
    that cannot be read this way counts as 0 rows: it is then read as before, and refused with
    the reason.
    """
    # The first steps of openpyxl's own reading (load_workbook), without its shared texts.
    from openpyxl.reader.excel import ExcelReader

    fileobj.seek(0)
    try:
        reader = ExcelReader(fileobj, read_only=True, keep_links=False)
    except Exception:
        return 0
    try:
        reader.read_manifest()
        reader.read_workbook()
        target = next(
            (
                rel.target
                for _sheet, rel in reader.parser.find_sheets()
                if rel.target in reader.valid_files and "chartsheet" not in rel.Type
            ),
            None,
        )
        if target is None:
            return 0
        xml_bytes = reader.archive.getinfo(target).file_size
        recorded = _recorded_rows(reader.archive, target)
        if recorded is not None and xml_bytes <= (recorded + 1) * _MAX_ROW_XML_BYTES:
            return recorded
        return _rows_from_size(reader.archive, target, xml_bytes)
    except Exception:
        return 0
    finally:
        reader.archive.close()


def _recorded_rows(archive: zipfile.ZipFile, target: str) -> int | None:
    """The last row of the sheet's ``<dimension>``, which comes before its rows; None when
    the sheet has none (openpyxl's write-only mode, some exports leave it out)."""
    from openpyxl.utils.cell import range_boundaries
    from openpyxl.xml.functions import iterparse

    with archive.open(target) as xml:
        for _event, element in iterparse(xml, events=("start",)):
            tag = element.tag.rsplit("}", 1)[-1]
            if tag == "dimension":
                try:
                    return int(range_boundaries(element.get("ref", ""))[3] or 0)
                except (ValueError, TypeError):
                    return None
            if tag == "sheetData":
                return None  # the rows begin: no dimension
    return None


def _rows_from_size(archive: zipfile.ZipFile, target: str, xml_bytes: int) -> int:
    """Rows of a sheet estimated from its size: the rows in its first megabyte, scaled up."""
    with archive.open(target) as xml:
        sample = xml.read(_SAMPLE_XML_BYTES)
    rows = len(_ROW_ELEMENT.findall(sample))
    if len(sample) >= xml_bytes or not sample:
        return rows  # the whole sheet
    return max(rows, 1) * xml_bytes // len(sample)


# Columns and values ----------------------------------------------------------------------


def _normal(name: Any) -> str:
    return re.sub(r"[\s\-]+", "_", str(name or "").strip().lower())


def model_field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    """The concrete field `name` of `model` (import columns and unique checks are fields)."""
    return cast("models.Field[Any, Any]", model._meta.get_field(name))


def column_required(model: type[models.Model], name: str) -> bool:
    """Must the file have this column? Yes, unless the field may be blank or has a default."""
    f = model_field(model, name)
    return not (f.blank or f.has_default())


def column_label(model: type[models.Model], name: str) -> str:
    """A column as a person knows it: its verbose name, e.g. "GSS code" for gss_code."""
    if name == "id":
        return "id"
    try:
        return str(model_field(model, name).verbose_name)
    except Exception:
        return name


def thing_name(model: type[models.Model]) -> str:
    """What a person calls a record of `model`: its verbose name ("council" for a partner)."""
    return str(model._meta.verbose_name)


@dataclass
class _Column:
    """How one column of the file becomes a value of the model."""

    name: str
    model_field: models.Field[Any, Any]
    position: int
    formfield: forms.Field | None = None
    choice_labels: dict[str, Any] = field(default_factory=dict)
    related: type[models.Model] | None = None
    related_key: str | None = None


def _plain_cell(value: Any) -> Any:
    """A cell as typed: text stripped, an export's formula guard (a leading ') removed."""
    if isinstance(value, str):
        value = value.strip()
        if len(value) > 1 and value[0] == "'" and value[1] in FORMULA_PREFIXES:
            value = value[1:]
    return value


class _Importer:
    """One run over one file for one person. Not reused."""

    def __init__(
        self,
        model: type[ConcordModel],
        user: Any,
        *,
        dry_run: bool,
        progress: ProgressCallback | None,
    ) -> None:
        self.model = model
        self.user = user
        self.access = access_for(user)
        self.dry_run = dry_run
        self.progress = progress
        self.import_fields = list(getattr(model, "import_fields", ()))
        self.errors: list[RowError] = []
        self.more_errors = 0
        self.created = 0
        self.updated = 0
        self.failed = False
        self.columns: list[_Column] = []
        self.id_position: int | None = None
        self.encoding: TextEncoding | None = None
        self._lookups: dict[tuple[str, str], Any] = {}
        self._seen: dict[tuple[int, tuple[Any, ...]], int] = {}
        self._unique_sets = self._unique_field_sets()

    # errors --------------------------------------------------------------------------------

    def error(self, row: int, column: str, message: str) -> None:
        self.failed = True
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(RowError(row, column, message))
        else:
            self.more_errors += 1

    # header --------------------------------------------------------------------------------

    def read_header(self, cells: list[Any]) -> bool:
        """Match the header to the import fields; report unknown, repeated, missing columns."""
        model = self.model
        by_normal: dict[str, str] = {}
        for name in self.import_fields:
            by_normal[_normal(name)] = name
            by_normal.setdefault(_normal(column_label(model, name)), name)
        by_normal["id"] = "id"
        # Trailing empty header cells (spreadsheets keep them) are not columns.
        while cells and _is_blank(cells[-1]):
            cells = cells[:-1]
        found: dict[str, int] = {}
        unknown: list[str] = []
        ok = True
        for position, cell in enumerate(cells):
            if isinstance(cell, UnusableCell):
                self.error(1, "", f"The heading of column {position + 1}: {cell.message}")
                ok = False
                continue
            if _is_blank(cell):
                self.error(1, "", f"Column {position + 1} has no heading.")
                ok = False
                continue
            name = by_normal.get(_normal(cell))
            if name is None:
                unknown.append(str(cell).strip())
                continue
            if name in found:
                self.error(1, name, f"The column '{str(cell).strip()}' appears more than once.")
                ok = False
                continue
            found[name] = position
        expected = ", ".join(self.import_fields)
        for heading in unknown:
            self.error(
                1,
                heading,
                f"'{heading}' is not a column this import takes. The columns are: {expected} "
                "(and id, to update records).",
            )
            ok = False
        # A column that may be empty may also be left out: a new record then takes the
        # field's default, and an updated one keeps its value.
        missing = [n for n in self.import_fields if n not in found and column_required(model, n)]
        for name in missing:
            self.error(1, name, f"The column '{name}' is missing.")
            ok = False
        if not ok:
            return False
        self.id_position = found.get("id")
        for name in self.import_fields:
            if name in found:
                self.columns.append(self._column(name, found[name]))
        return True

    def _column(self, name: str, position: int) -> _Column:
        f = model_field(self.model, name)
        column = _Column(name=name, model_field=f, position=position)
        if f.many_to_one or f.one_to_one:
            related = f.related_model
            assert isinstance(related, type)
            column.related = related
            column.related_key = natural_key_of(related)
        elif not isinstance(f, models.BooleanField):
            column.formfield = f.formfield()
            if f.choices:
                for value, label in f.flatchoices:
                    column.choice_labels[str(label).strip().lower()] = value
                    column.choice_labels[str(value).strip().lower()] = value
        return column

    # values --------------------------------------------------------------------------------

    def convert(self, column: _Column, raw: Any) -> Any:
        """The cell as a Python value of the field; raises ValidationError in plain words."""
        if isinstance(raw, UnusableCell):
            raise ValidationError(raw.message)
        f = column.model_field
        value = _plain_cell(raw)
        empty = _is_blank(value)
        if column.related is not None:
            if empty and not f.blank:
                raise ValidationError(f"Enter the {thing_name(column.related)}.")
            return None if empty else self._related(column, value)
        if isinstance(f, models.BooleanField):
            if empty:
                if f.null:
                    return None
                if f.has_default():
                    return f.get_default()
                raise ValidationError("Enter true or false.")
            if isinstance(value, bool):
                return value
            if isinstance(value, int | float) and value in (0, 1):
                return bool(value)
            text = str(value).strip().lower()
            if text in _TRUE:
                return True
            if text in _FALSE:
                return False
            raise ValidationError(f"'{value}' is not true or false: use true or false, yes or no.")
        if empty:
            if not f.blank:
                raise ValidationError("This column needs a value.")
            if isinstance(f, models.CharField | models.TextField):
                return ""
            if f.null:
                return None
            if f.has_default():
                return f.get_default()
            raise ValidationError("This column needs a value.")
        if column.choice_labels:
            key = str(value).strip().lower()
            if key in column.choice_labels:
                return column.choice_labels[key]
            options = ", ".join(str(v) for v, _ in f.flatchoices)
            raise ValidationError(f"'{value}' is not one of the choices: {options}.")
        value = self._spreadsheet_value(f, value)
        assert column.formfield is not None
        return column.formfield.clean(value)

    @staticmethod
    def _spreadsheet_value(f: models.Field[Any, Any], value: Any) -> Any:
        # Excel hands over numbers as floats and dates as datetimes: make them what a person
        # typed, so a UPRN stays 100023336956 and not 100023336956.0.
        if isinstance(value, float):
            if isinstance(f, models.DecimalField | models.FloatField):
                return str(decimal.Decimal(repr(value)))
            if value.is_integer():
                return int(value)
        if isinstance(value, datetime.datetime) and type(f) is models.DateField:
            return value.date()
        if isinstance(value, int | decimal.Decimal) and isinstance(
            f, models.CharField | models.TextField
        ):
            return str(value)
        return value

    def _related(self, column: _Column, value: Any) -> Any:
        related = column.related
        assert related is not None
        key = column.related_key or "pk"
        text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
        cache_key = (column.name, text)
        if cache_key in self._lookups:
            found, spellings = self._lookups[cache_key]
        else:
            found, spellings = self._find_related(related, key, text)
            if len(self._lookups) >= _LOOKUP_CACHE_SIZE:
                self._lookups.clear()
            self._lookups[cache_key] = (found, spellings)
        described = "id" if key == "pk" else column_label(related, key)
        thing = thing_name(related)
        if not found:
            raise ValidationError(
                f"There is no {thing} with {described} '{text}' that you can use."
            )
        if spellings:
            shown = ", ".join(f"'{s}'" for s in spellings)
            raise ValidationError(
                f"'{text}' could be the {thing} with {described} {shown}: write it with the "
                "same capitals as the one you mean."
            )
        if len(found) > 1:
            raise ValidationError(f"More than one {thing} has {described} '{text}': use its id.")
        return found[0]

    def _find_related(
        self, related: type[models.Model], key: str, text: str
    ) -> tuple[list[Any], list[str]]:
        """Ids of the records, among those the person can see, whose `key` is `text` (at most
        two); and, when only capitals tell apart several that match, how each is spelled."""
        if key == "pk" and not text.isdigit():
            return [], []
        manager = related._default_manager
        if issubclass(manager.all().__class__, ScopedQuerySet):
            queryset = manager.visible_to(self.user)  # type: ignore[attr-defined]
        else:
            queryset = manager.all()
        found = list(queryset.filter(**{key: text}).values_list("pk", flat=True)[:2])
        if found or key == "pk" or not _is_text_field(model_field(related, key)):
            return found, []
        # People type "office" for the site type "Office", or "WCC" for the council "wcc", and
        # a spreadsheet's own lookups ignore capitals too. So when nothing has exactly this
        # value, one record whose value differs only in capitals is the one meant; several are
        # a choice the person must make. (The exact match is tried first because it can use
        # the column's index. On SQLite, capitals are ignored for the letters A to Z only.)
        matches = list(queryset.filter(**{f"{key}__iexact": text}).values_list("pk", key)[:5])
        if len(matches) > 1:
            return [pk for pk, _ in matches], sorted({str(v) for _, v in matches})
        return [pk for pk, _ in matches], []

    # rows ----------------------------------------------------------------------------------

    def _unique_field_sets(self) -> list[tuple[str, ...]]:
        meta = self.model._meta
        sets: list[tuple[str, ...]] = []
        for f in meta.concrete_fields:
            if f.unique and not f.primary_key:
                sets.append((f.name,))
        for together in meta.unique_together:
            sets.append(tuple(together))
        for constraint in meta.constraints:
            if (
                isinstance(constraint, models.UniqueConstraint)
                and constraint.fields
                and constraint.condition is None
                and not constraint.expressions
            ):
                sets.append(tuple(constraint.fields))
        return sets

    def _existing(self, row: int, raw: Any) -> tuple[bool, Any]:
        """The record an ``id`` cell names, among those the person may change."""
        if isinstance(raw, UnusableCell):
            self.error(row, "id", raw.message)
            return False, None
        value = _plain_cell(raw)
        if _is_blank(value):
            return True, None
        text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
        if not text.isdigit():
            self.error(row, "id", f"The id '{text}' is not a whole number. Leave it empty to add.")
            return False, None
        instance = self.model.objects.visible_to(self.user, CHANGE).filter(pk=int(text)).first()
        if instance is None:
            self.error(
                row,
                "id",
                f"There is no {thing_name(self.model)} with id {text} that you can change.",
            )
            return False, None
        # Being among the records one may change is not the whole rule: the grant table is
        # asked about the record's owners as they are now, exactly as the record's own edit
        # page asks. Shared-service staff see a former partner's records, but those are
        # read-only to everyone, and an import must not be a way round that by moving one
        # to a current council (the owners after the change are checked in _may_import).
        owners = instance.owning_partner_ids() or None
        area = self.model.area
        if self.access.can(CHANGE, area, owners) and self.access.can(IMPORT, area, owners):
            return True, instance
        thing = thing_name(self.model)
        if owners and set(owners) <= self.access.left_partner_ids:
            self.error(
                row,
                "id",
                f"The {thing} with id {text} belongs to a council that has left the "
                "partnership: its records are read-only.",
            )
        else:
            self.error(row, "id", f"You may not change the {thing} with id {text}.")
        return False, None

    def process_row(self, row: int, cells: list[Any]) -> None:
        model = self.model
        width = max(
            [c.position for c in self.columns] + [self.id_position or 0]
        )  # the rightmost column
        if any(not _is_blank(c) for c in cells[width + 1 :]):
            self.error(row, "", "This row has more cells than the header has columns.")
        instance = None
        if self.id_position is not None and self.id_position < len(cells):
            ok, instance = self._existing(row, cells[self.id_position])
            if not ok:
                return
        creating = instance is None
        if instance is None:
            instance = model()
        bad_fields: set[str] = set()
        row_ok = True
        for column in self.columns:
            raw = cells[column.position] if column.position < len(cells) else None
            try:
                value = self.convert(column, raw)
            except ValidationError as exc:
                for message in _unique_messages(exc.messages):
                    self.error(row, column.name, message)
                bad_fields.add(column.name)
                row_ok = False
                continue
            setattr(instance, column.model_field.attname, value)
        if not self._may_import(row, instance, creating, bad_fields):
            return
        repeated = self._repeats(row, instance, cells, bad_fields)
        exclude = bad_fields | {f.name for f in model._meta.fields if not f.editable}
        problems: list[tuple[str, str]] = []
        for check in ("fields", "unique", "constraints"):
            if check != "fields" and repeated:
                continue
            try:
                if check == "fields":
                    instance.full_clean(
                        exclude=exclude, validate_unique=False, validate_constraints=False
                    )
                elif check == "unique":
                    instance.validate_unique(exclude=exclude)
                else:
                    instance.validate_constraints(exclude=exclude)
            except ValidationError as exc:
                problems.extend(self._explain(instance, exc, cells))
        for column_name, message in dict.fromkeys(problems):
            self.error(row, column_name, message)
            row_ok = False
        if repeated:
            row_ok = False
        if not row_ok or self.failed or self.dry_run:
            # Nothing is written once any row has failed: the whole import will be undone.
            if row_ok:
                self._count(creating)
            return
        self._save(row, instance, creating)

    def _explain(
        self, instance: Any, exc: ValidationError, cells: list[Any]
    ) -> Iterator[tuple[str, str]]:
        """(column, message) for each problem the model found, in a person's words."""
        by_name = {c.name: c for c in self.columns}
        for key, errors in exc.error_dict.items():
            for error in errors:
                params = error.params or {}
                check = params.get("unique_check") if isinstance(params, dict) else None
                if error.code in ("unique", "unique_together") and check:
                    shown = []
                    for name in check:
                        value = getattr(instance, model_field(self.model, name).attname)
                        col = by_name.get(name)
                        if col is not None and col.position < len(cells):
                            value = _plain_cell(cells[col.position])
                        shown.append(f"{column_label(self.model, name)} '{value}'")
                    column = next((n for n in reversed(check) if n in by_name), "")
                    thing = thing_name(self.model)
                    yield column, f"There is already a {thing} with {' and '.join(shown)}."
                    continue
                for message in error.messages:
                    if key == NON_FIELD_ERRORS:
                        yield "", message
                    elif key in self.import_fields:
                        yield key, message
                    else:
                        yield "", f"{column_label(self.model, key)}: {message}"

    def _count(self, creating: bool) -> None:
        if creating:
            self.created += 1
        else:
            self.updated += 1

    def _may_import(self, row: int, instance: Any, creating: bool, bad: set[str]) -> bool:
        """The owning council must be one where the person may import (and add or change)."""
        if "partner" in bad:
            return True  # already reported: the council could not be read
        try:
            owners = instance.owning_partner_ids()
        except TypeError:
            owners = []
        area = self.model.area
        action = ADD if creating else CHANGE
        if self.access.can(IMPORT, area, owners or None) and self.access.can(
            action, area, owners or None
        ):
            return True
        plural = self.model._meta.verbose_name_plural
        partner = getattr(instance, "partner", None) if owners else None
        if partner is not None and "partner" in self.import_fields:
            self.error(row, "partner", f"You may not import {plural} for {partner}.")
        else:
            self.error(row, "", f"You may not import {plural}.")
        return False

    def _repeats(self, row: int, instance: Any, cells: list[Any], bad: set[str]) -> bool:
        """Has an earlier row of this file the same id, or the same value of a unique field?"""
        repeated = False
        if instance.pk is not None:
            key = (-1, (instance.pk,))
            if key in self._seen:
                self.error(row, "id", f"Row {self._seen[key]} of this file has the same id.")
                repeated = True
            else:
                self._seen[key] = row
        by_name = {c.name: c for c in self.columns}
        for index, names in enumerate(self._unique_sets):
            if any(name in bad for name in names):
                continue
            values = tuple(getattr(instance, model_field(self.model, n).attname) for n in names)
            if any(v is None or v == "" for v in values):
                continue
            key = (index, values)
            first = self._seen.get(key)
            if first is None:
                self._seen[key] = row
                continue
            shown = []
            for name, value in zip(names, values, strict=True):
                col = by_name.get(name)
                if col is not None and col.position < len(cells):
                    value = _plain_cell(cells[col.position])
                shown.append(f"{column_label(self.model, name)} '{value}'")
            column = next((n for n in reversed(names) if n in by_name), "")
            self.error(row, column, f"Row {first} of this file has the same {' and '.join(shown)}.")
            repeated = True
        return repeated

    def _save(self, row: int, instance: Any, creating: bool) -> None:
        try:
            # A savepoint per row, so that a clash only the database sees (two people importing
            # at once) is reported against its row instead of breaking the transaction.
            with transaction.atomic():
                instance.save()
                if getattr(self.model, "ownership", "partner") not in ("partner", "catalogue"):
                    # Who owns it is not a column here: make sure its author can still see it.
                    visible = self.model.objects.visible_to(self.user).filter(pk=instance.pk)
                    if not visible.exists():
                        raise _Invisible
        except _Invisible:
            self.error(row, "", "You would not be able to see this record after the import.")
            return
        except DatabaseError:
            self.error(
                row, "", "This row could not be saved: it clashes with a record already stored."
            )
            return
        self._count(creating)

    # run -----------------------------------------------------------------------------------

    def run(self, fileobj: IO[bytes], filename: str) -> tuple[int, bool]:
        """Read and validate (and, unless a dry run, save) every row. Returns (rows, header ok)."""
        if check_file(fileobj, filename) == ".csv":
            # Once, rather than on each of the two reads below.
            self.encoding = csv_encoding(fileobj)
        total = count_rows(fileobj, filename, self.encoding)
        rows = read_rows(fileobj, filename, self.encoding)
        header = next(rows, None)
        if header is None:
            raise ImportFileError("The file has no header row and no data.")
        if not self.read_header(list(header[1])):
            return total, False
        if total == 0:
            raise ImportFileError("The file has a header row but no rows of data.")
        done = 0
        if self.progress:
            self.progress(0, total)
        for number, cells in rows:
            self.process_row(number, list(cells))
            done += 1
            if self.progress and done % PROGRESS_EVERY == 0:
                self.progress(done, total)
        if self.progress:
            self.progress(done, total)
        return total, True


class _Invisible(Exception):
    """A saved record its author could no longer see."""


def _is_text_field(f: models.Field[Any, Any]) -> bool:
    return isinstance(f, models.CharField | models.TextField)


def _unique_messages(messages: list[str]) -> list[str]:
    # A model field and its form field both check a length: say it once.
    return list(dict.fromkeys(messages))


def importable(model: type[models.Model]) -> TypeGuard[type[ConcordModel]]:
    """True when `model` is a Concord record that declares import fields."""
    return issubclass(model, ConcordModel) and bool(model.import_fields)


def import_records(
    model: type[models.Model],
    fileobj: IO[bytes],
    filename: str,
    user: Any,
    *,
    dry_run: bool,
    progress: ProgressCallback | None = None,
) -> ImportResult:
    """Import the rows of a CSV or XLSX file as records of `model`, on behalf of `user`.

    A dry run validates every row and changes nothing. A commit writes every row in one
    transaction, and only if no row has a problem; the change log records each created or
    updated record under `user`, labelled ``import:<filename>``. Problems with the file itself
    (empty, too big, not CSV or XLSX) come back as one error on row 0, unless they are in one
    row (a character that cannot be read, a quote never closed); problems with the header on
    row 1. Never raises for anything in the file.
    """
    if not importable(model):
        return ImportResult(
            0,
            0,
            0,
            [RowError(0, "", f"{model._meta.verbose_name_plural} cannot be imported.")],
            dry_run,
        )
    importer = _Importer(
        cast("type[ConcordModel]", model), user, dry_run=dry_run, progress=progress
    )
    label = f"import:{os.path.basename(filename or 'upload')}"[:200]
    total = 0
    try:
        if dry_run:
            total, _ok = importer.run(fileobj, filename)
        else:
            with acting_as(user, label=label), transaction.atomic():
                total, _ok = importer.run(fileobj, filename)
                if importer.failed:
                    # Whole or not at all: one bad row undoes every row written before it.
                    transaction.set_rollback(True)
    except ImportFileError as exc:
        importer.errors.insert(0, RowError(exc.row, "", exc.message))
        importer.failed = True
    created, updated = importer.created, importer.updated
    if importer.failed and not dry_run:
        created = updated = 0
    return ImportResult(
        total_rows=total,
        created=created,
        updated=updated,
        errors=sorted(importer.errors, key=lambda e: e.row),
        dry_run=dry_run,
        more_errors=importer.more_errors,
        encoding=(
            importer.encoding.name
            if importer.encoding is not None and not importer.encoding.problem
            else ""
        ),
    )
