"""What a model declares to be found by full-text search (`Searchable`, `SearchPart`), and the
registry of searchable models: every installed Concord model with a ``search`` declaration,
found at start-up, so that core names no app."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from django.apps import apps
from django.db.models import Q
from django.utils.text import capfirst

from core.tenancy.access import VIEW, access_for
from core.tenancy.records import ConcordModel, record_names

# Declaring what is searchable --------------------------------------------------------------


@dataclass(frozen=True)
class SearchPart:
    """Records of another model that are part of a searchable record's text (a ticket's
    replies and notes): `model` (``app_label.ModelName``), its foreign key `link` to the
    record, its text `fields`. Parts where `restricted` holds (a note: ``Q(public=False)``)
    are not in the document every reader of the record matches on, only in the restricted one,
    which a reader matches on only when they see every such part of the record through the
    part model's own ``visible_to``."""

    model: str
    link: str
    fields: tuple[str, ...]
    restricted: Q | None = None

    def part_model(self) -> Any:
        return apps.get_model(self.model)

    def link_attname(self) -> str:
        return str(self.part_model()._meta.get_field(self.link).attname)


@dataclass(frozen=True)
class Searchable:
    """What of a record full-text search reads: `title` fields (ranked highest, the result's
    title), `body` fields, and `parts` (`SearchPart`). Declared on the model as
    ``search = Searchable(...)``.

    `boost` multiplies the rank of the model's records against every other kind's (1: as
    ranked): a kind whose records answer questions (a help article) may rank before records
    that only mention the words (core.search.query, "Ranking")."""

    title: tuple[str, ...]
    body: tuple[str, ...] = ()
    parts: tuple[SearchPart, ...] = ()
    boost: float = 1.0

    def __post_init__(self) -> None:
        if not 0 < self.boost <= 10:
            raise ValueError(f"A search boost is more than 0 and at most 10, not {self.boost}")

    def own_attnames(self, model: Any) -> set[str]:
        return {model._meta.get_field(name).attname for name in (*self.title, *self.body)}


def owner_attname(model: Any) -> str | None:
    """The column naming the council that owns each of `model`'s records (``partner_id``),
    for a model whose records one council owns; None for any other (shared, for chosen
    councils, catalogue): its index entries carry no council."""
    return "partner_id" if getattr(model, "ownership", None) == "partner" else None


def spec_of(model: Any) -> Searchable | None:
    """The model's search declaration, or None."""
    spec = getattr(model, "search", None)
    return spec if isinstance(spec, Searchable) else None


@cache
def searchable_models() -> tuple[Any, ...]:
    """Every installed Concord model that declares what is searchable, by label."""
    found = [
        model
        for model in apps.get_models()
        if issubclass(model, ConcordModel) and spec_of(model) is not None
    ]
    return tuple(sorted(found, key=lambda m: m._meta.label_lower))


@cache
def parts_of() -> dict[Any, list[tuple[Any, SearchPart]]]:
    """For each model that is a part of searchable records: (record model, part)."""
    found: dict[Any, list[tuple[Any, SearchPart]]] = {}
    for model in searchable_models():
        for part in spec_of(model).parts:  # type: ignore[union-attr]
            found.setdefault(part.part_model(), []).append((model, part))
    return found


def kind_of(model: Any) -> str:
    """The kind of result a model's records are, as the API names it (``ticket``)."""
    return str(model._meta.model_name)


def kind_label(model: Any) -> str:
    return capfirst(record_names(model)[0])


def all_kinds() -> dict[str, Any]:
    """Every kind of result, by name."""
    return {kind_of(model): model for model in searchable_models()}


def kinds_for(user: Any) -> list[tuple[str, str]]:
    """The kinds of record `user` may find (the grant tables), as (kind, what several of them
    are called: "Tickets")."""
    access = access_for(user)
    return [
        (kind_of(model), capfirst(record_names(model)[1]))
        for model in searchable_models()
        if access.can(VIEW, model.area, own=bool(model.own_fields))
    ]
