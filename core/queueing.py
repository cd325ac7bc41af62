"""Jobs queued by a change, to run once the change is committed and never if it is not.

`queue_after_commit(task, **kwargs)` is what an app calls where a write causes a job (a ticket
raised sends its emails, a reminder falls due): the job runs only if the write lands.

With the database job queue (the default: ``django_tasks_db``) on the database being written,
the job's row is written in the writer's own transaction, so that it lands or goes with the
change, in one commit rather than two (on PostgreSQL a second commit is a second flush of the
log, a visible share of raising a ticket). A worker cannot see the row before the commit. With
any other queue (Redis, or the immediate one tests use) the job is handed over after the
commit, through ``transaction.on_commit``, as before.
"""

from __future__ import annotations

from typing import Any

from django.db import router, transaction

__all__ = ["queue_after_commit", "queued_in_transaction"]


def queued_in_transaction(task: Any, using: str | None = None) -> bool:
    """Whether `task`'s job row can be written in the open transaction on `using`."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        return False
    if not isinstance(task.get_backend(), DatabaseBackend):
        return False
    return router.db_for_write(DBTaskResult) == connection.alias


def queue_after_commit(task: Any, /, using: str | None = None, **kwargs: Any) -> None:
    """Queue `task` with `kwargs`, to run once the transaction on `using` commits (at once when
    none is open), and not at all if it rolls back."""
    if queued_in_transaction(task, using):
        task.enqueue(**kwargs)
    else:
        transaction.on_commit(lambda: task.enqueue(**kwargs), using=using)
