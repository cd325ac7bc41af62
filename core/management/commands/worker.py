"""`concord worker`: run background jobs (imports, exports, scheduled work).

It is django-tasks-db's ``db_worker`` under the project's name, so every one of its options
passes through (``--batch``, ``--queue-name``, ``--max-tasks``, ``--interval``...). Run one per
machine, or several: each claims jobs from the database with row locks. When jobs run on Redis
(django-tasks-rq) the worker is ``concord rqworker`` instead.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand


def _database_backend_alias() -> str | None:
    """The job backend the worker serves: the default one when it keeps jobs in the database."""
    try:
        backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
    except Exception:  # a misconfigured backend is reported in handle()
        return None
    return DEFAULT_TASK_BACKEND_ALIAS if isinstance(backend, DatabaseBackend) else None


class Command(DatabaseWorkerCommand):
    """Run the background-job worker (django-tasks-db's db_worker)."""

    help = (
        "Run background jobs queued in the database. Options are those of db_worker: "
        "--batch runs what is queued and stops, --queue-name picks queues."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        # db_worker validates its default backend while parsing, which would turn "jobs run
        # immediately here" into an argparse error; decide (and explain) in handle() instead.
        parser.set_defaults(backend_name=_database_backend_alias())

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("backend_name") is None:
            raise CommandError(
                "Background jobs are not kept in the database here (the default job backend is "
                "not django_tasks_db.DatabaseBackend, e.g. CONCORD_TASKS_IMMEDIATE is on), so "
                "there is nothing for `concord worker` to run."
            )
        super().handle(*args, **options)
