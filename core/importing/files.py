"""Which files an import takes at all, decided before a row is read.

A CSV file (.csv) or an Excel workbook (.xlsx), not empty, no bigger than
``CONCORD_IMPORT_MAX_BYTES``, and really what its name says (not binary data named .csv, not a
workbook named .csv, nor something else named .xlsx). A workbook is a zip: its directory (read
from the end of the file, before anything is unzipped) must list no more parts than a workbook
has, holding no more than ``CONCORD_IMPORT_MAX_UNCOMPRESSED_BYTES`` unzipped, and the parts
read whole no more than `limits.MAX_WHOLE_PARTS_BYTES` (a zip bomb is refused by what it says
it holds; Python's zip reader never unzips more than a part says it holds). `check_file` says
so, or raises `ImportFileError`, the error every part of an import raises for a file it cannot
take. Every check reads the file from its start, wherever the reader before it left it.

Not here: how the rows are read (`core.importing.reading`), how many rows a file holds
(`core.importing.sizing`), what the rows mean (`core.importing.records`).
"""

from __future__ import annotations

import os
import struct
import zipfile
from typing import IO

from django.conf import settings

from core.importing import limits

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
    if extension == ".xlsx":
        check_workbook_zip(fileobj, size)
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


#: Parts of a workbook that are read whole (the rest are streamed, or never read at all).
_WHOLE_PARTS = ("[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels")
_WHOLE_PART_SUFFIXES = ("sharedStrings.xml", "styles.xml")
# The end of a zip's central directory: its signature and fixed part (22 bytes), and the
# longest comment that may follow it.
_END_OF_DIRECTORY = b"PK\x05\x06"
_END_OF_DIRECTORY_BYTES = 22
_MAX_COMMENT_BYTES = 0xFFFF
# A part's entry in the directory: 46 bytes and its name, extra field and comment.
_MAX_DIRECTORY_ENTRY_BYTES = 46 + 3 * 0xFFFF


def check_workbook_zip(fileobj: IO[bytes], size: int) -> None:
    """Refuse a workbook whose zip has too many parts or unzips to too much, before any part
    is unzipped: from the directory's end record (how many parts), then the directory itself
    (what each part holds unzipped)."""
    fileobj.seek(max(0, size - _END_OF_DIRECTORY_BYTES - _MAX_COMMENT_BYTES))
    tail = fileobj.read()
    fileobj.seek(0)
    at = tail.rfind(_END_OF_DIRECTORY)
    if at < 0 or len(tail) - at < _END_OF_DIRECTORY_BYTES:
        raise ImportFileError(_DAMAGED)
    parts, directory_bytes = struct.unpack("<HI", tail[at + 10 : at + 16])
    if parts > limits.MAX_ZIP_PARTS or directory_bytes > (
        limits.MAX_ZIP_PARTS * _MAX_DIRECTORY_ENTRY_BYTES
    ):
        raise ImportFileError(
            f"This workbook is made of {parts:,} parts; a workbook of data has a few dozen, "
            f"and an import takes at most {limits.MAX_ZIP_PARTS:,}. Save the data in a new "
            "workbook, or as CSV UTF-8."
        )
    try:
        with zipfile.ZipFile(fileobj) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, struct.error) as exc:
        raise ImportFileError(_DAMAGED) from exc
    finally:
        fileobj.seek(0)
    if len(infos) > limits.MAX_ZIP_PARTS:  # a zip64 directory says more than its end record
        raise ImportFileError(_DAMAGED)
    unzipped = sum(info.file_size for info in infos)
    if unzipped > limits.max_uncompressed_bytes():
        raise ImportFileError(
            f"This workbook holds {limits.size_text(unzipped)} once unzipped: an import takes "
            f"at most {limits.size_text(limits.max_uncompressed_bytes())}. Split it into "
            "smaller files, or save it as CSV UTF-8."
        )
    whole = sum(
        info.file_size
        for info in infos
        if info.filename in _WHOLE_PARTS or info.filename.endswith(_WHOLE_PART_SUFFIXES)
    )
    if whole > limits.MAX_WHOLE_PARTS_BYTES:
        raise ImportFileError(
            f"This workbook's shared texts and styles hold {limits.size_text(whole)} once "
            f"unzipped: an import takes at most {limits.size_text(limits.MAX_WHOLE_PARTS_BYTES)} "
            "of them. Copy the data into a new workbook, or save it as CSV UTF-8."
        )


_DAMAGED = (
    "This Excel workbook cannot be read: it may be damaged or protected with a password. "
    "Save it again from Excel as an Excel workbook (.xlsx)."
)


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
