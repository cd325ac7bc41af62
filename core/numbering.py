"""Running numbers for references people quote (INC0001234): one counter per key, handed out
inside the caller's transaction, so that two records saved at once never share a number and a
rolled-back save gives its number back. A counter can also be read as it is (`counter_value`),
for a stamp that changes with a set of tables.

A key names what is counted and within what (``servicedesk.ticket:wcc:INC``): counting within
a council keeps one council's numbers from telling another how much work it has.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from core.models import Counter


def next_number(key: str) -> int:
    """The next number of `key` (1 for a new key). Locks the counter's row until the caller's
    transaction ends: call it inside the transaction that saves the numbered record."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("next_number() must run inside the transaction that uses it")
    # One statement takes the row's lock, counts on and answers the number (SQLite 3.35+
    # and PostgreSQL both know RETURNING): a number is asked for with every ticket raised.
    counted = _one_value(
        connection,
        "UPDATE {table} SET {value} = {value} + 1 WHERE {key} = %s RETURNING {value}",
        key,
    )
    if counted is not None:
        return counted
    counter = Counter.objects.select_for_update().filter(key=key).first()
    if counter is None:
        try:
            with transaction.atomic():
                counter = Counter.objects.create(key=key, value=0)
        except IntegrityError:
            # Made at the same moment by another transaction: take the lock on theirs.
            counter = Counter.objects.select_for_update().get(key=key)
    counter.value += 1
    counter.save(update_fields=["value"])
    return counter.value


def next_number_reading(key: str, other: str) -> tuple[int, int | None]:
    """The next number of `key` (as `next_number`) and, read in the same statement, the value
    counter `other` holds (None when there is none): raising a ticket takes its number and
    checks the desk's configuration stamp (servicedesk.rules) in one round trip."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("next_number_reading() must run inside the transaction that uses it")
    quote = connection.ops.quote_name
    table, value, name = quote(Counter._meta.db_table), quote("value"), quote("key")
    sql = (
        f"UPDATE {table} SET {value} = {value} + 1 WHERE {name} = %s "  # noqa: S608 - names quoted
        f"RETURNING {value}, (SELECT other.{value} FROM {table} other WHERE other.{name} = %s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [key, other])
        row = cursor.fetchone()
    if row is None:  # a new key: made as `next_number` makes it
        return next_number(key), counter_value(other)
    return int(row[0]), None if row[1] is None else int(row[1])


def counter_value(key: str) -> int | None:
    """The value counter `key` holds now (None when there is none): a stamp read with every
    ticket raised (servicedesk.rules), as one plain statement with no query to compile."""
    return _one_value(
        transaction.get_connection(), "SELECT {value} FROM {table} WHERE {key} = %s", key
    )


def _one_value(connection: Any, statement: str, key: str) -> int | None:
    """The counter value `statement` answers for `key` (None for no row): one plain statement,
    the counter table's names quoted into it, the key a parameter."""
    quote = connection.ops.quote_name
    sql = statement.format(
        table=quote(Counter._meta.db_table), value=quote("value"), key=quote("key")
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [key])
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def set_at_least(key: str, value: int) -> None:
    """Make sure `key` will not hand out `value` or any number below it (records imported
    with their numbers)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("set_at_least() must run inside the transaction that uses it")
    counter = Counter.objects.select_for_update().filter(key=key).first()
    if counter is None:
        Counter.objects.create(key=key, value=value)
    elif counter.value < value:
        counter.value = value
        counter.save(update_fields=["value"])
