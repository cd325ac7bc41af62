"""An import's columns: which a model takes, what people call them, how a header names them.

The columns are the model's `import_fields` (and ``id``, to update records). A heading is
matched to one by its field name or its verbose name, whatever the capitals, spaces or hyphens
("GSS code", "gss-code", "gss_code"); `match_header` says which column is where and what is
wrong with the header. `describe_columns` lists the columns for the import page, with whether
the file must have each and its field's help text; `column_label` and `thing_name` give the
words the import's messages use.

Not here: what a cell of a column becomes (`core.importing.values`), reading the header row
from the file (`core.importing.reading`).
"""

from __future__ import annotations

import re
from typing import Any, cast

from django.db import models

from core.importing.reading import UnusableCell, is_blank


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


def _normal(name: Any) -> str:
    return re.sub(r"[\s\-]+", "_", str(name or "").strip().lower())


def match_header(
    model: type[models.Model], cells: list[Any]
) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """Match a file's header to the model's import fields: (where each column is, by field
    name or ``id``; and the problems, as (column, message), in the order they were found).

    Unknown, repeated, unreadable and missing columns are problems; the header is usable only
    when there is none.
    """
    import_fields = list(getattr(model, "import_fields", ()))
    by_normal: dict[str, str] = {}
    for name in import_fields:
        by_normal[_normal(name)] = name
        by_normal.setdefault(_normal(column_label(model, name)), name)
    by_normal["id"] = "id"
    # Trailing empty header cells (spreadsheets keep them) are not columns.
    while cells and is_blank(cells[-1]):
        cells = cells[:-1]
    found: dict[str, int] = {}
    unknown: list[str] = []
    problems: list[tuple[str, str]] = []
    for position, cell in enumerate(cells):
        if isinstance(cell, UnusableCell):
            problems.append(("", f"The heading of column {position + 1}: {cell.message}"))
            continue
        if is_blank(cell):
            problems.append(("", f"Column {position + 1} has no heading."))
            continue
        name = by_normal.get(_normal(cell))
        if name is None:
            unknown.append(str(cell).strip())
            continue
        if name in found:
            problems.append((name, f"The column '{str(cell).strip()}' appears more than once."))
            continue
        found[name] = position
    expected = ", ".join(import_fields)
    for heading in unknown:
        problems.append(
            (
                heading,
                f"'{heading}' is not a column this import takes. The columns are: {expected} "
                "(and id, to update records).",
            )
        )
    # A column that may be empty may also be left out: a new record then takes the
    # field's default, and an updated one keeps its value.
    missing = [n for n in import_fields if n not in found and column_required(model, n)]
    for name in missing:
        problems.append((name, f"The column '{name}' is missing."))
    return found, problems


def describe_columns(model: type[models.Model]) -> list[dict[str, Any]]:
    """The columns an import of `model` takes, as its page lists them: each one's name, label,
    whether the file must have it, and the field's help text."""
    columns = []
    for name in getattr(model, "import_fields", ()):
        f = model_field(model, name)
        columns.append(
            {
                "name": name,
                "label": column_label(model, name),
                "required": column_required(model, name),
                "help": str(getattr(f, "help_text", "") or ""),
            }
        )
    return columns
