"""No index a model's other index already is: the indexes each table is written with.

A b-tree on (a, b) serves every query a b-tree on (a) alone serves: finding rows by ``a``,
ordering by it, the database's own look-ups when a row ``a`` refers to is deleted. Django
gives every foreign key an index of its own (``db_index`` defaults to true), and the models
here give most tables composite indexes and unique constraints that start with the same
column (a council's records by council and reference, a ticket's comments by ticket and
time): so most foreign keys had two indexes doing one's work. Each index costs every insert,
every update of its columns and every delete a write of its own (a page of the b-tree found
and changed, and its log): a ticket was written to six indexes more than it needed, each
change record to three.

So a field's own index is not made when one of its model's composite indexes or plain unique
constraints starts with it (`drop_covered_field_indexes`, run as each model class is made:
before migrations read the fields, so the migrations drop the indexes and a new model never
has them). A composite index that another index or unique constraint starts with is the
model's own declaration, not changed behind its back: the system check ``concord.E005``
(core.checks) names it, to be taken out of the model's ``Meta.indexes``.
Decision: docs/decisions/0044-no-index-another-starts-with.md.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db.models import UniqueConstraint

#: An index as the columns it orders by: (column, descending) each.
Columns = tuple[tuple[str, bool], ...]


def _columns(model: Any, names: Any) -> Columns:
    meta = model._meta
    found = []
    for name in names:
        descending = name.startswith("-")
        found.append((meta.get_field(name.lstrip("-")).column, descending))
    return tuple(found)


def _plain(index: Any) -> bool:
    """An index or unique constraint on fields alone: no condition, expression, operator class
    or included column (any of which makes it serve other queries than its columns' order)."""
    return bool(
        getattr(index, "fields", None)
        and not getattr(index, "condition", None)
        and not getattr(index, "expressions", None)
        and not getattr(index, "opclasses", None)
        and not getattr(index, "include", None)
    )


def _covers(wider: Columns, narrower: Columns) -> bool:
    """Whether a b-tree on `wider` serves every query one on `narrower` serves: `narrower` is
    its leading columns, in the same directions (one column in either direction: a b-tree is
    read both ways)."""
    if not narrower or len(wider) < len(narrower):
        return False
    if len(narrower) == 1:
        return wider[0][0] == narrower[0][0]
    return wider[: len(narrower)] == narrower


def _covering(model: Any) -> list[tuple[str, Columns]]:
    """The model's plain unique constraints (and ``unique_together``), as (name, columns)."""
    meta = model._meta
    found = [
        (f"constraint {constraint.name}", _columns(model, constraint.fields))
        for constraint in meta.constraints
        if isinstance(constraint, UniqueConstraint) and _plain(constraint)
    ]
    found += [
        (f"unique_together {together}", _columns(model, together))
        for together in meta.unique_together
    ]
    return found


def _meta_indexes(model: Any) -> list[tuple[str, Columns]]:
    return [
        (f"index {index.name}", _columns(model, index.fields))
        for index in model._meta.indexes
        if _plain(index)
    ]


def _field_covered_by(field: Any, covering: list[tuple[str, Columns]]) -> str | None:
    """What makes `field`'s own index redundant, or None when nothing does (or it has none)."""
    if not field.db_index or field.unique or field.primary_key:
        return None
    columns = ((field.column, False),)
    for name, cols in covering:
        if _covers(cols, columns):
            return name
    return None


def covered_indexes(model: Any) -> list[tuple[str, str]]:
    """The indexes of `model` another of its indexes or unique constraints makes redundant, as
    (what declares it, what covers it)."""
    covering = _covering(model)
    meta_indexes = _meta_indexes(model)
    found = []
    for position, (name, columns) in enumerate(meta_indexes):
        wider = [
            (other, cols)
            for n, (other, cols) in enumerate(meta_indexes)
            if n != position and (len(cols) > len(columns) or (cols == columns and n < position))
        ]
        for other, cols in covering + wider:
            if _covers(cols, columns):
                found.append((name, other))
                break
    for field in model._meta.local_concrete_fields:
        by = _field_covered_by(field, covering + meta_indexes)
        if by is not None:
            found.append((f"field {field.name} (db_index)", by))
    return found


def concord_model(model: Any) -> bool:
    """Whether `model` is one of Concord's own (core's, tenancy's or a Concord app's), not a
    library's or a migration's historical model."""
    from core.apps import ConcordAppConfig

    config = apps.get_containing_app_config(model.__module__)
    return config is not None and (
        config.label in ("core", "tenancy") or isinstance(config, ConcordAppConfig)
    )


def drop_covered_field_indexes(sender: Any, **kwargs: Any) -> None:
    """``class_prepared``: the fields of a Concord model whose own index another of its indexes
    or unique constraints starts with are made without one (``db_index`` false)."""
    meta = sender._meta
    if meta.abstract or meta.proxy or not concord_model(sender):
        return
    covering = _covering(sender) + _meta_indexes(sender)
    for field in meta.local_concrete_fields:
        if _field_covered_by(field, covering) is not None:
            field.db_index = False
