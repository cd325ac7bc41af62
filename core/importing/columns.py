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

from core.importing.audience import (
    AUDIENCE_ALLOWED,
    AUDIENCE_COLUMN,
    AUDIENCE_LABEL,
    takes_audience,
)
from core.importing.owners import SHARES_ALLOWED, SHARES_COLUMN, SHARES_LABEL, takes_shares
from core.importing.reading import UnusableCell, is_blank
from core.importing.states import state_column


def model_field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    """The concrete field `name` of `model` (import columns and unique checks are fields)."""
    return cast("models.Field[Any, Any]", model._meta.get_field(name))


def column_required(model: type[models.Model], name: str) -> bool:
    """Must the file have this column? Yes, unless the field may be blank or has a default."""
    if name == SHARES_COLUMN and takes_shares(model):
        return True
    if name == AUDIENCE_COLUMN and takes_audience(model):
        return True
    if state_column(model, name) is not None:
        return False  # an empty or missing state leaves the record's as it is
    f = model_field(model, name)
    return not (f.blank or f.has_default())


def column_label(model: type[models.Model], name: str) -> str:
    """A column as a person knows it: its verbose name, e.g. "GSS code" for gss_code."""
    if name == "id":
        return "id"
    if name == SHARES_COLUMN and takes_shares(model):
        return SHARES_LABEL
    if name == AUDIENCE_COLUMN and takes_audience(model):
        return AUDIENCE_LABEL
    state = state_column(model, name)
    if state is not None:
        return state.label
    try:
        return str(model_field(model, name).verbose_name)
    except Exception:
        return name


def thing_name(model: type[models.Model]) -> str:
    """What a person calls a record of `model`: its verbose name ("council" for a partner)."""
    return str(model._meta.verbose_name)


def _normal(name: Any) -> str:
    return re.sub(r"[\s\-]+", "_", str(name or "").strip().lower())


def owner_column(model: type[models.Model]) -> str | None:
    """The import column naming the council that owns a record (a partner-owned model's
    ``partner``, a co-owned one's ``owner_shares``: core.importing.owners; a record for
    chosen councils' ``councils``: core.importing.audience), or None when the model has none
    among its import fields."""
    if takes_shares(model):
        return SHARES_COLUMN
    if takes_audience(model):
        return AUDIENCE_COLUMN
    name = getattr(model, "ownership_field", None)
    if getattr(model, "ownership", "") != "partner" or not name:
        return None
    return name if name in getattr(model, "import_fields", ()) else None


def default_owner(model: type[models.Model], user: Any) -> Any:
    """The one council `user` may import `model`'s records for, when there is exactly one (a
    council's own person): the owner column may then be left out or empty. None otherwise
    (shared-service staff, and anyone who may import for several councils, name it)."""
    from core.tenancy.access import ADD, IMPORT, access_for
    from core.tenancy.models import Partner

    if owner_column(model) is None or user is None or not user.is_authenticated:
        return None
    access = access_for(user)
    area = getattr(model, "area", "")
    importing, adding = access.partner_ids(IMPORT, area), access.partner_ids(ADD, area)
    if importing is None or adding is None:
        return None  # every council: the file must say which
    ids = (importing & adding) - set(access.left_partner_ids)
    if len(ids) != 1:
        return None
    return Partner.objects.visible_to(user).filter(pk__in=ids).first()


def owner_needed(model: type[models.Model]) -> str:
    """Why the owner column needs a value from someone who may import for several councils."""
    plural = model._meta.verbose_name_plural
    return (
        f"Enter the council: you may import {plural} for more than one council, so each row "
        "must say which (its code, such as wcc)."
    )


def match_header(
    model: type[models.Model], cells: list[Any], optional: tuple[str, ...] = ()
) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """Match a file's header to the model's import fields: (where each column is, by field
    name or ``id``; and the problems, as (column, message), in the order they were found).

    Unknown, repeated, unreadable and missing columns are problems (a column in `optional`
    may be missing: the owner column of someone who imports for one council); the header is
    usable only when there is none.
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
    missing = [
        n
        for n in import_fields
        if n not in found and column_required(model, n) and n not in optional
    ]
    for name in missing:
        if name == owner_column(model):
            why = owner_needed(model).split(": ", 1)[1]
            problems.append((name, f"The column '{name}' is missing: {why}"))
        else:
            problems.append((name, f"The column '{name}' is missing."))
    return found, problems


def describe_columns(model: type[models.Model], user: Any = None) -> list[dict[str, Any]]:
    """The columns an import of `model` takes, as its page and its templates describe them,
    from the model's declarations alone: each one's name, label, whether a row must give it a
    value (``required``, with ``required_text`` saying so in words), what it means (the
    field's help text), what it takes (``allowed``: the choices, a related record's natural
    key, the format of dates and yes/no, a length) and an ``example`` (the model's
    ``import_example``, else one for the field's kind).

    For `user`, the owner column is not required when they import for one council only: it
    then says that an empty cell is that council."""
    owner, default = owner_column(model), default_owner(model, user)
    declared = dict(getattr(model, "import_example", {}) or {})
    columns = []
    for name in getattr(model, "import_fields", ()):
        if name == SHARES_COLUMN and takes_shares(model):
            columns.append(_shares_column(model, default, declared.get(name)))
            continue
        if name == AUDIENCE_COLUMN and takes_audience(model):
            columns.append(_audience_column(default, declared.get(name)))
            continue
        state = state_column(model, name)
        if state is not None:
            columns.append(
                {
                    "name": name,
                    "label": state.label,
                    "required": False,
                    "required_text": "No: an empty cell leaves the state as it is",
                    "help": state.help,
                    "allowed": state.allowed,
                    "example": str(declared.get(name, state.example)),
                }
            )
            continue
        f = model_field(model, name)
        needs_value = not (f.blank or f.has_default())
        required_text = "Yes" if needs_value else "No"
        if name == owner and default is not None:
            needs_value = False
            required_text = f"No: leave it empty for {default.code}"
        elif name == owner:
            required_text = "Yes: you may import for more than one council"
        example = declared.get(name)
        if example is None:
            example = default.code if name == owner and default is not None else _example(f)
        columns.append(
            {
                "name": name,
                "label": column_label(model, name),
                "required": needs_value,
                "required_text": required_text,
                "help": str(getattr(f, "help_text", "") or ""),
                "allowed": _allowed(f),
                "example": str(example),
            }
        )
    return columns


def _shares_column(model: type[models.Model], default: Any, example: Any) -> dict[str, Any]:
    """The owners column of a co-owned record, for the import page and templates."""
    return {
        "name": SHARES_COLUMN,
        "label": SHARES_LABEL,
        "required": default is None,
        "required_text": (
            f"No: leave it empty for {default.code}"
            if default is not None
            else "Yes: you may import for more than one council"
        ),
        "help": "The council that owns it, or the councils that own it together and their shares.",
        "allowed": SHARES_ALLOWED,
        "example": str(example if example is not None else (default.code if default else "wcc")),
    }


def _audience_column(default: Any, example: Any) -> dict[str, Any]:
    """The councils column of a record for chosen councils, for the import page and
    templates."""
    return {
        "name": AUDIENCE_COLUMN,
        "label": AUDIENCE_LABEL,
        "required": default is None,
        "required_text": (
            f"No: leave it empty for {default.code}"
            if default is not None
            else "Yes: you may import for more than one council"
        ),
        "help": "The councils it is for, or every council.",
        "allowed": AUDIENCE_ALLOWED,
        "example": str(example if example is not None else (default.code if default else "wcc")),
    }


def _allowed(f: models.Field[Any, Any]) -> str:
    """What a cell of this field takes, in words."""
    if f.many_to_one or f.one_to_one:
        from core.exporting import natural_key_of

        related = f.related_model
        assert isinstance(related, type)
        key = natural_key_of(related)
        described = column_label(related, key) if key and key != "pk" else "id"
        return f"The {described} of a {thing_name(related)} you can use."
    if f.choices:
        labels = "; ".join(f"{label} ({value})" for value, label in f.flatchoices)
        return f"One of: {labels}. The words or the code in brackets."
    if isinstance(f, models.BooleanField):
        return "yes or no (true or false also work)."
    if isinstance(f, models.DateTimeField):
        return "A date and time, YYYY-MM-DD HH:MM (such as 2026-04-01 09:30), or a date cell."
    if isinstance(f, models.DateField):
        return "A date, YYYY-MM-DD (such as 2026-04-01), or a date cell of a spreadsheet."
    if isinstance(f, models.DecimalField):
        return f"A number, with up to {f.decimal_places} digits after the point."
    if isinstance(f, models.IntegerField):
        return "A whole number."
    if isinstance(f, models.EmailField):
        return "An email address."
    if isinstance(f, models.CharField) and f.max_length:
        return f"Text, up to {f.max_length} characters."
    return "Text."


def _example(f: models.Field[Any, Any]) -> str:
    """An example value for a field that declares none, by its kind."""
    if f.many_to_one or f.one_to_one:
        return ""
    if f.choices:
        return str(f.flatchoices[0][1]) if f.flatchoices else ""
    if isinstance(f, models.BooleanField):
        return "yes"
    if isinstance(f, models.DateTimeField):
        return "2026-04-01 09:30"
    if isinstance(f, models.DateField):
        return "2026-04-01"
    if isinstance(f, models.DecimalField):
        return "12.50"
    if isinstance(f, models.IntegerField):
        return "1"
    if isinstance(f, models.EmailField):
        return "name@example.gov.uk"
    return ""
