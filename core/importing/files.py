"""Which files an import takes at all, decided before a row is read.

A CSV file (.csv) or an Excel workbook (.xlsx), not empty, no bigger than
``CONCORD_IMPORT_MAX_BYTES``, and really what its name says (not binary data named .csv, not a
workbook named .csv, nor something else named .xlsx). `check_file` says so, or raises
`ImportFileError`, the error every part of an import raises for a file it cannot take.

Not here: how the rows are read (`core.importing.reading`), how many rows a file holds
(`core.importing.sizing`), what the rows mean (`core.importing.records`).
"""

from __future__ import annotations

import os
from typing import IO

from django.conf import settings

EXTENSIONS = (".csv", ".xlsx")
# How much of the start of a file is looked at for what kind of file it is.
_SNIFF_BYTES = 64 * 1024


class ImportFileError(Exception):
    """The file cannot be read: empty, too big, not CSV or XLSX, text that cannot be decoded,
    a quote never closed (`row` then says where)."""

    def __init__(self, message: str, row: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.row = row


def file_size(fileobj: IO[bytes]) -> int:
    """The file's size in bytes, without reading it; the file is left at its start."""
    known = getattr(fileobj, "size", None)  # an upload knows it (core.uploads relies on it)
    if isinstance(known, int):
        fileobj.seek(0)
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
    size = file_size(fileobj)
    if size == 0:
        raise ImportFileError("The file is empty.")
    limit = int(settings.CONCORD_IMPORT_MAX_BYTES)
    if size > limit:
        raise ImportFileError(
            f"The file is {_size_text(size, up=True)}; it must be no bigger than "
            f"{_size_text(limit, up=False)}. Split it into smaller files."
        )
    head = read_head(fileobj, _SNIFF_BYTES)
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


def read_head(fileobj: IO[bytes], size: int) -> bytes:
    """The first `size` bytes of the file, wherever an earlier reader left it; the file is left
    at its start again.

    Every check and reader of an import starts from the file's first byte: a reader that went
    before (counting the rows, opening a workbook's zip at its end) leaves the position
    anywhere, and a check reading from there would judge the wrong bytes (a workbook whose
    sheet is the last part of its zip was refused as "not an Excel workbook").
    """
    fileobj.seek(0)
    head = fileobj.read(size)
    fileobj.seek(0)
    return head


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
