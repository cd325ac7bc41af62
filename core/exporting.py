"""Exports of lists as CSV and XLSX, streamed so that memory stays flat as the data grows.

The rows come from a queryset the caller has already scoped (``visible_to(user, "export")`` for a
list export, ``owned_by(partner)`` for a partner export). Columns are the model's
``export_fields()``; a foreign key is written as the related record's ``natural_key`` value (a
partner's code, a site type's name, a person's username) so that the file can be read back by an
import, or by a person, without ids that mean nothing outside this database.
"""

from __future__ import annotations

import csv
import datetime
import decimal
import json
import re
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.db import models
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone

#: Rows fetched from the database at a time: large enough to be quick, small enough to be flat.
CHUNK_SIZE = 2000

#: The formats a list export is offered in, as a request names them (``?format=``).
EXPORT_FORMATS = ("csv", "xlsx")
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: What a workbook cannot hold: the control characters XML 1.0 refuses (all below U+0020 but
#: tab, line feed and carriage return) and halves of surrogate pairs. openpyxl refuses a cell
#: holding one, and so would fail the whole export; text stored before the text rule
#: (core.tenancy.validators) may hold them.
XLSX_UNWRITABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
#: What stands in for such a character in a workbook: the replacement character, which says
#: something was there.
REPLACEMENT = "\ufffd"

# A spreadsheet treats a cell that starts with one of these as a formula ("CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def natural_key_of(model: type[models.Model]) -> str | None:
    """The field that names a record of `model` in files, or None (then its id is used)."""
    key = getattr(model, "natural_key", None)
    if isinstance(key, str) and key:
        return key
    if model._meta.label == settings.AUTH_USER_MODEL:
        return str(getattr(model, "USERNAME_FIELD", "username"))
    return None


@dataclass(frozen=True)
class Column:
    """One column of an export: its header and the lookup that reads its value."""

    header: str
    lookup: str


def export_columns(model: type[models.Model], fields: Iterable[str] | None = None) -> list[Column]:
    """The columns of `model`'s exports, with foreign keys read as their natural key."""
    names = list(fields) if fields is not None else list(model.export_fields())  # type: ignore[attr-defined]
    columns: list[Column] = []
    for name in names:
        try:
            field = model._meta.get_field(name)
        except Exception:  # a lookup across a relation, e.g. "user__email"
            columns.append(Column(name, name))
            continue
        if field.many_to_one or field.one_to_one:
            related = field.related_model
            key = natural_key_of(related) if isinstance(related, type) else None
            lookup = f"{name}__{key}" if key else field.attname  # type: ignore[union-attr]
            columns.append(Column(name, lookup))
        else:
            columns.append(Column(name, name))
    return columns


def plain_value(value: Any) -> Any:
    """A value as files carry it: ISO dates and times, Decimal kept exact, UUIDs as text, a
    JSON field's object or list as it is (a JSON line keeps it; a cell writes it as JSON text)."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.UTC)
        return value.isoformat()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def guard_formula(value: str) -> str:
    """Prefix text a spreadsheet would run as a formula with an apostrophe."""
    if value and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def unguard_formula(value: str) -> str:
    """Text as it was before `guard_formula`: an import reads an export's cells back."""
    if len(value) > 1 and value[0] == "'" and value[1] in FORMULA_PREFIXES:
        return value[1:]
    return value


def json_text(value: Any) -> Any:
    """A JSON field's object or list as JSON text, for a cell (a request's answers)."""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return value


def csv_cell(value: Any) -> str:
    """A value as one CSV cell: text guarded against formulas, booleans as true/false, a JSON
    field's object or list as JSON text."""
    value = json_text(plain_value(value))
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return guard_formula(value)
    return str(value)


def xlsx_text(value: str) -> str:
    """Text a workbook can hold: each character it cannot (a control character) replaced by
    U+FFFD, so that an export of anything stored succeeds and shows where something was."""
    return XLSX_UNWRITABLE.sub(REPLACEMENT, value)


def xlsx_cell(value: Any) -> Any:
    """A value as one spreadsheet cell: numbers stay numbers, text is made writable and
    guarded, a JSON field's object or list as JSON text."""
    value = json_text(plain_value(value))
    if isinstance(value, str):
        return guard_formula(xlsx_text(value))
    if isinstance(value, decimal.Decimal):
        return value
    return value


def iter_rows(queryset: models.QuerySet[Any], columns: list[Column]) -> Iterator[tuple[Any, ...]]:
    """The rows of `queryset` as tuples of raw values, fetched in chunks (never all at once)."""
    lookups = [c.lookup for c in columns]
    return queryset.values_list(*lookups).iterator(chunk_size=CHUNK_SIZE)


class _Echo:
    """A file-like object whose write returns what it was given: csv.writer into a generator."""

    def write(self, value: str) -> str:
        return value


def csv_chunks(
    queryset: models.QuerySet[Any], columns: list[Column], *, bom: bool = True
) -> Iterator[bytes]:
    """The export as CSV bytes, a block of rows at a time (for a streaming response).

    A UTF-8 byte order mark comes first so that Excel reads accents and pound signs right.
    """
    writer = csv.writer(_Echo())
    head = writer.writerow([c.header for c in columns])
    yield (("\ufeff" if bom else "") + head).encode("utf-8")
    buffer: list[str] = []
    for row in iter_rows(queryset, columns):
        buffer.append(writer.writerow([csv_cell(v) for v in row]))
        if len(buffer) >= 500:
            yield "".join(buffer).encode("utf-8")
            buffer.clear()
    if buffer:
        yield "".join(buffer).encode("utf-8")


def write_xlsx(
    queryset: models.QuerySet[Any], columns: list[Column], out: IO[bytes], title: str = "Export"
) -> None:
    """Write the export as an XLSX workbook to `out`, row by row (openpyxl's write-only mode)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(title))
    sheet.append([xlsx_text(c.header) for c in columns])
    for row in iter_rows(queryset, columns):
        sheet.append([xlsx_cell(v) for v in row])
    workbook.save(out)


def xlsx_tempfile(
    queryset: models.QuerySet[Any], columns: list[Column], title: str = "Export"
) -> IO[bytes]:
    """The export as an XLSX workbook in a temporary file, rewound, ready to stream.

    The file disappears when closed (a FileResponse closes it when the download ends).
    """
    out = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - closed by the response
    try:
        write_xlsx(queryset, columns, out, title=title)
        out.seek(0)
    except BaseException:
        out.close()
        raise
    return out


def _sheet_title(title: str) -> str:
    # Excel refuses sheet titles over 31 characters or with any of []:*?/\
    cleaned = "".join(ch for ch in title if ch not in "[]:*?/\\").strip()
    return (cleaned or "Export")[:31]


def export_response(
    model: type[models.Model], queryset: models.QuerySet[Any], fmt: str
) -> StreamingHttpResponse:
    """`queryset` (already scoped, filtered and sorted by the caller) as a CSV or XLSX download.

    Both formats stream: the CSV is written a block of rows at a time as the client reads it;
    the workbook is written row by row to a temporary file first (a zip cannot be sent before
    it is finished) and then sent from disk. The list page's export and the API's export both
    answer with this, so that a file looks the same whichever way it was asked for.
    """
    columns = export_columns(model)
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    name = str(model._meta.verbose_name_plural).replace(" ", "-").lower()
    filename = f"{name}-{stamp}.{fmt}"
    response: StreamingHttpResponse
    if fmt == "csv":
        response = StreamingHttpResponse(
            csv_chunks(queryset, columns), content_type=CSV_CONTENT_TYPE
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    elif fmt == "xlsx":
        out = xlsx_tempfile(queryset, columns, title=str(model._meta.verbose_name_plural))
        response = FileResponse(
            out, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE
        )
    else:
        raise ValueError(f"unknown export format {fmt!r}")
    # An export is a snapshot of records the person may see: no shared cache should keep it.
    response["Cache-Control"] = "no-store"
    return response
