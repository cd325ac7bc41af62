"""An import's templates: a CSV file and an Excel workbook to fill in, each carrying its help.

Both come from the model's declarations (`core.importing.columns.describe_columns`: its import
fields, their help texts, choices, kinds, and the model's ``import_example``), so every
importable model gets them, and the import page lists the same columns.

- The CSV template starts with notes, rows whose first cell starts with #: what the file is,
  each column (what it means, whether a row needs it, what it takes, an example) and an
  example row. The import skips such rows before the header (`core.importing.reading
  .is_comment`), so the file can be filled in below its header and uploaded as it is.
- The workbook's first sheet (the one imported) has the header alone; a second sheet, "Help",
  describes each column and gives an example row under the same headings. The import reads
  only the first sheet.

Not here: reading files (`core.importing.reading`), the page (`core.views.data.ImportView`).
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django.db import models

from core.importing.columns import column_label, default_owner, describe_columns, owner_column
from core.importing.reading import COMMENT

#: What the templates say about the notes and the formats, for every model.
FORMATS = (
    "Dates are written YYYY-MM-DD (2026-04-01), or as date cells of a spreadsheet. "
    "Yes/no columns take yes or no (true or false also work). A column a row need not give "
    "may be left empty, or out of the file."
)


def _intro(model: type[models.Model], user: Any, *, notes: bool) -> list[str]:
    plural = model._meta.verbose_name_plural
    where = (
        f"Rows before the header that start with {COMMENT} are notes the import skips: keep "
        "them or delete them."
        if notes
        else "Only the first sheet is imported: this one is help."
    )
    lines = [
        f"Import {plural}: one {model._meta.verbose_name} a row, under the header row. {where}",
        FORMATS,
        "To change records you already have, add an id column with their ids (as in a "
        "download of the list); leave it empty to add a new one.",
    ]
    matches = [
        " and ".join(column_label(model, name) for name in names)
        for names in (
            (entry,) if isinstance(entry, str) else tuple(entry)
            for entry in getattr(model, "import_match_fields", ())
        )
        if all(name in getattr(model, "import_fields", ()) for name in names)
    ]
    if matches:
        lines.append(
            "A row without an id updates the record you may change that has its "
            f"{' or, failing that, its '.join(matches)}, instead of adding another."
        )
    owner, default = owner_column(model), default_owner(model, user)
    if owner and default is not None:
        lines.append(
            f"The {owner} column may be left empty, or out of the file: your {plural} are "
            f"for {default.code} ({default.name})."
        )
    elif owner:
        lines.append(
            f"Every row must name its council in the {owner} column: you may import for "
            "more than one council."
        )
    return lines


def _example_row(columns: list[dict[str, Any]]) -> list[str]:
    return [column["example"] for column in columns]


def template_csv(model: type[models.Model], user: Any) -> bytes:
    """The CSV template: notes (each starting with #), then the header row; UTF-8 with the
    byte-order mark Excel needs to read it as UTF-8."""
    columns = describe_columns(model, user)
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    for line in _intro(model, user, notes=True):
        writer.writerow([f"{COMMENT} {line}"])
    writer.writerow([f"{COMMENT} The columns:"])
    for column in columns:
        label = str(column["label"])
        named = column["name"] if label == column["name"] else f"{column['name']} ({label})"
        parts = [f"Needed in every row: {column['required_text']}"]
        if column["help"]:
            parts.append(column["help"])
        parts.append(f"Takes: {column['allowed']}")
        if column["example"]:
            parts.append(f"Example: {column['example']}")
        text = ". ".join(p.rstrip(".") for p in parts)
        writer.writerow([f"{COMMENT} {named}: {text}."])
    # The example row as a row of this file is written (quoted where a value needs it).
    row = io.StringIO()
    csv.writer(row, lineterminator="").writerow(_example_row(columns))
    writer.writerow([f"{COMMENT} An example row: {row.getvalue()}"])
    writer.writerow([column["name"] for column in columns])
    return buffer.getvalue().encode("utf-8")


def template_xlsx(model: type[models.Model], user: Any) -> bytes:
    """The workbook template: the header on the first sheet (imported), help on "Help"."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    columns = describe_columns(model, user)
    workbook = Workbook()
    sheet: Any = workbook.active
    sheet.title = str(model._meta.verbose_name_plural).capitalize()[:31]
    sheet.append([column["name"] for column in columns])
    bold = Font(bold=True)
    for cell in sheet[1]:
        cell.font = bold
    sheet.freeze_panes = "A2"
    for index, column in enumerate(columns, start=1):
        width = max(len(column["name"]), len(column["example"])) + 4
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = min(width, 40)

    help_sheet: Any = workbook.create_sheet("Help")
    help_sheet.append([f"Import {model._meta.verbose_name_plural}"])
    help_sheet["A1"].font = Font(bold=True, size=14)
    for line in _intro(model, user, notes=False):
        help_sheet.append([line])
    help_sheet.append([])
    headings = ["Column", "Label", "Needed in every row", "What it is", "What it takes", "Example"]
    help_sheet.append(headings)
    for cell in help_sheet[help_sheet.max_row]:
        cell.font = bold
    wrap = Alignment(wrap_text=True, vertical="top")
    for column in columns:
        help_sheet.append(
            [
                column["name"],
                column["label"],
                column["required_text"],
                column["help"],
                column["allowed"],
                column["example"],
            ]
        )
        for cell in help_sheet[help_sheet.max_row]:
            cell.alignment = wrap
    help_sheet.append([])
    help_sheet.append(["An example row"])
    help_sheet.cell(help_sheet.max_row, 1).font = bold
    help_sheet.append([column["name"] for column in columns])
    help_sheet.append(_example_row(columns))
    for letter, width in zip("ABCDEF", (18, 18, 22, 40, 40, 20), strict=True):
        help_sheet.column_dimensions[letter].width = width
    saved = io.BytesIO()
    workbook.save(saved)
    return saved.getvalue()
