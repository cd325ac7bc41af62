"""Django's PostgreSQL backend, with inserts that can wait for the transaction's next statement.

Every write in Concord inserts rows beside the record itself that nothing reads back in the
same request: its change record and the councils whose logs hold it, its search entries, the
job sending its emails. Each was a round trip of its own, and on PostgreSQL a round trip costs
more than the Python around it. `write_later` keeps such an insert, written out with its values
(as psycopg's client-side binding writes every statement Django sends), and sends what it keeps
in one go with whatever the transaction sends next: before the next statement, or with its
COMMIT. A rollback (of the transaction, or to a savepoint, which is a statement) drops or undoes
them as it would have. Outside a transaction nothing waits. Decision 0047.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.postgresql import base
from psycopg import ClientCursor


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: Statements waiting for the transaction's next one (`write_later`), values written in.
        self.waiting: list[str] = []
        self._writer: Any = None
        self.execute_wrappers.append(_waiting_first)

    def write_later(self, sql: str, params: Any) -> bool:
        """Keep `sql` (an INSERT nothing reads back) with `params` to be sent with the
        transaction's next statement or its COMMIT; False, keeping nothing, outside a
        transaction (the caller sends it now)."""
        if not self.in_atomic_block or self.needs_rollback or self.connection is None:
            return False
        writer = self._writer
        if writer is None or writer.connection is not self.connection:
            writer = self._writer = ClientCursor(self.connection)
        self.waiting.append(writer.mogrify(sql, params))
        return True

    def send_waiting(self, then: str = "") -> None:
        """Send the statements waiting (and `then`, a last statement), in one round trip."""
        statements = [*self.waiting, then] if then else self.waiting
        self.waiting = []
        with self.cursor() as cursor:
            cursor.execute(";\n".join(statements))

    def _commit(self) -> Any:
        if self.waiting and self.connection is not None:
            # The COMMIT goes with them; psycopg's own then finds nothing left to commit.
            self.send_waiting(then="COMMIT")
        return super()._commit()  # type: ignore[misc]

    def _rollback(self) -> Any:
        self.waiting = []
        return super()._rollback()  # type: ignore[misc]

    def _close(self) -> Any:
        self.waiting = []
        self._writer = None
        return super()._close()  # type: ignore[misc]


def _waiting_first(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
    """Send what waits before any other statement (this one sees the rows they write)."""
    connection = context["connection"]
    if connection.waiting:
        connection.send_waiting()
    return execute(sql, params, many, context)
