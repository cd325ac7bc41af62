"""Reading an import's file: its bytes become a stream of rows of cells, the header first.

A CSV file is read in UTF-8 (with or without Excel's byte-order mark) or, when it is not
UTF-8, Windows-1252 (`csv_encoding` decides, reading the file once); its delimiter is a
comma, or a semicolon when its header line has more of those; a quote left open, a byte that
cannot be read or a NUL is refused with the row it is on. An Excel workbook's first sheet is
read by `core.importing.workbook`, with each formula's saved value; a cell with an error or a
formula with no saved value becomes an `UnusableCell`, reported on its row and column like any
bad value. `read_rows` numbers the rows as the spreadsheet does (the header is row 1), skips
blank ones and holds both formats to the import's limits (`core.importing.limits`): rows of
data, row numbers, columns, a cell's length, and for CSV a record's length, each checked as it
is read, before the work grows with it; `count_rows` counts the rows of data.

Not here: whether the file is taken at all (`core.importing.files`, which `read_rows` asks
first), sizing a file up without reading it (`core.importing.sizing`), what the header's
columns and the cells mean (`core.importing.columns`, `core.importing.values`).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import IO, Any

from core.importing import limits
from core.importing.cells import UnusableCell, within_length
from core.importing.files import ImportFileError, check_file
from core.importing.workbook import xlsx_records

__all__ = ["UnusableCell", "count_rows", "csv_encoding", "is_blank", "read_rows"]

# How much of the start of a CSV file its header line is looked for in.
_SNIFF_BYTES = 64 * 1024
# Bytes read at a time when choosing a CSV file's encoding.
_CHUNK_BYTES = 1024 * 1024
#: The encodings a CSV file is read in (`csv_encoding`), as an import's result names them.
UTF8 = "utf-8"
WINDOWS_1252 = "windows-1252"
ENCODING_NAMES = {UTF8: "UTF-8", WINDOWS_1252: "Windows-1252"}
#: Why a CSV file cannot be read: UTF-8 up to a byte that is not; or neither encoding.
MIXED = "mixed"
UNKNOWN = "unknown"
_UNDEFINED_IN_1252 = re.compile(b"[\x81\x8d\x8f\x90\x9d]")


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
        if chunk.isascii() and not decoder.getstate()[0]:
            continue  # plain ASCII with no character cut short before it: valid either way
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


class _RecordTooLong(Exception):
    """One CSV record ran past `limits.MAX_RECORD_CHARS`."""


class _Budget:
    """The characters of the CSV record being read so far."""

    used = 0


def _bounded_lines(text: IO[str], budget: _Budget) -> Iterator[str]:
    """The text's lines for the csv reader, each read no further than a record may reach, so
    that a line of 50 MB with no line end is refused having read a megabyte of it."""
    while line := text.readline(limits.MAX_RECORD_CHARS + 1):
        budget.used += len(line)
        if budget.used > limits.MAX_RECORD_CHARS:
            raise _RecordTooLong
        yield line


def _within_limits(count: int, record: list[str]) -> list[Any]:
    """The record held to the limits on row numbers, columns and a cell's length."""
    if count > limits.MAX_ROW_NUMBER:
        raise ImportFileError(limits.row_number_too_big(count), row=count)
    if len(record) > limits.MAX_COLUMNS:
        beyond = next(
            (i for i, cell in enumerate(record) if i >= limits.MAX_COLUMNS and cell.strip()),
            None,
        )
        if beyond is not None:
            raise ImportFileError(limits.too_many_columns(count, beyond + 1), row=count)
        record = record[: limits.MAX_COLUMNS]  # empty cells after the last column: nothing
    if max(map(len, record), default=0) > limits.MAX_CELL_CHARS:
        return [within_length(cell) for cell in record]
    return record


def _csv_records(fileobj: IO[bytes], encoding: TextEncoding) -> Generator[tuple[int, list[Any]]]:
    """The CSV's records as (row number, cells of text), decoded as `encoding` says."""
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
    budget = _Budget()
    # Strict, so that a quote left open is an error instead of the rest of the file quietly
    # becoming one cell (the lenient reader returns whatever it gathered when the file ends).
    reader = csv.reader(_bounded_lines(text, budget), delimiter=delimiter, strict=True)
    count = 1
    first_line = 1  # the file's line (not row) where the record being read starts
    look = encoding.problem or encoding.has_nul
    try:
        for record in reader:
            budget.used = 0
            if look:
                _check_characters(count, record, encoding)
            yield count, _within_limits(count, record)
            count += 1
            first_line = reader.line_num + 1
    except csv.Error as exc:
        # The record being read when the reader gave up began on row `count`: for a quote
        # left open, that is the row where the quoted cell starts.
        several_lines = reader.line_num > first_line
        raise ImportFileError(
            _csv_problem(count, str(exc), delimiter, several_lines), row=count
        ) from exc
    except _RecordTooLong:
        raise ImportFileError(
            f"Row {count:,} is longer than {limits.MAX_RECORD_CHARS:,} characters, more than "
            f"an import reads in one row (a cell holds at most {limits.MAX_CELL_CHARS:,}). If "
            'a quote (") in it is never closed, so that the lines after it run into it, add '
            "the missing quote or remove the stray one.",
            row=count,
        ) from None

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


#: What a note before the header starts with: the row is skipped (`is_comment`).
COMMENT = "#"


def is_comment(cells: list[Any]) -> bool:
    """A row before the header whose first cell starts with #: a note for people (an import
    template's description of its columns), never read as the header or as data."""
    first = cells[0] if cells else None
    return isinstance(first, str) and first.lstrip().startswith(COMMENT)


def is_blank(value: Any) -> bool:
    """An empty cell: nothing in it, or only spaces."""
    return value is None or (isinstance(value, str) and not value.strip())


def read_rows(
    fileobj: IO[bytes], filename: str, encoding: TextEncoding | None = None
) -> Generator[tuple[int, list[Any]]]:
    """Every record of the file as (spreadsheet row number, cells), the header first (row 1).

    Wholly blank rows are skipped (their numbers are not reused, so later rows keep the
    numbers the person sees), as are rows before the header whose first cell starts with #
    (`is_comment`: the notes of an import template). A CSV file is decoded as `encoding`
    says (worked out from the file when not given). Raises ImportFileError for a file that
    cannot be read, or once it goes past one of the import's limits (`core.importing.limits`).
    """
    extension = check_file(fileobj, filename)
    if extension == ".csv":
        records = _csv_records(fileobj, encoding or csv_encoding(fileobj))
    else:
        records = xlsx_records(fileobj)
    most = limits.max_rows()
    data_rows = -1  # the first row is the header
    try:
        for number, cells in records:
            if all(is_blank(c) for c in cells):
                continue
            if data_rows < 0 and is_comment(cells):
                continue  # a note before the header (an import template's help)
            data_rows += 1
            if data_rows > most:
                raise ImportFileError(limits.too_many_rows(number), row=number)
            yield number, cells
    finally:
        records.close()  # a workbook left part-read is closed now, not when collected


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
