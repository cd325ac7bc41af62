"""Files from other tools (an inventory system's export) imported as a model's own records.

A model's app may register formats it also takes (`register`), each of which turns such a
file into rows in the model's own import columns. `import_records` (and the page, the API,
the command and background jobs through it) then takes either file: a CSV whose header is not
the model's own but is a registered format's, or a file of a kind only a format reads (a JSON
inventory), is converted first and imported like any other, row by row, all or nothing. The
problems found are reported against the tool's own column names (`ForeignFormat.columns`).

Core never names an app: apps register their formats when they are ready.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from core.importing.files import ImportFileError

#: A converter: (the file, its name, the importing person) -> rows, the first the header in
#: the model's import columns; raises ImportFileError for a file it cannot read.
Converter = Callable[[IO[bytes], str, Any], Iterable[list[Any]]]


class SourceRow(list[Any]):
    """A converted row that says where in the tool's file it came from ("Release
    ocds-b5fd17-wcc-42"): each problem found on it names that, as well as the row."""

    def __init__(self, cells: Iterable[Any], source: str) -> None:
        super().__init__(cells)
        self.source = source


@dataclass(frozen=True)
class ForeignFormat:
    """A file format of another tool that becomes a model's records."""

    #: A short key (``snipeit``) and what people call it ("Snipe-IT asset export").
    key: str
    label: str
    convert: Converter
    #: File extensions only this format reads (``.json``); a CSV format leaves it empty.
    extensions: tuple[str, ...] = ()
    #: For a CSV format: headings (lower case) that must all be in the header for it to be
    #: this format's (checked only when the header is not the model's own).
    signature: tuple[str, ...] = ()
    #: The tool's column each of the model's columns comes from, for the problems found.
    columns: dict[str, str] = field(default_factory=dict)


_FORMATS: dict[str, list[ForeignFormat]] = {}


def register(model: Any, fmt: ForeignFormat) -> None:
    """Let imports of `model` take files of `fmt` (once per key)."""
    found = _FORMATS.setdefault(model._meta.label, [])
    if all(f.key != fmt.key for f in found):
        found.append(fmt)


def formats_of(model: Any) -> list[ForeignFormat]:
    """The formats registered for `model`."""
    return list(_FORMATS.get(model._meta.label, []))


def claimed_extension(model: Any, filename: str) -> ForeignFormat | None:
    """The format that alone reads files named like `filename` (a .json inventory)."""
    extension = os.path.splitext(filename or "")[1].lower()
    return next((f for f in formats_of(model) if extension in f.extensions), None)


def _csv_header(fileobj: IO[bytes]) -> list[str]:
    start = fileobj.tell()
    head = fileobj.read(64 * 1024)
    fileobj.seek(start)
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = head.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        return []
    lines = text.splitlines()
    if not lines:
        return []
    try:
        return next(csv.reader([lines[0]]))
    except csv.Error:
        return []


def detect(model: Any, fileobj: IO[bytes], filename: str) -> ForeignFormat | None:
    """The registered format `fileobj` is in, or None when it is the model's own (or
    nobody's)."""
    formats = formats_of(model)
    if not formats:
        return None
    claimed = claimed_extension(model, filename)
    if claimed is not None:
        return claimed
    if os.path.splitext(filename or "")[1].lower() != ".csv":
        return None
    header = _csv_header(fileobj)
    from core.importing.columns import match_header

    _, problems = match_header(model, list(header), tuple(getattr(model, "import_fields", ())))
    if not problems:
        return None  # the model's own columns
    names = {h.strip().lower() for h in header}
    for fmt in formats:
        if fmt.signature and set(fmt.signature) <= names:
            return fmt
    return None


def convert(
    fmt: ForeignFormat, fileobj: IO[bytes], filename: str, user: Any
) -> tuple[IO[bytes], str]:
    """The file as a CSV of the model's own columns (in memory), and its new name."""
    converted, name, _sources = convert_with_sources(fmt, fileobj, filename, user)
    return converted, name


def convert_with_sources(
    fmt: ForeignFormat, fileobj: IO[bytes], filename: str, user: Any
) -> tuple[IO[bytes], str, dict[int, str]]:
    """`convert`, and where each converted row came from in the tool's file (by the row's
    number in the converted file, the header being row 1), for the rows that say
    (`SourceRow`)."""
    from django.conf import settings

    from core.importing.files import file_size

    limit = settings.CONCORD_IMPORT_MAX_BYTES
    if file_size(fileobj) > limit:
        raise ImportFileError(f"The file is too big: the most an import takes is {limit:,} bytes.")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    rows = 0
    sources: dict[int, str] = {}
    for row in fmt.convert(fileobj, filename, user):
        writer.writerow(["" if cell is None else cell for cell in row])
        rows += 1
        source = getattr(row, "source", "")
        if source:
            sources[rows] = source
    if rows == 0:
        raise ImportFileError(f"The file has nothing to import as a {fmt.label}.")
    name = os.path.splitext(os.path.basename(filename or "upload"))[0]
    return io.BytesIO(buffer.getvalue().encode("utf-8")), f"{name}.csv", sources
