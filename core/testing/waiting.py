"""Counting a block's queries starts with nothing waiting (a pytest plugin, conftest.py).

On PostgreSQL the inserts no one reads back wait for the transaction's next statement
(core.postgresql, decision 0047). A test's set-up (records made, each with its change record
and search entries) would then have its last inserts sent by the first statement of the block
a test counts, and be counted as that block's. What the set-up kept is sent as the count
starts, as the set-up's own next statement would have sent it.
"""

from __future__ import annotations

from typing import Any

from django.test.utils import CaptureQueriesContext

_entered = CaptureQueriesContext.__enter__


def _enter_with_nothing_waiting(self: CaptureQueriesContext) -> Any:
    connection: Any = self.connection
    if getattr(connection, "waiting", None):
        connection.send_waiting()
    return _entered(self)


CaptureQueriesContext.__enter__ = _enter_with_nothing_waiting  # type: ignore[method-assign]
