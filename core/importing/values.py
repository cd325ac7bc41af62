"""What one cell of an import's file becomes: a value of its column's field.

Text is stripped, and an export's formula guard (a leading ') removed; numbers and dates as a
spreadsheet hands them over become what a person typed (a UPRN stays 100023336956, not
100023336956.0); true and false may be written yes and no; a choice may be given by its value
or its label, whatever the capitals; anything else is checked by the field's form field, so
the messages are the ones a form would give.

A foreign key column is read as the related record's natural key (a council's code, a site
type's name; capitals ignored when that still picks out one record) among the records the
importing person can see, so a council that is not theirs reads as "no council with code 'x'
that you can use", which reveals nothing. A per-council catalogue whose natural key is
unique only within a council (a cost centre's code: Westminster's 400 and Kensington's 400)
declares ``natural_key_within_council = True``: when the row names one council (a partner-owned
record's ``partner``, or the one council a record for chosen councils is for), the key is looked
up among that council's records only.

Not here: matching the header to the columns (`core.importing.columns`), what a whole row must
satisfy to be imported (`core.importing.records`).
"""

from __future__ import annotations

import datetime
import decimal
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

from core.exporting import natural_key_of, unguard_formula
from core.importing.columns import column_label, model_field, thing_name
from core.importing.reading import UnusableCell, is_blank
from core.tenancy.scoping import ScopedQuerySet

_TRUE = {"true", "yes", "y", "1", "t", "on", "in use"}
_FALSE = {"false", "no", "n", "0", "f", "off", "not in use"}
# Related records looked up by natural key are remembered, up to this many at a time.
_LOOKUP_CACHE_SIZE = 10_000
# A column's cells already converted are remembered, up to this many a column: a column whose
# values repeat (a kind, a model, a date, a supplier) is converted once a value; one whose
# values are all different (a serial number) stops being remembered once this many are.
_VALUE_CACHE_SIZE = 2_000
# The values a conversion gives that may be handed to several records (they cannot change).
_IMMUTABLE = (
    str,
    int,
    float,
    bool,
    decimal.Decimal,
    datetime.date,
    datetime.datetime,
    datetime.time,
    type(None),
)


@dataclass
class ImportColumn:
    """How one column of the file becomes a value of the model."""

    name: str
    model_field: models.Field[Any, Any]
    position: int
    formfield: forms.Field | None = None
    choice_labels: dict[str, Any] = field(default_factory=dict)
    related: type[models.Model] | None = None
    related_key: str | None = None

    @classmethod
    def of(cls, model: type[models.Model], name: str, position: int) -> ImportColumn:
        """The column for field `name` of `model`, found at `position` in the file's rows."""
        f = model_field(model, name)
        column = cls(name=name, model_field=f, position=position)
        if f.many_to_one or f.one_to_one:
            related = f.related_model
            assert isinstance(related, type)
            column.related = related
            column.related_key = natural_key_of(related)
        elif isinstance(f, models.URLField):
            # An address without a scheme is read as https://, as the pages' forms read it.
            column.formfield = f.formfield(assume_scheme="https")
        elif not isinstance(f, models.BooleanField):
            column.formfield = f.formfield()
            if f.choices:
                for value, label in f.flatchoices:
                    column.choice_labels[str(label).strip().lower()] = value
                    column.choice_labels[str(value).strip().lower()] = value
        return column


def plain_cell(value: Any) -> Any:
    """A cell as typed: text stripped, an export's formula guard (a leading ') removed."""
    if isinstance(value, str):
        value = unguard_formula(value.strip())
    return value


class ValueReader:
    """Reads the cells of one import for one person, looking related records up among those
    the person can see. It remembers what it looked up: one per import, not reused."""

    def __init__(self, user: Any) -> None:
        self.user = user
        self._lookups: dict[tuple[str, str, int | None], Any] = {}
        self._converted: dict[str, dict[tuple[type, Any], Any]] = {}

    def convert(self, column: ImportColumn, raw: Any, council: int | None = None) -> Any:
        """The cell as a Python value of the field; raises ValidationError in plain words.
        `council` is the id of the one council the row names, if it names one: a related
        record whose natural key is unique only within a council is looked up in it.

        The conversion of a column that names no related record depends on the cell alone:
        a cell converted before is answered from memory (a problem is found again each time)."""
        if isinstance(raw, UnusableCell):
            raise ValidationError(raw.message)
        if column.related is not None or not isinstance(raw, _IMMUTABLE):
            return self._convert(column, raw, council)
        seen = self._converted.setdefault(column.name, {})
        key = (type(raw), raw)
        if key in seen:
            return seen[key]
        value = self._convert(column, raw, council)
        if len(seen) < _VALUE_CACHE_SIZE and isinstance(value, _IMMUTABLE):
            seen[key] = value
        return value

    def _convert(self, column: ImportColumn, raw: Any, council: int | None) -> Any:
        """`convert`, every time."""
        f = column.model_field
        value = plain_cell(raw)
        empty = is_blank(value)
        if column.related is not None:
            if empty and not f.blank:
                raise ValidationError(f"Enter the {thing_name(column.related)}.")
            return None if empty else self._related(column, value, council)
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

    def _related(self, column: ImportColumn, value: Any, council: int | None = None) -> Any:
        related = column.related
        assert related is not None
        key = column.related_key or "pk"
        text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
        within = council if key != "pk" and within_council(related) else None
        cache_key = (column.name, text, within)
        if cache_key in self._lookups:
            found, spellings = self._lookups[cache_key]
        else:
            found, spellings = self._find_related(related, key, text, within)
            if len(self._lookups) >= _LOOKUP_CACHE_SIZE:
                self._lookups.clear()
            self._lookups[cache_key] = (found, spellings)
        described = "id" if key == "pk" else column_label(related, key)
        thing = thing_name(related)
        if not found:
            if within is not None:
                raise ValidationError(
                    f"The council of this row has no {thing} with {described} '{text}' that "
                    "you can use."
                )
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
            if within_council(related):
                raise ValidationError(
                    f"More than one council has a {thing} with {described} '{text}': name the "
                    "one council of the row, or use its id."
                )
            raise ValidationError(f"More than one {thing} has {described} '{text}': use its id.")
        return found[0]

    def _find_related(
        self, related: type[models.Model], key: str, text: str, council: int | None = None
    ) -> tuple[list[Any], list[str]]:
        """Ids of the records, among those the person can see (of `council` only, when given),
        whose `key` is `text` (at most two); and, when only capitals tell apart several that
        match, how each is spelled."""
        if key == "pk" and not text.isdigit():
            return [], []
        manager = related._default_manager
        if issubclass(manager.all().__class__, ScopedQuerySet):
            queryset = manager.visible_to(self.user)  # type: ignore[attr-defined]
        else:
            queryset = manager.all()
        owner = getattr(related, "ownership_field", None)
        if council is not None and owner:
            queryset = queryset.filter(**{f"{owner}_id": council})
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


def within_council(related: Any) -> bool:
    """Whether `related`'s natural key is unique only within a council (it declares
    ``natural_key_within_council``, and is owned by one council)."""
    return bool(getattr(related, "natural_key_within_council", False)) and (
        getattr(related, "ownership", "") == "partner"
    )


def _is_text_field(f: models.Field[Any, Any]) -> bool:
    return isinstance(f, models.CharField | models.TextField)
