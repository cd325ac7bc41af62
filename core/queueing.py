"""Jobs queued by a change, to run once the change is committed and never if it is not.

`queue_after_commit(task, **kwargs)` is what an app calls where a write causes a job (a ticket
raised sends its emails, a reminder falls due): the job runs only if the write lands.

With the database job queue (the default: ``django_tasks_db``) on the database being written,
the job's row is written in the writer's own transaction, so that it lands or goes with the
change, in one commit rather than two (on PostgreSQL a second commit is a second flush of the
log, a visible share of raising a ticket). A worker cannot see the row before the commit. With
any other queue (Redis, or the immediate one tests use) the job is handed over after the
commit, through ``transaction.on_commit``, as before.

`DatabaseQueue` is the database job queue Concord runs (settings.TASKS): ``django_tasks_db``'s,
writing each job's row with an insert compiled once per connection (core.tenancy.inserts)
rather than Django's ``create()``, which built the statement again for every job: raising a
ticket queues one, and its row was a twentieth of the request.
"""

from __future__ import annotations

from typing import Any

from django.db import router, transaction
from django.db.models.signals import post_save, pre_save
from django_tasks.utils import normalize_json
from django_tasks_db.backend import DatabaseBackend

from core.tenancy.inserts import insert_given

__all__ = ["DatabaseQueue", "queue_after_commit", "queued_in_transaction"]


class DatabaseQueue(DatabaseBackend):
    """``django_tasks_db``'s queue, each job's row written through a compiled insert, with
    the signals ``save()`` sends (``django_tasks_db`` sets a job's run-after time on
    ``pre_save``)."""

    def _task_to_db_task(self, task: Any, args: Any, kwargs: Any) -> Any:
        from django_tasks_db.models import DBTaskResult

        row: Any = DBTaskResult(
            id=self._get_id(),
            args_kwargs=normalize_json({"args": args, "kwargs": kwargs}),
            priority=task.priority,
            task_path=task.module_path,
            queue_name=task.queue_name,
            run_after=task.run_after,
            backend_name=self.alias,
        )
        using = router.db_for_write(DBTaskResult)
        saved = {"sender": DBTaskResult, "instance": row, "raw": False, "using": using}
        pre_save.send(**saved, update_fields=None)
        if not insert_given(DBTaskResult, [row], using):
            # Django's own insert, as save() makes it between the two signals.
            row._save_table(cls=DBTaskResult, force_insert=True, using=using)
            row._state.db, row._state.adding = using, False
        post_save.send(**saved, created=True, update_fields=None)
        return row


def queued_in_transaction(task: Any, using: str | None = None) -> bool:
    """Whether `task`'s job row can be written in the open transaction on `using`."""
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
