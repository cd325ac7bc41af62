"""New rows inserted with a statement compiled once per connection, model and number of rows.

Every write in Concord inserts rows beside the record itself: its change record and the
councils whose change logs hold it, its search entries, a job to send its emails. Django
builds each INSERT again from the model for every call (the placeholder for each value, the
column list, the returning clause): a tenth of raising a ticket went there. The statement
depends only on the model, the number of rows and the database, so it is built once, by
Django's own compiler, and kept on the connection; each call prepares its values as the ORM
would (each field's ``pre_save`` and ``get_db_prep_save``) and sends them.

`insert_new` is what ``bulk_create`` runs (core.tenancy.scoping.ChangeLoggedWrites) when a
call is of the shape it covers: new rows (no id of their own) of a model whose id the database
gives, plain values (no expressions), a database that returns the ids of the rows it inserts
(SQLite 3.35 and PostgreSQL). Any other call is left to Django's ``bulk_create``, as before.
"""

from __future__ import annotations

from typing import Any

from django.db import connections, transaction
from django.db.models.sql import InsertQuery

#: Rows inserted in one statement by `insert_new`; more are left to Django (which batches).
MOST_ROWS = 20

#: Kept for a model and number of rows whose statement this does not build (Django's is used).
_UNSUITED = False


def insert_new(model: Any, objs: list[Any], using: str) -> bool:
    """Insert `objs`, new instances of `model`, in one statement, each given the id (and any
    other value) the database gives it, as ``bulk_create`` does: no ``save()``, no signals.
    False, having written nothing, for a call this does not cover."""
    if not objs or len(objs) > MOST_ROWS:
        return False
    opts = model._meta
    if opts.parents or any(obj.pk is not None for obj in objs):
        return False
    connection = connections[using]
    cache = connection.__dict__.setdefault("_concord_inserts", {})
    key = (model, len(objs))
    entry = cache.get(key)
    if entry is None:
        entry = cache[key] = _compile(model, len(objs), connection)
    if entry is _UNSUITED:
        return False
    sql, fields, returning, converters, compiler = entry
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
    params: list[Any] = []
    for obj in objs:
        for field in fields:
            value = field.pre_save(obj, True)
            if hasattr(value, "resolve_expression"):
                return False
            params.append(field.get_db_prep_save(value, connection=connection))
    with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if len(rows) != len(objs):  # pragma: no cover - the database returned what it inserted
        raise RuntimeError(f"{len(objs)} rows of {opts.label} inserted, {len(rows)} returned")
    if converters:
        rows = list(compiler.apply_converters(rows, converters))
    for obj, row in zip(objs, rows, strict=True):
        for field, value in zip(returning, row, strict=True):
            setattr(obj, field.attname, value)
        obj._state.adding = False
        obj._state.db = using
    return True


def _compile(model: Any, count: int, connection: Any) -> Any:
    """(statement, fields given values, fields returned, converters, compiler) of inserting
    `count` new rows of `model`, from Django's compiler; `_UNSUITED` where the statement would
    not be the same for every call (a field that writes its own placeholder) or the database
    cannot return the rows it inserts."""
    opts = model._meta
    features = connection.features
    if not (features.can_return_rows_from_bulk_insert and features.can_return_columns_from_insert):
        return _UNSUITED
    returning = list(opts.db_returning_fields)
    if opts.pk not in returning or not getattr(opts.pk, "db_returning", False):
        return _UNSUITED
    fields = [f for f in opts.concrete_fields if not f.generated and f not in returning]
    if any(getattr(field, "get_placeholder", None) is not None for field in fields):
        return _UNSUITED
    query = InsertQuery(model)
    query.insert_values(fields, [model() for _ in range(count)], raw=True)
    compiler = query.get_compiler(connection=connection)
    compiler.returning_fields = returning
    statements = compiler.as_sql()
    if len(statements) != 1 or compiler.returning_params:
        return _UNSUITED
    sql, params = statements[0]
    if len(params) != len(fields) * count:
        return _UNSUITED
    cols = [field.get_col(opts.db_table) for field in returning]
    return sql, fields, returning, compiler.get_converters(cols), compiler
