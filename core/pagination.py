"""Keyset (cursor) pagination, shared by list pages and the API.

A page is fetched with ``WHERE (sort key) > (last row's key) ORDER BY sort key LIMIT n + 1``,
so a page deep in a million-row table costs the same as the first one and no COUNT(*) is run.
The sort key always ends with the primary key, which makes it unique. Sort fields must be
non-null (list tables only offer such columns for sorting).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import Q, QuerySet

from core.related import attach_related, unjoined


class InvalidCursor(ValueError):
    """The cursor a client sent cannot be read."""


@dataclass
class KeysetPage:
    """One page of rows, with cursors for the pages either side (None at the ends)."""

    rows: list[Any]
    next_cursor: str | None = None
    previous_cursor: str | None = None
    ordering: list[str] = field(default_factory=list)

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def has_previous(self) -> bool:
        return self.previous_cursor is not None


def normalise_ordering(model: Any, ordering: list[str]) -> list[str]:
    """The ordering with the primary key appended (same direction as the last field)."""
    pk = model._meta.pk.name
    names = [o.lstrip("-") for o in ordering]
    if pk in names or "pk" in names:
        return [o.replace("pk", pk) if o.lstrip("-") == "pk" else o for o in ordering]
    last_desc = bool(ordering) and ordering[-1].startswith("-")
    return [*ordering, f"-{pk}" if last_desc else pk]


def _field(model: Any, name: str) -> Any:
    current = model
    parts = name.split("__")
    for i, part in enumerate(parts):
        f = current._meta.get_field(part)
        if i < len(parts) - 1:
            current = f.related_model
    return f


def _value_of(row: Any, name: str) -> Any:
    value = row
    for part in name.split("__"):
        value = getattr(value, part)
    return value.pk if hasattr(value, "_meta") else value


def _encode(values: list[Any], direction: str) -> str:
    payload = json.dumps({"v": values, "d": direction}, default=str, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def _decode(model: Any, ordering: list[str], cursor: str) -> tuple[list[Any], str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        values, direction = data["v"], data["d"]
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidCursor("The cursor is not one this server gave out.") from exc
    if direction not in ("n", "p") or not isinstance(values, list) or len(values) != len(ordering):
        raise InvalidCursor("The cursor does not match this list's sort order.")
    converted = []
    for name, raw in zip(ordering, values, strict=True):
        try:
            f = _field(model, name.lstrip("-"))
            target = f.target_field if f.is_relation else f
            value = target.to_python(raw)
        except (ValidationError, FieldDoesNotExist, TypeError, ValueError) as exc:
            raise InvalidCursor("The cursor holds a value this list cannot sort by.") from exc
        if value is None or not isinstance(raw, str | int | float):
            # Sort fields are never null, so a cursor holding nothing was not made here.
            raise InvalidCursor("The cursor holds a value this list cannot sort by.")
        converted.append(value)
    return converted, direction


def _after(ordering: list[str], values: list[Any], forwards: bool) -> Q:
    """Rows strictly after `values` in `ordering` (or before, when not `forwards`)."""
    condition = Q()
    equal_so_far = Q()
    for name, value in zip(ordering, values, strict=True):
        attr = name.lstrip("-")
        op = "gt" if _walks_up(name, forwards) else "lt"
        condition |= equal_so_far & Q(**{f"{attr}__{op}": value})
        equal_so_far &= Q(**{attr: value})
    # A range on the leading field lets the database walk the matching index.
    first = ordering[0]
    lead_op = "gte" if _walks_up(first, forwards) else "lte"
    return Q(**{f"{first.lstrip('-')}__{lead_op}": values[0]}) & condition


def keyset_page(
    queryset: QuerySet[Any],
    ordering: list[str],
    cursor: str | None,
    size: int,
    known: Mapping[Any, Iterable[Any]] | None = None,
) -> KeysetPage:
    """Fetch one page of `queryset` in `ordering` after (or before) `cursor`.

    Records the queryset joins (``select_related``) are attached to the page's rows after it
    is read (`core.related`); `known` offers records of related models the request has read
    already, which the rows then share.
    """
    model = queryset.model
    ordering = normalise_ordering(model, ordering)
    forwards = True
    qs = queryset
    if cursor:
        values, direction = _decode(model, ordering, cursor)
        forwards = direction == "n"
        qs = qs.filter(_after(ordering, values, forwards))
    order = ordering if forwards else [_flip(o) for o in ordering]
    rows = _fetch(qs, order, size + 1, known)
    more = len(rows) > size
    rows = rows[:size]
    if not forwards:
        rows.reverse()
    page = KeysetPage(rows=rows, ordering=ordering)
    if rows:
        first_key = [_value_of(rows[0], o.lstrip("-")) for o in ordering]
        last_key = [_value_of(rows[-1], o.lstrip("-")) for o in ordering]
        if forwards:
            page.next_cursor = _encode(last_key, "n") if more else None
            page.previous_cursor = _encode(first_key, "p") if cursor else None
        else:
            page.previous_cursor = _encode(first_key, "p") if more else None
            page.next_cursor = _encode(last_key, "n")
    return page


def _fetch(
    qs: QuerySet[Any],
    order: list[str],
    limit: int,
    known: Mapping[Any, Iterable[Any]] | None = None,
) -> list[Any]:
    """The first `limit` rows of `qs` in `order`, with the records it joins attached.

    The rows are read from their own table alone (the join is not made: see core.related),
    so the database walks the index that matches the sort and stops after `limit` rows.
    With the join in the one query, SQLite's planner sometimes started from the joined table
    and sorted the whole join (1.5 s for one row of a million).
    """
    plain, paths, deferred = unjoined(qs)
    rows = list(plain.order_by(*order)[:limit])
    attach_related(rows, paths, known, deferred)
    return rows


def _walks_up(name: str, forwards: bool) -> bool:
    """Whether the next rows have larger values of this field (ascending walked forwards)."""
    return name.startswith("-") != forwards


def _flip(name: str) -> str:
    return name[1:] if name.startswith("-") else f"-{name}"
