"""`flush` (empty every table), able to empty the change log on SQLite too.

The change log's tables refuse UPDATE and DELETE in the database itself (triggers, see
core/migrations/0002_change_log_immutable.py). On PostgreSQL, ``flush`` empties tables with
TRUNCATE, which row triggers do not see, as a deliberate whole-database reset should. SQLite
has no TRUNCATE: Django empties each table with DELETE, which the triggers refuse. So on SQLite
this command takes the triggers away, empties the tables and puts exactly the same triggers
back, all in one transaction: either the whole database is emptied and still guarded, or
nothing happened.

An FTS5 table (full-text search's, core/migrations/0005_search_index.py) is rebuilt from its
emptied table afterwards, as its triggers were away while it was emptied.

Django's test runner calls it after every transactional test (``transaction=True``, the browser
tests), so without this those tests could not clean up on SQLite.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.management.commands.flush import Command as DjangoFlush
from django.db import connections, transaction


@contextmanager
def triggers_lifted_while_flushing(connection: Any) -> Iterator[None]:
    """While active, the connection's flush runs with the database's triggers taken away and
    put back around it, in the flush's own transaction (SQLite only)."""
    original = connection.ops.execute_sql_flush

    def execute_sql_flush(sql_list: list[str]) -> None:
        with transaction.atomic(using=connection.alias):
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
                )
                triggers = cursor.fetchall()
                for name, _ in triggers:
                    cursor.execute(f"DROP TRIGGER {connection.ops.quote_name(name)}")
            original(sql_list)
            with connection.cursor() as cursor:
                for _, sql in triggers:
                    cursor.execute(sql)
                # An FTS5 table over a table just emptied (full-text search's index,
                # core.search) follows it by triggers, which were away: rebuilt from it.
                cursor.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND sql LIKE 'CREATE VIRTUAL TABLE%USING fts5%'"
                )
                for (name,) in cursor.fetchall():
                    quoted = connection.ops.quote_name(name)
                    # The name is the database's own, quoted: nothing a person typed.
                    cursor.execute(f"INSERT INTO {quoted}({quoted}) VALUES ('rebuild')")  # noqa: S608

    connection.ops.execute_sql_flush = execute_sql_flush
    try:
        yield
    finally:
        del connection.ops.execute_sql_flush


class Command(DjangoFlush):
    def handle(self, **options: Any) -> None:
        connection = connections[options["database"]]
        if connection.vendor != "sqlite":
            return super().handle(**options)
        with triggers_lifted_while_flushing(connection):
            return super().handle(**options)
