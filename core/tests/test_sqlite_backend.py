"""Concord's SQLite backend (core.sqlite3): a connection leaves the query planner's statistics
for the tables its queries used that had none, as it closes; another writer's lock makes it give
up at once, not fail or wait, and a later connection does it. Decision 0049.

Each test opens a connection of its own on a SQLite file, as a request does, whatever database
the suite runs on."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from django.db import connection as default_connection
from django.db.utils import ConnectionHandler


def open_connection(path: Path) -> Any:
    """A connection to the SQLite file `path` through Concord's backend, as settings make it."""
    handler = ConnectionHandler({"default": {"ENGINE": "core.sqlite3", "NAME": str(path)}})
    return handler["default"]


def statistics(path: Path) -> dict[str, str]:
    """sqlite_stat1's rows: index -> its figures (none before the first analysis)."""
    with sqlite3.connect(path) as raw:
        if not raw.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone():
            return {}
        return dict(raw.execute("SELECT idx, stat FROM sqlite_stat1").fetchall())


@pytest.fixture(autouse=True)
def own_connections(django_db_blocker: Any) -> Any:
    """These tests' connections are to files of their own, not the test database."""
    with django_db_blocker.unblock():
        yield


@pytest.fixture
def ticket_file(tmp_path: Path) -> Path:
    """A SQLite file with a table of 200 rows, indexed, never analysed."""
    path = tmp_path / "concord.sqlite3"
    with sqlite3.connect(path) as raw:
        raw.execute("CREATE TABLE ticket (id INTEGER PRIMARY KEY, queue INTEGER, status TEXT)")
        raw.execute("CREATE INDEX ticket_queue ON ticket (queue, status)")
        raw.executemany(
            "INSERT INTO ticket (queue, status) VALUES (?, ?)",
            [(n % 4, "open" if n % 10 else "closed") for n in range(200)],
        )
    return path


def read_a_queue(connection: Any) -> list[Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM ticket WHERE queue = %s AND status = %s", [2, "open"])
        return cursor.fetchall()


def a_request(path: Path) -> list[Any]:
    """What a request does: a connection opened, a queue read, the connection closed."""
    connection = open_connection(path)
    rows = read_a_queue(connection)
    connection.close()
    return rows


def test_closing_a_connection_analyses_the_tables_it_read_that_had_no_statistics(
    ticket_file: Path,
) -> None:
    connection = open_connection(ticket_file)
    connection.ensure_connection()
    connection.close()
    assert statistics(ticket_file) == {}, "a connection that read nothing analyses nothing"

    assert len(a_request(ticket_file)) == 40
    # 200 rows; 50 a queue; six pairs of queue and status (queues 1 and 3 have no closed
    # ticket), so 34 rows a pair, rounded up.
    assert statistics(ticket_file) == {"ticket_queue": "200 50 34"}

    # Analysed, and not grown: the next connection leaves the figures as they are.
    with sqlite3.connect(ticket_file) as raw:
        raw.execute("UPDATE sqlite_stat1 SET stat = '200 50 20' WHERE idx = 'ticket_queue'")
    a_request(ticket_file)
    assert statistics(ticket_file) == {"ticket_queue": "200 50 20"}


def test_an_index_added_later_is_analysed_by_the_next_connection_that_reads_its_table(
    ticket_file: Path,
) -> None:
    a_request(ticket_file)
    with sqlite3.connect(ticket_file) as raw:  # a migration adds an index
        raw.execute("CREATE INDEX ticket_status ON ticket (status)")
    assert "ticket_status" not in statistics(ticket_file)

    a_request(ticket_file)
    assert statistics(ticket_file)["ticket_status"] == "200 100"


def test_another_writers_lock_leaves_the_analysis_to_a_later_connection(
    ticket_file: Path,
) -> None:
    writer = sqlite3.connect(ticket_file, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # an import holding the write lock
    try:
        connection = open_connection(ticket_file)
        read_a_queue(connection)
        connection.close()  # does not raise
        assert connection.connection is None
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert statistics(ticket_file) == {}

    a_request(ticket_file)
    assert statistics(ticket_file) == {"ticket_queue": "200 50 34"}


def test_a_connection_closed_inside_a_transaction_leaves_the_statistics_alone(
    ticket_file: Path,
) -> None:
    connection = open_connection(ticket_file)
    connection.set_autocommit(False)
    read_a_queue(connection)
    connection.in_atomic_block = True  # as Django is when a connection closes mid-transaction
    try:
        connection.close()
    finally:
        connection.in_atomic_block = False
    assert statistics(ticket_file) == {}


@pytest.mark.skipif(default_connection.vendor != "sqlite", reason="this run is on PostgreSQL")
def test_settings_give_a_sqlite_database_concords_backend() -> None:
    assert default_connection.settings_dict["ENGINE"] == "core.sqlite3"
