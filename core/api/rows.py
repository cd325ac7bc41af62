"""Pages of records written fast: a plan made once per page instead of DRF's walk over every
field of every row (the same JSON), and what every row needs loaded in one query."""

from __future__ import annotations

import operator
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db.models import Manager
from rest_framework import ISO_8601, serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject
from rest_framework.settings import api_settings

#: One field of a row plan: (output name, read the value from the record, represent it).
FieldPlan = tuple[str, Callable[[Any], Any], Callable[[Any], Any]]


class ScopedListSerializer(serializers.ListSerializer):
    """A page of records: loads what every row needs (owner shares) in one query.

    Rows are written by a plan made once per page (`row_plan`) rather than by DRF's per-row
    walk over the fields: the same JSON, without re-deciding for every row and field which
    fields are readable, how to read a model column and which time zone a time is shown in.
    """

    def to_representation(self, data: Any) -> Any:
        rows = list(data.all() if isinstance(data, Manager) else data)
        prepare = getattr(self.child, "prepare_rows", None)
        if prepare is not None:
            prepare(rows)
        child: Any = self.child
        if type(child).to_representation is not serializers.Serializer.to_representation:
            return super().to_representation(rows)
        plan = row_plan(child)
        return [write_row(plan, row) for row in rows]


def row_plan(serializer: serializers.Serializer) -> list[FieldPlan]:
    """How to write each readable field of `serializer`, worked out once for a page of rows.

    A field declared on a plain model column is read with ``getattr`` (what DRF's
    ``get_attribute`` ends up doing for it); times in ISO 8601 are converted in the time zone
    fixed for the page. Anything else is left to the field's own methods.
    """
    model = getattr(getattr(serializer, "Meta", None), "model", None)
    columns = (
        {f.name for f in model._meta.concrete_fields if not f.is_relation}
        if model is not None
        else set()
    )
    plan: list[FieldPlan] = []
    for field in serializer._readable_fields:
        getter: Callable[[Any], Any] = field.get_attribute
        if (
            type(field).get_attribute is serializers.Field.get_attribute
            and len(field.source_attrs) == 1
            and field.source_attrs[0] in columns
        ):
            getter = operator.attrgetter(field.source_attrs[0])
        plan.append((field.field_name, getter, _representer(field)))  # type: ignore[arg-type]
    return plan


def _representer(field: serializers.Field) -> Callable[[Any], Any]:
    if not (
        isinstance(field, serializers.DateTimeField)
        and type(field).to_representation is serializers.DateTimeField.to_representation
        and type(field).enforce_timezone is serializers.DateTimeField.enforce_timezone
    ):
        return field.to_representation
    output_format = getattr(field, "format", api_settings.DATETIME_FORMAT)
    zone: Any = field.timezone if hasattr(field, "timezone") else field.default_timezone()
    if output_format is None or zone is None or output_format.lower() != ISO_8601:
        return field.to_representation
    slow = field.to_representation

    def iso(value: Any) -> Any:
        # DRF's DateTimeField.to_representation for an aware time, the zone looked up once.
        if isinstance(value, datetime) and value.tzinfo is not None:
            text = value.astimezone(zone).isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text
        return slow(value)

    return iso


def write_row(plan: list[FieldPlan], row: Any) -> dict[str, Any]:
    """One record as DRF's ``Serializer.to_representation`` writes it, following `plan`."""
    out: dict[str, Any] = {}
    for name, read, represent in plan:
        try:
            value = read(row)
        except SkipField:
            continue
        check = value.pk if isinstance(value, PKOnlyObject) else value
        out[name] = None if check is None else represent(value)
    return out
