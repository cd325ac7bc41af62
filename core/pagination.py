"""Keyset (cursor) pagination, shared by list pages and the API.

A page is fetched with ``WHERE (sort key) > (last row's key) ORDER BY sort key LIMIT n + 1``,
so a page deep in a million-row table costs the same as the first one and no COUNT(*) is run.
The sort key always ends with the primary key, which makes it unique. Sort fields must be
non-null (list tables only offer such columns for sorting).

A cursor (opaque to clients: base64 of a little JSON) holds the sort key of the row to go on
from, the direction, and the ordering it was made for. A cursor that is not exactly what this
module would write for the list's ordering raises `InvalidCursor` as it is read, before any
query: the list pages then start again from the first page, the API answers 400.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.validators import DecimalValidator
from django.db.models import Q, QuerySet
from django.utils import timezone

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


def default_ordering(model: Any) -> list[str]:
    """The default order of a list of `model`'s records: its ``Meta.ordering``, the one place it
    is declared (the list page, its export and the API list all follow it; keyset pagination
    appends the primary key when the ordering does not end with it)."""
    return list(model._meta.ordering or ["pk"])


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


def _encode(values: list[Any], direction: str, ordering: list[str]) -> str:
    """A cursor: the sort key of the row to continue from, the direction, and the ordering
    (normalised, as `keyset_page` uses it) that the key belongs to."""
    payload = json.dumps(
        {"o": ",".join(ordering), "v": values, "d": direction}, default=str, separators=(",", ":")
    )
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def _no_constants(name: str) -> Any:
    # json reads NaN, Infinity and -Infinity unless told not to; no sort key is any of them.
    raise ValueError(f"{name} is not a sort key")


#: Every way a made-up cursor can fail to be read (a thousand nested brackets raise
#: RecursionError; a string that is not base64 or UTF-8, ValueError and its kind).
UNREADABLE = (ValueError, TypeError, binascii.Error, RecursionError)

#: Every way a made-up value can fail to become a sort key (ArithmeticError takes in
#: decimal.InvalidOperation and the OverflowError of a time moved past year 1 or 9999).
UNSORTABLE = (ValidationError, TypeError, ValueError, ArithmeticError)

BIGINT = 2**63


def _decode(model: Any, ordering: list[str], cursor: str) -> tuple[list[Any], str]:
    """The sort key and direction in `cursor`, made by `_encode` for this `ordering`.

    Anything else raises InvalidCursor, so that nothing a client makes up reaches the query:
    a cursor of another ordering, of another format, or holding values no row of this list
    could have (a number too big for the database, infinity, a text with a NUL, a time with
    no zone) is refused here, for the list pages and the API alike.
    """
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        text = base64.urlsafe_b64decode(padded.encode("ascii")).decode()
        data = json.loads(text, parse_constant=_no_constants)
    except UNREADABLE as exc:
        raise InvalidCursor("The cursor is not one this server gave out.") from exc
    if not isinstance(data, dict) or set(data) != {"o", "v", "d"} or not isinstance(data["o"], str):
        raise InvalidCursor("The cursor is not one this server gave out.")
    values, direction = data["v"], data["d"]
    if data["o"] != ",".join(ordering):
        raise InvalidCursor(
            "This cursor belongs to another ordering of the list: follow the next and previous "
            "links as they are given, or start again without a cursor."
        )
    if direction not in ("n", "p") or not isinstance(values, list) or len(values) != len(ordering):
        raise InvalidCursor("The cursor is not one this server gave out.")
    converted = [_sort_value(model, name, raw) for name, raw in zip(ordering, values, strict=True)]
    return converted, direction


def _sort_value(model: Any, name: str, raw: Any) -> Any:
    """The value of the field `name` that `raw` (from a cursor) stands for.

    It must be exactly what `_encode` writes for some value of the field (``"5"`` is not an id,
    ``1.0`` is not a count), and a value the database can compare with the column.
    """
    try:
        f = _field(model, name.lstrip("-"))
        target = f.target_field if f.is_relation else f
        value = target.to_python(raw)
        written = json.loads(json.dumps(value, default=str), parse_constant=_no_constants)
        storable = _storable(target, value)
    except (*UNSORTABLE, FieldDoesNotExist) as exc:
        raise InvalidCursor("The cursor holds a value this list cannot sort by.") from exc
    # Sort fields are never null, so a cursor holding nothing was not made here either.
    if value is None or not storable or type(written) is not type(raw) or written != raw:
        raise InvalidCursor("The cursor holds a value this list cannot sort by.")
    return value


def _storable(field: Any, value: Any) -> bool:
    """Whether the database can take `value` as a value of `field` in a comparison.

    Raises (one of UNSORTABLE) for values that cannot even be converted for it.
    """
    if isinstance(value, bool):
        return True
    if isinstance(value, int):
        return -BIGINT <= value < BIGINT
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, str):
        value.encode("utf-8")  # a lone surrogate (\ud800) is text no database stores
        return "\x00" not in value
    if isinstance(value, Decimal):
        DecimalValidator(field.max_digits, field.decimal_places)(value)
        return True
    if isinstance(value, datetime.datetime):
        if settings.USE_TZ and timezone.is_naive(value):
            return False
        value.astimezone(datetime.UTC)  # in range once in UTC, as the database holds it
        return True
    return True


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
            page.next_cursor = _encode(last_key, "n", ordering) if more else None
            page.previous_cursor = _encode(first_key, "p", ordering) if cursor else None
        else:
            page.previous_cursor = _encode(first_key, "p", ordering) if more else None
            page.next_cursor = _encode(last_key, "n", ordering)
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
