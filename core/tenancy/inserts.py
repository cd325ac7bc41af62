"""New rows inserted with a statement compiled once per connection, model and number of rows.

Every write in Concord inserts rows beside the record itself: its change record and the
councils whose change logs hold it, its search entries, a job to send its emails. Django
builds each INSERT again from the model for every call (the placeholder for each value, the
column list, the returning clause): a tenth of raising a ticket went there. The statement
depends only on the model, the number of rows and the database, so it is built once, by
Django's own compiler, and kept on the connection; each call prepares its values as the ORM
would (each field's ``pre_save`` and ``get_db_prep_save``, skipped for a value the field would
send unchanged: `passed_as_is`) and sends them.

`insert_new` is what ``bulk_create`` runs (core.tenancy.scoping.ChangeLoggedWrites and
core.models.ImmutableRowsQuerySet), and `insert_saved` what a new record's ``save()`` runs
(core.tenancy.records.ConcordModel._do_insert), when a call is of the shape they cover: new
rows (no id of their own) of a model whose id the database gives, plain values (no
expressions), a database that returns the ids of the rows it inserts (SQLite 3.35 and
PostgreSQL). `insert_given` is the same for rows that bring their own ids (a UUID the
model's default gives, as a job's row: core.queueing.DatabaseQueue). Any other call is left to
Django, as before (decision 0045). On PostgreSQL, `insert_with_links` inserts a new row and
its links to other rows in one statement (a change record and the councils whose change logs
hold it: one round trip fewer for every change-logged write). Where the connection can keep
an insert for the transaction's next statement (core.postgresql, decision 0047), the inserts
whose results no one reads are kept: `insert_later` (rows whose ids stay unread), a job's row,
and a change record with its links.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from django.db import connections, transaction
from django.db.models.sql import InsertQuery

#: Rows inserted in one statement by `insert_new`; more are left to Django (which batches).
MOST_ROWS = 20

#: Kept for a model and number of rows whose statement this does not build (Django's is used).
_UNSUITED = False


class _Statement(NamedTuple):
    """The insert of a number of new rows of one model, as Django's compiler wrote it."""

    sql: str
    #: The fields given a value, in the statement's order.
    fields: list[Any]
    #: The fields the database gives back (the id).
    returning: list[Any]
    converters: Any
    compiler: Any
    #: The values go a column at a time (Django's several rows on PostgreSQL: ``UNNEST``).
    by_column: bool


def insert_new(model: Any, objs: list[Any], using: str) -> bool:
    """Insert `objs`, new instances of `model`, in one statement, each given the id (and any
    other value) the database gives it, as ``bulk_create`` does: no ``save()``, no signals.
    False, having written nothing, for a call this does not cover."""
    if not objs or len(objs) > MOST_ROWS or any(obj.pk is not None for obj in objs):
        return False
    entry = _statement(model, len(objs), using)
    if entry is _UNSUITED:
        return False
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
    rows = _run(entry, objs, using)
    if rows is None:
        return False
    for obj, row in zip(objs, rows, strict=True):
        for field, value in zip(entry.returning, row, strict=True):
            setattr(obj, field.attname, value)
        obj._state.adding = False
        obj._state.db = using
    return True


def insert_later(model: Any, objs: list[Any], using: str) -> bool:
    """Insert `objs`, new instances of `model` whose ids no one reads back (a record's search
    entries), as `insert_new` does; where the connection can keep writes for the transaction's
    next statement (core.postgresql: one round trip for them all), they are kept, and their
    ids stay None. False, having written nothing, for a call this does not cover."""
    if not objs or len(objs) > MOST_ROWS or any(obj.pk is not None for obj in objs):
        return False
    connection = connections[using]
    if getattr(connection, "write_later", None) is None or not connection.in_atomic_block:
        return insert_new(model, objs, using)
    return _insert_reading_nothing(_statement(model, len(objs), using, later=True), objs, using)


def insert_given(model: Any, objs: list[Any], using: str) -> bool:
    """Insert `objs`, new instances of `model` that hold their own ids (a model whose id is
    not the database's to give: a UUID), in one statement: no ``save()``, no signals. False,
    having written nothing, for a call this does not cover."""
    if not objs or len(objs) > MOST_ROWS or any(obj.pk is None for obj in objs):
        return False
    return _insert_reading_nothing(_statement(model, len(objs), using, given=True), objs, using)


def _insert_reading_nothing(entry: Any, objs: list[Any], using: str) -> bool:
    """Insert `objs` with `entry`, a statement that reads nothing back (rows with their own
    ids, or kept for the next statement): `insert_given`'s and `insert_later`'s work."""
    if entry is _UNSUITED:
        return False
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
    if _run(entry, objs, using) is None:
        return False
    for obj in objs:
        obj._state.adding = False
        obj._state.db = using
    return True


def insert_with_links(
    obj: Any, link_model: Any, to_obj: str, to_other: str, others: list[Any], using: str
) -> bool:
    """Insert `obj` (new, its id the database's to give) and one row of `link_model` for each
    of `others`, its `to_obj` field pointing at `obj` and its `to_other` field holding the
    value, in one statement: PostgreSQL's ``WITH new AS (INSERT ... RETURNING id) INSERT ...
    SELECT``. `link_model` must hold nothing but an id of the database's and those two fields.
    No ``save()``, no signals. False, having written nothing, where this is not so (another
    database, no `others`, a value that is an expression)."""
    connection = connections[using]
    if connection.vendor != "postgresql" or not others or obj.pk is not None:
        return False
    entry = _statement(type(obj), 1, using)
    if entry is _UNSUITED or entry.returning != [type(obj)._meta.pk]:
        return False
    write_later = getattr(connection, "write_later", None)
    later = write_later is not None and connection.in_atomic_block
    links = _links_statement(entry, link_model, to_obj, to_other, connection, later=later)
    if links is None:
        return False
    obj._prepare_related_fields_for_save(operation_name="save")
    params = _prepared(entry.fields, [obj], connection)
    if params is None:
        return False
    if later and write_later(links, [*params, list(others)]):  # type: ignore[misc]
        # Sent with the transaction's next statement (core.postgresql); its id stays None.
        obj._state.adding = False
        obj._state.db = using
        return True
    if later:  # the connection could not keep it after all: sent now, reading the id back
        links = _links_statement(entry, link_model, to_obj, to_other, connection)
        if links is None:  # pragma: no cover - built as the one above
            return False
    with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
        cursor.execute(links, [*params, list(others)])
        rows = cursor.fetchall()
    if len(rows) != len(others):  # pragma: no cover - the database returned what it inserted
        raise RuntimeError(f"{len(others)} links inserted, {len(rows)} returned")
    (id_field,) = entry.returning
    converted = _run_converters(entry, [(rows[0][0],)])
    setattr(obj, id_field.attname, converted[0][0])
    obj._state.adding = False
    obj._state.db = using
    return True


def _links_statement(
    entry: _Statement,
    link_model: Any,
    to_obj: str,
    to_other: str,
    connection: Any,
    *,
    later: bool = False,
) -> str | None:
    """The statement inserting `entry`'s row and its links, kept on the connection; None when
    `link_model` is not a plain link. `later`: the statement reads nothing back."""
    cache = connection.__dict__.setdefault("_concord_inserts", {})
    key = ("links", entry.sql, link_model, to_obj, to_other, later)
    if key not in cache:
        cache[key] = _compile_links(entry, link_model, to_obj, to_other, connection, later)
    return cache[key]


def _compile_links(
    entry: _Statement,
    link_model: Any,
    to_obj: str,
    to_other: str,
    connection: Any,
    later: bool = False,
) -> str | None:
    """`entry`'s insert as a common table expression, and the links' insert reading its id
    (and returning the links' ids unless `later`); None when `link_model` holds more than its
    id and the two fields."""
    opts = link_model._meta
    ours, theirs = opts.get_field(to_obj), opts.get_field(to_other)
    written = [f for f in opts.local_concrete_fields if f is not opts.auto_field]
    if opts.auto_field is None or sorted(f.name for f in written) != sorted([to_obj, to_other]):
        return None
    quote = connection.ops.quote_name
    (returned,) = entry.returning
    # Names from the models' metadata, quoted; every value is a parameter.
    return (
        f"WITH new AS ({entry.sql}) "  # noqa: S608
        f"INSERT INTO {quote(opts.db_table)} ({quote(ours.column)}, {quote(theirs.column)}) "
        f"SELECT new.{quote(returned.column)}, other "
        f"FROM new, UNNEST(%s::{theirs.db_type(connection)}[]) AS other"
        + ("" if later else f" RETURNING {quote(ours.column)}")
    )


def insert_saved(obj: Any, using: str, fields: list[Any], returning: list[Any]) -> Any:
    """The returned values of inserting `obj` as ``Model.save()`` inserts it (`fields` given
    values, `returning` read back: what Django's ``_save_table`` asks ``_do_insert`` for), or
    None, having written nothing, where the compiled statement is not that one."""
    if obj.pk is not None:
        return None
    entry = _statement(type(obj), 1, using)
    if entry is _UNSUITED or entry.fields != fields or entry.returning != returning:
        return None
    return _run(entry, [obj], using)


def _statement(
    model: Any, count: int, using: str, *, given: bool = False, later: bool = False
) -> Any:
    """The compiled insert of `count` new rows of `model` on `using`, kept on the connection;
    `given`: rows that hold their own ids; `later`: new rows whose ids are not read back."""
    if model._meta.parents:
        return _UNSUITED
    connection = connections[using]
    cache = connection.__dict__.setdefault("_concord_inserts", {})
    key = (model, count, given, later)
    entry = cache.get(key)
    if entry is None:
        if given:
            entry = _compile_given(model, count, connection)
        else:
            entry = _compile(model, count, connection, later=later)
        cache[key] = entry
    return entry


def _run(entry: _Statement, objs: list[Any], using: str) -> list[Any] | None:
    """The rows `entry`'s statement returns for `objs`, their values prepared as the ORM
    prepares them; None, having sent nothing, when a value is an expression."""
    sql, fields, returning, _converters, _compiler, by_column = entry
    connection = connections[using]
    params = _prepared(fields, objs, connection)
    if params is None:
        return None
    if by_column:
        # PostgreSQL's several rows: one array of values a column (``UNNEST``), as Django's.
        width = len(fields)
        params = [params[column::width] for column in range(width)]
    if not returning:
        write_later = getattr(connection, "write_later", None)
        if write_later is not None and write_later(sql, params):
            # Nothing comes back: sent with the transaction's next statement (core.postgresql).
            return [() for _obj in objs]
    with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
        cursor.execute(sql, params)
        if not returning:  # nothing comes back: rows with their own ids, or kept for later
            return [() for _obj in objs]
        rows = cursor.fetchall()
    if len(rows) != len(objs):  # pragma: no cover - the database returned what it inserted
        raise RuntimeError(f"{len(objs)} rows inserted, {len(rows)} returned")
    return _run_converters(entry, rows)


def _prepared(fields: list[Any], objs: list[Any], connection: Any) -> list[Any] | None:
    """The values of `fields` of each of `objs`, prepared as the ORM prepares them for an
    insert (a value of a type its field sends as it is, `passed_as_is`, taken as it is);
    None when one is an expression."""
    cache = connection.__dict__.setdefault("_concord_passed", {})
    params: list[Any] = []
    for obj in objs:
        for field in fields:
            value = field.pre_save(obj, True)
            passed = cache.get(field)
            if passed is None:
                passed = cache[field] = passed_as_is(field, connection)
            if type(value) in passed:
                params.append(value)
                continue
            if hasattr(value, "resolve_expression"):
                return None
            params.append(field.get_db_prep_save(value, connection=connection))
    return params


def passed_as_is(field: Any, connection: Any) -> frozenset[type]:
    """The types of value `field` gives `connection`'s database as they are (its
    ``get_db_prep_save`` gives the value itself): text in Django's own text fields, a whole
    number in its integer fields and in a foreign key to one, and no value (None) in any field
    but a JSON one (which sends JSON's ``null``)."""
    from django.db import models
    from django.db.backends.base.operations import BaseDatabaseOperations

    def own(field: Any, method: str, *django_s: Any) -> bool:
        return getattr(type(field), method) in django_s

    integers_as_they_are = own(
        connection.ops, "adapt_integerfield_value", BaseDatabaseOperations.adapt_integerfield_value
    )

    def whole_numbers(field: Any) -> bool:
        return (
            isinstance(field, models.IntegerField)
            and integers_as_they_are
            and own(field, "get_prep_value", models.IntegerField.get_prep_value)
            and own(field, "get_db_prep_value", models.IntegerField.get_db_prep_value)
            and own(field, "get_db_prep_save", models.Field.get_db_prep_save)
        )

    plain: set[type] = set()
    if isinstance(field, models.ForeignKey):
        if own(field, "get_db_prep_save", models.ForeignKey.get_db_prep_save):
            target = field.target_field
            if whole_numbers(target) or (
                isinstance(target, models.AutoField | models.BigAutoField)
                and own(target, "get_prep_value", models.AutoField.get_prep_value)
                and own(
                    connection.ops,
                    "validate_autopk_value",
                    BaseDatabaseOperations.validate_autopk_value,
                )
            ):
                plain.add(int)
    elif whole_numbers(field):
        plain.add(int)
    elif (
        isinstance(field, models.CharField | models.TextField)
        and own(
            field,
            "get_prep_value",
            models.CharField.get_prep_value,
            models.TextField.get_prep_value,
        )
        and own(field, "get_db_prep_value", models.Field.get_db_prep_value)
        and own(field, "get_db_prep_save", models.Field.get_db_prep_save)
    ):
        plain.add(str)
    if not isinstance(field, models.JSONField):
        plain.add(type(None))
    return frozenset(plain)


def _run_converters(entry: _Statement, rows: list[Any]) -> list[Any]:
    """The returned `rows` as Python values, through the fields' converters."""
    if entry.converters:
        return list(entry.compiler.apply_converters(rows, entry.converters))
    return [tuple(row) for row in rows]


def _compile(model: Any, count: int, connection: Any, *, later: bool = False) -> Any:
    """The `_Statement` inserting `count` new rows of `model`, from Django's compiler (reading
    nothing back if `later`); `_UNSUITED` where the statement would not be the same for every
    call (a field that writes its own placeholder) or the database cannot return the rows it
    inserts."""
    opts = model._meta
    features = connection.features
    if opts.order_with_respect_to is not None:
        return _UNSUITED
    if not (features.can_return_rows_from_bulk_insert and features.can_return_columns_from_insert):
        return _UNSUITED
    returning = list(opts.db_returning_fields)
    if opts.pk not in returning or not getattr(opts.pk, "db_returning", False):
        return _UNSUITED
    # What Model.save() gives values to for a new row with no id (Model._save_table).
    fields = [f for f in opts.local_concrete_fields if not f.generated and f is not opts.auto_field]
    if any(field in returning for field in fields):
        return _UNSUITED
    if any(getattr(field, "get_placeholder", None) is not None for field in fields):
        return _UNSUITED
    if later:
        returning = []
    built = _built(model, fields, count, returning, connection)
    if built is None:
        return _UNSUITED
    sql, compiler, by_column = built
    cols = [field.get_col(opts.db_table) for field in returning]
    return _Statement(sql, fields, returning, compiler.get_converters(cols), compiler, by_column)


def _compile_given(model: Any, count: int, connection: Any) -> Any:
    """The `_Statement` inserting `count` new rows of `model` that hold their own ids, every
    column given and nothing read back; `_UNSUITED` where the database would give a value
    (an id of its own, a returned column) or a field writes its own placeholder."""
    opts = model._meta
    if opts.order_with_respect_to is not None or opts.db_returning_fields:
        return _UNSUITED
    if opts.auto_field is not None or getattr(opts.pk, "db_returning", False):
        return _UNSUITED
    fields = [f for f in opts.local_concrete_fields if not f.generated]
    if any(getattr(field, "get_placeholder", None) is not None for field in fields):
        return _UNSUITED
    built = _built(model, fields, count, [], connection)
    if built is None:
        return _UNSUITED
    sql, compiler, by_column = built
    return _Statement(sql, fields, [], None, compiler, by_column)


def _built(
    model: Any, fields: list[Any], count: int, returning: list[Any], connection: Any
) -> tuple[str, Any, bool] | None:
    """Django's statement inserting `count` rows of `model` with values for `fields`, reading
    back `returning`: its SQL, its compiler, and whether the values go a column at a time;
    None where the statement would not take one value a field and row."""
    query = InsertQuery(model)
    query.insert_values(fields, [model() for _ in range(count)], raw=True)
    compiler = query.get_compiler(connection=connection)
    if returning:
        compiler.returning_fields = returning
    statements = compiler.as_sql()
    if len(statements) != 1 or compiler.returning_params:
        return None
    sql, params = statements[0]
    # One value a field and row, or (Django's several rows on PostgreSQL, ``UNNEST``) one list
    # of the rows' values a field.
    by_column = count > 1 and "UNNEST(" in sql and len(params) == len(fields)
    by_column = by_column and all(isinstance(p, list) and len(p) == count for p in params)
    if not by_column and len(params) != len(fields) * count:
        return None
    return sql, compiler, by_column
