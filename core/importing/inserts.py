"""Inserting many rows of one model with statements built once, for an import's bulk writes.

Django's ``bulk_create`` compiles every object of every statement: each value goes through the
SQL compiler (a placeholder and a prepared value a field and a row), and on SQLite a statement
holds at most 999 parameters, so a thousand change records are a dozen statements each compiled
value by value. Profiling an import of 5,000 assets found three quarters of its writing time
there, not in the database (docs/performance.md, "Assets").

`insert` writes the same rows with the statement's text made once per batch size (on
PostgreSQL, with ``COPY``, the ids taken from the key's sequence first) and each value prepared
by its field (``get_db_prep_save``, skipped only for values a field would pass
as they are: text in a text field, a whole number in an integer field or a foreign key to
one): with ``RETURNING`` the new ids, set on the objects as ``bulk_create`` sets them, for
records whose id is needed (the records, their change records); without, as one
``executemany`` for rows nothing refers to (owner shares, the change records' councils).

What it does not do that ``bulk_create`` does: send no signal (neither does ``bulk_create``),
not check that related objects are saved (the import sets foreign keys by id), not handle
conflicts, multi-table inheritance or fields the database works out (``db_default``,
``GeneratedField``): `insertable` says whether a model is one it writes; callers fall back to
``bulk_create`` for the others.
"""

from __future__ import annotations

import datetime
import decimal
import json
import operator
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, models
from django.db.backends.base.operations import BaseDatabaseOperations

from core.tenancy.inserts import passed_as_is

#: Rows in one INSERT ... RETURNING at most (and fewer where the parameters would be too many).
MAX_ROWS = 500
#: Parameters in one statement at most: SQLite's limit since 3.32 is 32,766 (Django assumes
#: the older 999), PostgreSQL's 65,535.
MAX_PARAMS = 30_000


def insertable(model: type[models.Model]) -> bool:
    """Whether `insert` can write `model`'s rows (see the module's note)."""
    meta = model._meta
    if meta.parents or meta.proxy:
        return False
    for field in meta.concrete_fields:
        if getattr(field, "generated", False) or field.db_default is not models.NOT_PROVIDED:
            return False
    return True


def _fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    """The fields an insert writes: every concrete field but an automatic primary key."""
    meta = model._meta
    return [
        f
        for f in meta.concrete_fields
        if not (f.primary_key and isinstance(f, models.AutoField | models.BigAutoField))
    ]


def _converter(
    field: models.Field[Any, Any], connection: Any
) -> tuple[Callable[[Any], Any], frozenset[type]]:
    """A function giving the database value of `field` for a Python value, as a save does,
    and the types of the values it gives back as they are (a column holding only those is
    sent without a call a value).

    Three shortcuts, each giving exactly what the field gives: a date, time or decimal is
    prepared once a value (an import's rows share one moment of writing, and their dates and
    prices repeat); a moment with its time zone, in Django's own ``DateTimeField``, is what
    the backend's ``adapt_datetimefield_value`` makes of it, without the field's calls before
    it (`_moment`: a record's times of creation and change differ on every row); and a JSON
    value with the field's plain encoder is the JSON text ``json.dumps`` makes, which is what
    Django's SQLite and base backends send and what PostgreSQL's ``COPY`` reads into a
    ``jsonb`` column."""
    prepare = field.get_db_prep_save
    # Text in a text field, a whole number in an integer field or a key to one: as they are.
    plain = tuple(kind for kind in passed_as_is(field, connection) if kind is not type(None))
    if _plain_json(field, connection):
        dumps = _json_writer(field.encoder)  # type: ignore[attr-defined]

        def to_json(value: Any) -> Any:
            if value is None:
                return None  # SQL NULL, as JSONField.get_db_prep_save gives
            return dumps(value)

        return to_json, frozenset({type(None)})
    nullable = not isinstance(field, models.JSONField)
    memo: dict[tuple[type, Any], Any] = {}
    moment = _moment(field, connection)

    def convert(value: Any) -> Any:
        if value is None and nullable:
            return None
        kind = type(value)
        if plain and kind in plain:
            return value
        if moment is not None and kind is datetime.datetime and value.utcoffset() is not None:
            return moment(value)
        if kind in _REPEATING:
            key = (kind, value)
            found = memo.get(key, _MISSING)
            if found is _MISSING:
                found = prepare(value, connection)
                if len(memo) < _MEMO_SIZE:
                    memo[key] = found
            return found
        return prepare(value, connection)

    passed = frozenset(plain) | ({type(None)} if nullable else set())
    return convert, passed


def _moment(field: models.Field[Any, Any], connection: Any) -> Callable[[Any], Any] | None:
    """For Django's own ``DateTimeField`` with time zones in use, on SQLite or PostgreSQL: a
    function giving, for a moment with its time zone, what ``get_db_prep_save`` gives (its
    ``get_prep_value`` and ``to_python`` give such a moment back as it is, then the backend's
    ``adapt_datetimefield_value``: on PostgreSQL the moment itself, on SQLite the text of its
    time in the connection's time zone, without one). None where that is not the field's own
    path."""
    own = type(field)
    if not (
        settings.USE_TZ
        and isinstance(field, models.DateTimeField)
        and own.get_db_prep_save is models.Field.get_db_prep_save
        and own.get_db_prep_value is models.DateTimeField.get_db_prep_value
        and own.get_prep_value is models.DateTimeField.get_prep_value
        and own.to_python is models.DateTimeField.to_python
    ):
        return None
    adapt = type(connection.ops).adapt_datetimefield_value
    if connection.vendor == "postgresql" and adapt is _pg_adapt_datetime(connection):
        return lambda value: value
    if connection.vendor == "sqlite" and adapt is _sqlite_adapt_datetime(connection):
        zone = connection.timezone
        return lambda value: str(value.astimezone(zone).replace(tzinfo=None))
    return None


def _pg_adapt_datetime(connection: Any) -> Any:
    from django.db.backends.postgresql.operations import DatabaseOperations

    return DatabaseOperations.adapt_datetimefield_value


def _sqlite_adapt_datetime(connection: Any) -> Any:
    from django.db.backends.sqlite3.operations import DatabaseOperations

    return DatabaseOperations.adapt_datetimefield_value


def _json_dumps(encoder: type[json.JSONEncoder] | None) -> Callable[[Any], str]:
    """``json.dumps(value, cls=encoder)``: the JSON text Django's backends send."""
    return lambda value: json.dumps(value, cls=encoder)


def _json_writer(encoder: type[json.JSONEncoder] | None) -> Callable[[Any], str]:
    """The same text as `_json_dumps`, from one encoder made once with the settings
    ``json.dumps`` gives the one it makes a call (an import writes two JSON values a change
    record, tens of thousands of them): for the standard library's encoder and Django's, which
    keep nothing between two values; any other encoder is made a value, as ``json.dumps`` does."""
    if encoder not in (None, json.JSONEncoder, DjangoJSONEncoder):
        return _json_dumps(encoder)
    made = (encoder or json.JSONEncoder)(
        skipkeys=False,
        ensure_ascii=True,
        check_circular=True,
        allow_nan=True,
        indent=None,
        separators=None,
        default=None,
        sort_keys=False,
    )
    return made.encode


def _plain_json(field: models.Field[Any, Any], connection: Any) -> bool:
    """Whether `field` is a JSON field whose database value is ``json.dumps`` of the value:
    Django's own ``JSONField`` (not a kind of it that prepares values itself), on SQLite
    (whose backend sends that text) or PostgreSQL (where the inserts use ``COPY``, which reads
    the text)."""
    return (
        type(field) is models.JSONField
        and connection.vendor in ("sqlite", "postgresql")
        and type(connection.ops).adapt_json_value
        in (BaseDatabaseOperations.adapt_json_value, _pg_adapt_json_value(connection))
    )


def _pg_adapt_json_value(connection: Any) -> Any:
    """PostgreSQL's ``adapt_json_value`` (a ``Jsonb`` wrapper for statements; ``COPY`` takes
    the text instead), or None on another database."""
    if connection.vendor != "postgresql":
        return None
    from django.db.backends.postgresql.operations import DatabaseOperations

    return DatabaseOperations.adapt_json_value


#: Value types a field prepares the same way for equal values, worth preparing once a value.
_REPEATING: frozenset[type] = frozenset(
    {datetime.datetime, datetime.date, datetime.time, decimal.Decimal}
)
#: Prepared values remembered a column and statement run, at most.
_MEMO_SIZE = 4096
_MISSING = object()


#: ``pre_save`` of Django's date and time fields: (with ``auto_now`` or ``auto_now_add``) the
#: moment set on the field's own attribute and given back, else the attribute's value.
_OWN_MOMENT = frozenset({models.DateField.pre_save, models.DateTimeField.pre_save})


def _pre_save(field: models.Field[Any, Any]) -> bool:
    """Whether `field` works its value out as the row is saved (a time of creation)."""
    return type(field).pre_save is not models.Field.pre_save


def insert(
    model: type[models.Model], objs: Sequence[models.Model], *, returning: bool, using: str = ""
) -> None:
    """INSERT `objs` (new records of `model`) in a few statements; with `returning`, their new
    ids are set on them (and each is marked as saved), in their order."""
    if not objs:
        return
    fields = _fields(model)
    worked_out = [_pre_save(f) for f in fields]
    moments = [f for f, computed in zip(fields, worked_out, strict=True) if computed]
    if len(fields) > 1 and all(type(f).pre_save in _OWN_MOMENT for f in moments):
        # Each value worked out on saving is a moment set on its own field only (a time of
        # creation or change): set them first, then read every field at once, in C.
        read = operator.attrgetter(*(f.attname for f in fields))
        rows: list[Any] = []
        for obj in objs:
            for f in moments:
                f.pre_save(obj, True)
            rows.append(read(obj))
    else:
        rows = [
            [
                f.pre_save(obj, True) if computed else getattr(obj, f.attname)
                for f, computed in zip(fields, worked_out, strict=True)
            ]
            for obj in objs
        ]
    ids = _write(model, fields, rows, returning=returning, using=using or "default")
    if not returning:
        return
    pk = model._meta.pk
    assert pk is not None
    for obj, new_id in zip(objs, ids, strict=True):
        setattr(obj, pk.attname, new_id)
        obj._state.adding = False
        obj._state.db = using or "default"


def insert_values(
    model: type[models.Model],
    names: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    returning: bool = False,
) -> list[Any]:
    """INSERT `rows` of `model`, each the values of the fields `names` in that order (a
    foreign key's id by its field's name or attname), without making a model instance a row:
    for rows nothing works out as they are saved (change records, their councils, owner
    shares). With `returning`, the new ids in the rows' order (a few ``INSERT ... RETURNING``);
    without, one ``executemany``."""
    if not rows:
        return []
    meta = model._meta
    fields = [meta.get_field(name) for name in names]
    assert all(isinstance(f, models.Field) and f.concrete for f in fields), names
    return _write(model, fields, rows, returning=returning, using="default")  # type: ignore[arg-type]


def _write(
    model: type[models.Model],
    fields: Sequence[models.Field[Any, Any]],
    values: Sequence[Sequence[Any]],
    *,
    returning: bool,
    using: str,
) -> list[Any]:
    """The statements themselves: `values` (Python values of `fields`, a row each) prepared by
    each field and inserted; the new ids with `returning`."""
    connection = connections[using]
    rows = _prepared([_converter(f, connection) for f in fields], values)
    if connection.vendor == "postgresql":
        return _copy(connection, model, fields, rows, returning=returning)
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(f.column) for f in fields)
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    ids: list[Any] = []
    with connection.cursor() as cursor:
        if not returning:
            # Names from the model's own metadata, quoted; every value a parameter.
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES {one}", rows)  # noqa: S608
            return ids
        pk = model._meta.pk
        assert pk is not None
        per = max(1, min(MAX_ROWS, MAX_PARAMS // max(1, len(fields))))
        statements: dict[int, str] = {}
        for start in range(0, len(rows), per):
            batch = rows[start : start + per]
            sql = statements.get(len(batch))
            if sql is None:
                sql = statements[len(batch)] = (
                    f"INSERT INTO {table} ({columns}) VALUES "  # noqa: S608
                    + ", ".join([one] * len(batch))
                    + f" RETURNING {quote(pk.column)}"
                )
            cursor.execute(sql, [value for row in batch for value in row])
            ids += [found[0] for found in cursor.fetchall()]
    return ids


def _prepared(
    converters: Sequence[tuple[Callable[[Any], Any], frozenset[type]]],
    values: Sequence[Sequence[Any]],
) -> list[tuple[Any, ...]]:
    """`values` prepared for the database, a column at a time: a column whose values are all
    of types its field passes as they are (text, whole numbers, ids, no value) is taken as it
    is, without a call a value; the others go through their field's converter."""
    if not values:
        return []
    columns: list[Sequence[Any]] = []
    for (convert, passed), column in zip(converters, zip(*values, strict=True), strict=True):
        if set(map(type, column)) <= passed:
            columns.append(column)
        else:
            columns.append(list(map(convert, column)))
    return list(zip(*columns, strict=True))


def _copy(
    connection: Any,
    model: type[models.Model],
    fields: Sequence[models.Field[Any, Any]],
    rows: Sequence[Sequence[Any]],
    *,
    returning: bool,
) -> list[Any]:
    """PostgreSQL: the rows sent with ``COPY ... FROM STDIN``, the fastest way in, which
    parses no statement holding thousands of parameters (a multi-row INSERT spent most of its
    time there, in the driver and the server). COPY returns nothing, so the new ids are taken
    from the primary key's sequence first (``nextval``, as an insert would take them) and
    written with the rows."""
    meta = model._meta
    quote = connection.ops.quote_name
    names = [f.column for f in fields]
    ids: list[Any] = []
    with connection.cursor() as cursor:
        if returning:
            pk = meta.pk
            assert pk is not None
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, pk.column, len(rows)],
            )
            ids = [found[0] for found in cursor.fetchall()]
            names = [pk.column, *names]
            rows = [(new_id, *row) for new_id, row in zip(ids, rows, strict=True)]
        columns = ", ".join(quote(name) for name in names)
        # Names from the model's own metadata, quoted; the values are sent as data.
        statement = f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN"
        with cursor.cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
    return ids
