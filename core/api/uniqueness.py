"""Uniqueness in the API, checked across the whole table on purpose: a site code must be unique
in its council even when the person cannot see the clash; the messages name no record, and a
unique constraint's error is reported on the field the model names for it, as forms and
imports report it."""

from __future__ import annotations

from typing import Any

from django.db.models import Manager, QuerySet, UniqueConstraint
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail
from rest_framework.validators import (
    BaseUniqueForValidator,
    UniqueTogetherValidator,
    UniqueValidator,
)

UNIQUENESS_REASON = "uniqueness is checked across the whole table; the message names no record"

UNIQUENESS_VALIDATORS = (UniqueValidator, UniqueTogetherValidator, BaseUniqueForValidator)


class FieldNamingUniqueTogether:
    """DRF's unique-together check, with the error on the field the model names for it
    (by default the last of its fields, ``code`` of ``partner, code``: the field a person
    changes to resolve the clash)."""

    requires_context = True

    def __init__(self, inner: UniqueTogetherValidator, model: Any) -> None:
        self.inner = inner
        self.model = model

    def __call__(self, attrs: Any, serializer: Any) -> None:
        try:
            self.inner(attrs, serializer)
        except serializers.ValidationError as exc:
            names = list(self.inner.fields)
            field = _unique_constraint_field(self.model, names, serializer) or names[-1]
            if self.inner.message is not UniqueTogetherValidator.message:
                message = str(self.inner.message)
            else:
                labels = [
                    str(self.model._meta.get_field(serializer.fields[n].source).verbose_name)
                    for n in names
                ]
                head = ", ".join(labels[:-1])
                together = f"{head} and {labels[-1]}" if head else labels[-1]
                kind = self.model._meta.verbose_name
                message = f"There is already a {kind} with this {together}."
            error = {field: [ErrorDetail(message, code="unique")]}
            raise serializers.ValidationError(error) from exc

    def __repr__(self) -> str:
        return f"<FieldNamingUniqueTogether {self.inner!r}>"


def _unique_constraint_field(model: Any, names: list[str], serializer: Any) -> str | None:
    """The serializer field a unique constraint on `names` is reported on: the one the model
    names for it (``ConcordModel.constraint_field``, as forms and imports report it)."""
    chooser = getattr(model, "constraint_field", None)
    if chooser is None:
        return None
    by_source = {serializer.fields[n].source: n for n in names}
    for constraint in model._meta.constraints:
        if isinstance(constraint, UniqueConstraint) and set(constraint.fields) == set(by_source):
            return by_source.get(chooser(constraint, by_source) or "")
    return None


def open_for_uniqueness(validators: list[Any]) -> None:
    """Let uniqueness validators look across the whole table (see the module docstring).

    DRF builds them on ``Model._default_manager``, which refuses to run unscoped; a clash must
    be found even where the person cannot see the clashing record, and its message names none.
    """
    for validator in validators:
        if isinstance(validator, UNIQUENESS_VALIDATORS):
            queryset = validator.queryset
            if isinstance(queryset, Manager | QuerySet) and hasattr(queryset, "unscoped"):
                validator.queryset = queryset.unscoped(UNIQUENESS_REASON)
