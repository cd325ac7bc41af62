"""Related records for a page of rows, read without joining them to the page's query.

A list shows each row's council, type and so on. ``select_related`` would join those tables to
the page's query, and Django would then build one related object per row (a page of fifty
sites made a hundred more objects, each with its columns converted), and the planner would
have to be kept from starting the walk at the joined table. Instead a page is read from its
own table alone, walking the index that matches its sort, and `attach_related` then gives
each row its related records:

- from rows the request has loaded anyway (the header's council list, a filter's dropdown
  choices), shared between rows rather than built again for each; or
- for the rest, with one ``WHERE id IN (...)`` query per relation over the page's keys.

Either way the related records are the ones the rows point at, exactly what the join would
have read (the rows themselves were scoped; a row's own council is not a separate question).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import QuerySet

from core.tenancy.records import UNTRACKED_FIELDS, ConcordModel

#: The query reading related records by key states this reason to the scoping mechanism.
REASON = "related records of a page of visible rows"


def joined_paths(queryset: QuerySet[Any]) -> list[str]:
    """The relation paths a queryset's ``select_related`` names (``["partner", "a__b"]``)."""
    tree = queryset.query.select_related
    if not isinstance(tree, dict):
        return []
    paths: list[str] = []

    def walk(node: dict[str, Any], prefix: str) -> None:
        for name, below in node.items():
            path = f"{prefix}{name}"
            if below:
                walk(below, f"{path}__")
            else:
                paths.append(path)

    walk(tree, "")
    return paths


def deferred_below(queryset: QuerySet[Any], path: str) -> list[str]:
    """Fields the queryset defers on the records reached through `path`, named from there."""
    names, defer = queryset.query.deferred_loading
    if not defer:
        return []
    prefix = f"{path}__"
    return sorted(name[len(prefix) :] for name in names if name.startswith(prefix))


def unjoined(queryset: QuerySet[Any]) -> tuple[QuerySet[Any], list[str], dict[str, list[str]]]:
    """`queryset` without its joins, the paths to attach afterwards and what each defers."""
    paths = joined_paths(queryset)
    if not paths:
        return queryset, [], {}
    firsts = sorted({path.split("__", 1)[0] for path in paths})
    deferred = {first: deferred_below(queryset, first) for first in firsts}
    alone = queryset.select_related(None)
    names, defer = queryset.query.deferred_loading
    own = sorted(name for name in names if "__" not in name)
    if defer and len(own) < len(names):
        # What is deferred on the joined records goes with the joins (`deferred` carries it to
        # `attach_related`): left on the query, Django would still walk each of those
        # relations to work out the row's columns, a tenth of a created ticket's time.
        alone = alone.defer(None).defer(*own) if own else alone.defer(None)
    return alone, paths, deferred


def attach_related(
    rows: list[Any],
    paths: Iterable[str],
    known: Mapping[Any, Iterable[Any]] | None = None,
    deferred: Mapping[str, list[str]] | None = None,
) -> None:
    """Give every row in `rows` the related records of `paths`, as ``select_related`` would.

    `known` maps a model to records of it already read in this request; a row pointing at
    one of them shares it. `deferred` names, per first-level relation, the fields not worth
    loading (bookkeeping columns nobody shows).
    """
    if not rows:
        return
    by_first: dict[str, list[str]] = {}
    for path in paths:
        first, _, rest = path.partition("__")
        rests = by_first.setdefault(first, [])
        if rest:
            rests.append(rest)
    model = type(rows[0])
    # Relations to the same model read the same way (a ticket's requester, contact and
    # assignee are all people) are read together: one query for their keys, not one each.
    plans: list[tuple[Any, tuple[Any, ...], dict[Any, Any]]] = []
    wanted: dict[tuple[Any, ...], set[Any]] = {}
    for first, rests in by_first.items():
        field = model._meta.get_field(first)
        if not (field.is_relation and (field.many_to_one or field.one_to_one)):
            raise ValueError(f"{model.__name__}.{first} is not a foreign key or one-to-one field")
        related_model = field.related_model
        target = field.target_field.attname
        ids = {getattr(row, field.attname) for row in rows} - {None}
        found: dict[Any, Any] = {}
        if known and related_model in known and not rests:
            found = {getattr(obj, target): obj for obj in known[related_model]}
        how = (
            related_model,
            target,
            tuple(sorted(rests)),
            tuple(sorted((deferred or {}).get(first) or ())),
        )
        missing = ids - found.keys()
        if missing:
            wanted.setdefault(how, set()).update(missing)
        plans.append((field, how, found))
    read = {
        how: _read(how[0], how[1], keys, list(how[2]), list(how[3])) for how, keys in wanted.items()
    }
    for field, how, found in plans:
        also = read.get(how, {})
        for row in rows:
            value = getattr(row, field.attname)
            obj = (found.get(value) or also.get(value)) if value is not None else None
            if value is not None and obj is None:
                continue  # not readable: the descriptor will fetch it (or say it is gone)
            field.set_cached_value(row, obj)
            if obj is not None and field.one_to_one:
                field.remote_field.set_cached_value(obj, row)


#: Numbers of keys the related reads are compiled for: a read's keys are made up to the next
#: (the last key repeated), so that a page's reads use a few statements, each built once.
#: More keys than the last are read through the ORM.
KEY_COUNTS = (1, 2, 4, 8, 16, 32, 64, 128, 256)


def _read(
    model: Any, target: str, keys: set[Any], rests: list[str], defer: list[str] | None
) -> dict[Any, Any]:
    """The records of `model` whose `target` is among `keys`, with `rests` joined and `defer`
    deferred, by their `target`: through a statement compiled once where `_reader` can build
    one, else through the ORM."""
    if 0 < len(keys) <= KEY_COUNTS[-1]:
        size = next(count for count in KEY_COUNTS if count >= len(keys))
        reader = _reader(model, target, tuple(rests), tuple(defer or ()), size)
        if reader is not None:
            ordered = sorted(keys)
            found = reader.read([*ordered, *[ordered[-1]] * (size - len(ordered))])
            return {getattr(obj, target): obj for obj in found}
    rows = _related_rows(model, target, keys, rests, defer)
    return {getattr(obj, target): obj for obj in rows}


def _related_rows(
    model: Any, target: str, keys: Iterable[Any], rests: Iterable[str], defer: Iterable[str] | None
) -> QuerySet[Any]:
    queryset = model._default_manager.all()
    if hasattr(queryset, "unscoped"):
        queryset = queryset.unscoped(REASON)
    if rests:
        queryset = queryset.select_related(*rests)
    if defer:
        queryset = queryset.defer(*defer)
    return queryset.filter(**{f"{target}__in": list(keys)}).order_by()


class _Reader:
    """The ORM's statement reading related records by `size` keys, compiled once, and what
    Django's model iterable needs to make records of its rows (with their joined records)."""

    def __init__(
        self, compiler: Any, sql: str, params: list[Any], slots: list[int], field: Any
    ) -> None:
        from django.db.models.query import get_related_populators  # type: ignore[attr-defined]

        self.compiler, self.sql, self.params, self.slots = compiler, sql, params, slots
        self.field = field  # the keys' field, which prepares each key as the ORM would
        select, klass_info = compiler.select, compiler.klass_info
        self.model = klass_info["model"]
        first, last = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        self.own = slice(first, last)
        self.names = [column[0].target.attname for column in select[first:last]]
        self.populators = get_related_populators(klass_info, select, compiler.using)
        self.converters = compiler.get_converters([s[0] for s in select[: compiler.col_count]])

    def read(self, keys: list[Any]) -> list[Any]:
        connection = self.compiler.connection
        params = list(self.params)
        for position, key in zip(self.slots, keys, strict=True):
            params[position] = self.field.get_db_prep_value(key, connection, prepared=False)
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows: Any = cursor.fetchall()
        if self.converters:
            rows = self.compiler.apply_converters(rows, self.converters)
        using, found = self.compiler.using, []
        for row in rows:
            obj = self.model.from_db(using, self.names, row[self.own])
            for populator in self.populators:
                populator.populate(row, obj)
            found.append(obj)
        return found


def _reader(
    model: Any, target: str, rests: tuple[str, ...], defer: tuple[str, ...], size: int
) -> _Reader | None:
    """The compiled read of `size` keys, kept on the connection; None where the keys' field is
    not a number (the markers that find the keys among the parameters are numbers)."""
    from django.db import connections, router

    connection = connections[router.db_for_read(model)]
    cache = connection.__dict__.setdefault("_concord_related", {})
    key = (model, target, rests, defer, size)
    if key not in cache:
        cache[key] = _compile_reader(model, target, rests, defer, size, connection)
    return cache[key]


def _compile_reader(
    model: Any,
    target: str,
    rests: tuple[str, ...],
    defer: tuple[str, ...],
    size: int,
    connection: Any,
) -> _Reader | None:
    field = model._meta.get_field(target)
    if field.get_internal_type() not in ("AutoField", "BigAutoField", "IntegerField"):
        return None
    markers = [-(2**62) - number for number in range(size)]
    queryset = _related_rows(model, target, markers, rests, defer)
    # A scoped model's query checks its scope (the unscoped reason) as it is compiled, here once.
    compiler = queryset.query.get_compiler(connection=connection)
    sql, params = compiler.as_sql()
    params = list(params)
    slots = []
    for marker in markers:
        prepared = field.get_db_prep_value(marker, connection, prepared=False)
        positions = [n for n, value in enumerate(params) if value == prepared]
        if len(positions) != 1:
            return None
        slots.append(positions[0])
    return _Reader(compiler, sql, params, slots, field)


def without_bookkeeping(queryset: Any, related: Any = (), own: bool = False) -> Any:
    """`queryset` not loading the bookkeeping columns (created/updated times, version) of the
    records joined through `related` (and of its own rows too when `own`).

    Lists, dropdowns and joined records never show them, and turning two timestamps per row
    into Python datetimes was a visible share of a list page's time.
    """
    names = [
        f"{path}__{name}"
        for path in related
        if _is_concord(_related_model(queryset.model, path))
        for name in sorted(UNTRACKED_FIELDS)
    ]
    if own and _is_concord(queryset.model):
        names += sorted(UNTRACKED_FIELDS)
    return queryset.defer(*names) if names else queryset


def _related_model(model: Any, path: str) -> Any:
    for part in path.split("__"):
        model = model._meta.get_field(part).related_model
    return model


def _is_concord(model: Any) -> bool:
    return isinstance(model, type) and issubclass(model, ConcordModel)


def with_related(qs: Any, paths: list[str]) -> Any:
    """`qs` joined to the records a table shows, without their bookkeeping columns; no join
    at all when it shows none (a bare ``select_related()`` would follow every foreign key)."""
    return without_bookkeeping(qs.select_related(*paths), paths) if paths else qs
