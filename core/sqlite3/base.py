"""Django's SQLite backend, keeping the query planner's statistics up to date.

SQLite chooses among a table's indexes by the statistics `ANALYZE` leaves in `sqlite_stat1`.
Without them it guesses, and on the service desk's million tickets it guessed badly: the agent
console's pages took 65 to 85 ms instead of 22 (docs/performance.md, 2026-12-07). One index
without them, on a table whose others had them (a migration had replaced it), did as much
harm. Nothing ran `ANALYZE` on a SQLite installation.

SQLite's advice for connections that live for a request, as Django's do here (`CONN_MAX_AGE`
0), is `PRAGMA optimize` as each one closes: it analyses the tables the connection's queries
used whose indexes have no statistics yet or that have grown 25 times since they were last
analysed, and otherwise does nothing (about 4 µs). A full analysis (no `analysis_limit`: the
sampled one chose the same bad plans) of a million tickets takes about a second, once, after
the response has gone.

The analysis writes, so it waits for no other writer: when another connection holds the write
lock (an import, say) it gives up at once, and a later connection does it. Decision 0049.
"""

from __future__ import annotations

import logging
import sqlite3

from django.db.backends.sqlite3 import base

logger = logging.getLogger(__name__)

#: Milliseconds the closing connection's analysis waits for another writer's lock.
ANALYSIS_WAIT_MS = 50


class DatabaseWrapper(base.DatabaseWrapper):
    def close(self) -> None:
        # Not for an in-memory database, which Django never closes (closing would lose it).
        if self.connection is not None and not self.in_atomic_block and not self.is_in_memory_db():
            self.validate_thread_sharing()
            refresh_statistics(self.connection)
        super().close()


def refresh_statistics(connection: sqlite3.Connection) -> None:
    """`PRAGMA optimize` on `connection` before it closes; a lock or a read-only file leaves it
    to a later connection."""
    try:
        connection.execute(f"PRAGMA busy_timeout = {ANALYSIS_WAIT_MS}")
        connection.execute("PRAGMA optimize")
    except sqlite3.Error as exc:
        logger.debug("SQLite's statistics were not refreshed this time: %s", exc)
