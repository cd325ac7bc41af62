"""`concord worker`: run background jobs (imports, exports, scheduled work).

With jobs kept in the database (the default) it is django-tasks-db's ``db_worker`` under the
project's name, so every one of its options passes through (``--batch``, ``--queue-name``,
``--max-tasks``, ``--interval``...). Run one per machine, or several: each claims jobs from the
database with row locks.

With jobs on Redis (``CONCORD_TASKS_REDIS``, django-tasks-rq) it runs an RQ worker over the
backend's queues with the job class django-tasks-rq needs; ``--batch`` becomes RQ's burst mode
(work what is queued, then stop) and ``--queue-name`` picks the queues. Run as many as needed.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management import call_command
from django.core.management.base import CommandError
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

#: The job class an RQ worker must run django-tasks-rq's jobs with.
RQ_JOB_CLASS = "django_tasks_rq.Job"


def _default_backend() -> Any:
    try:
        return task_backends[DEFAULT_TASK_BACKEND_ALIAS]
    except Exception:  # a misconfigured backend is reported in handle()
        return None


def _on_redis(backend: Any) -> bool:
    try:
        from django_tasks_rq import RQBackend
    except ImportError:  # the `redis` extra is not installed
        return False
    return isinstance(backend, RQBackend)


def _database_backend_alias() -> str | None:
    """The job backend the worker serves: the default one when it keeps jobs in the database."""
    backend = _default_backend()
    return DEFAULT_TASK_BACKEND_ALIAS if isinstance(backend, DatabaseBackend) else None


class Command(DatabaseWorkerCommand):
    """Run the background-job worker (django-tasks-db's db_worker, or RQ's on Redis)."""

    help = (
        "Run background jobs: those queued in the database (options as db_worker's) or, with "
        "CONCORD_TASKS_REDIS, those queued on Redis. --batch runs what is queued and stops, "
        "--queue-name picks queues."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        # db_worker validates its default backend while parsing, which would turn "jobs run
        # immediately here" into an argparse error; decide (and explain) in handle() instead.
        parser.set_defaults(backend_name=_database_backend_alias())

    def handle(self, *args: Any, **options: Any) -> None:
        backend = _default_backend()
        if _on_redis(backend):
            self.run_on_redis(backend, options)
            return
        if options.get("backend_name") is None:
            raise CommandError(
                "Background jobs are not kept in the database here (the default job backend is "
                "not django_tasks_db.DatabaseBackend, e.g. CONCORD_TASKS_IMMEDIATE is on), so "
                "there is nothing for `concord worker` to run."
            )
        super().handle(*args, **options)

    def run_on_redis(self, backend: Any, options: dict[str, Any]) -> None:
        """An RQ worker (django-rq's rqworker) over the backend's queues."""
        chosen = options.get("queue_name") or "*"
        queues = list(backend.queues) if chosen == "*" else [q for q in chosen.split(",") if q]
        unknown = sorted(set(queues) - set(backend.queues))
        if unknown:
            raise CommandError(
                f"Queue {', '.join(unknown)} is not one of this installation's job queues "
                f"({', '.join(sorted(backend.queues))})."
            )
        # django-rq's command, called directly: it need not be an installed app to run.
        from django_rq.management.commands.rqworker import Command as RQWorkerCommand

        call_command(
            RQWorkerCommand(),
            *queues,
            job_class=RQ_JOB_CLASS,
            burst=bool(options.get("batch")),
            max_jobs=options.get("max_tasks"),
            verbosity=options.get("verbosity", 1),
        )
