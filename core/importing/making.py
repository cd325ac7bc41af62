"""New records for an import's rows without ``Model.__init__`` a row.

An import makes a new, empty record for each row that adds one, then sets the row's values on
it. ``Model()`` with no arguments walks every concrete field, asks each for its default and sets
it through the class's attribute, and sends the ``pre_init`` and ``post_init`` signals: measured
on 10,000 assets, 7% of the import's time (docs/performance.md, "Assets").

`record_maker` gives a function making the same record: the instance's ``__dict__`` filled from
the defaults worked out once, in the same order, a default worked out anew each time where
Django's would be (a callable default: a moment, a new list), and a fresh ``ModelState``. Only
where that is exactly what ``Model()`` makes: the model's ``__init__`` is Django's, nothing
listens for its ``pre_init`` or ``post_init`` (looked at each time: a receiver connected later
is honoured), and each field's value is stored as ``Model()`` stores it (Django's own attribute
on the class, which keeps it in ``__dict__``). Otherwise it is the model itself: ``Model()``.
core/tests/test_import_making.py compares the two for every model.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import models
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init

#: The class attributes that store a field's value in the instance's ``__dict__`` as it is.
_PLAIN_ATTRIBUTES = (DeferredAttribute, ForeignKeyDeferredAttribute)
#: Fields' ``get_default`` that give the same value each time for a default that is not callable.
_PLAIN_DEFAULTS = (models.Field.get_default, models.ForeignKey.get_default)


def _fixed_default(field: Any) -> bool:
    """Whether `field`'s default is one value ``Model()`` gives every record as it is (no
    default, or one that is not callable, with Django's own ``get_default``)."""
    if type(field).get_default not in _PLAIN_DEFAULTS:
        return False
    if field.db_default is not models.NOT_PROVIDED:
        return False
    return not (field.has_default() and callable(field.default))


def record_maker(model: type[models.Model]) -> Callable[[], Any]:
    """A function making a new record of `model` as ``model()`` does (see the module's note),
    or `model` itself where that cannot be done exactly."""
    if model.__init__ is not models.Model.__init__ or model._meta.abstract:
        return model
    fields = [f for f in model._meta.concrete_fields if f.column is not None and not f.generated]
    for f in fields:
        if not isinstance(_inherited(model, f.attname), _PLAIN_ATTRIBUTES):
            return model
    # Every field's place in the order Model() sets them; a default worked out each time is
    # put in its place afterwards (updating a key keeps its place).
    template: dict[str, Any] = {"_state": None}
    fresh: list[tuple[str, Callable[[], Any]]] = []
    for f in fields:
        if _fixed_default(f):
            template[f.attname] = f.get_default()
        else:
            template[f.attname] = None
            fresh.append((f.attname, f.get_default))
    new = object.__new__

    def make() -> Any:
        if pre_init.has_listeners(model) or post_init.has_listeners(model):
            return model()
        instance = new(model)
        state = instance.__dict__
        state.update(template)
        state["_state"] = ModelState()
        for attname, default in fresh:
            state[attname] = default()
        return instance

    return make


def _inherited(model: type[models.Model], name: str) -> Any:
    """The class attribute `name` of `model`, wherever in its classes it is defined."""
    for klass in model.__mro__:
        if name in klass.__dict__:
            return klass.__dict__[name]
    return None
