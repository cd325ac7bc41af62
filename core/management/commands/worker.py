"""`concord worker`: run background jobs (imports, exports, scheduled work).

With jobs kept in the database (the default) it is django-tasks-db's ``db_worker`` under the
project's name, so every one of its options passes through (``--batch``, ``--queue-name``,
``--max-tasks``, ``--interval``...). Run one per machine, or several: each claims jobs from the
database with row locks.

With jobs on Redis (``CONCORD_TASKS_REDIS``, django-tasks-rq) it runs an RQ worker over the
backend's queues with the job class django-tasks-rq needs; ``--batch`` becomes RQ's burst mode
(work what is queued, then stop) and ``--queue-name`` picks the queues. Run as many as needed.

Either way the worker beats (core.workers): it writes a heartbeat every few seconds, read by
the pages of waiting jobs, and, with jobs in the database, marks failed the jobs a dead worker
left "running" (when it starts, and now and then after).
"""

from __future__ import annotations

import os
from argparse import ArgumentParser
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django.utils.crypto import get_random_string
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from core.workers import Heartbeat

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


@contextmanager
def beating(worker_id: str, *, recover: bool) -> Iterator[None]:
    """A heartbeat for this worker while the block runs; removed when it ends (SystemExit,
    which db_worker raises on SIGTERM, included). A killed worker leaves its heartbeat to go
    stale, which is how the others know it died."""
    heartbeat = Heartbeat(worker_id, recover=recover)
    heartbeat.start()
    try:
        yield
    finally:
        heartbeat.stop()


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
            with beating(f"rq-{get_random_string(28)}", recover=False):
                self.run_on_redis(backend, options)
            return
        if options.get("backend_name") is None:
            raise CommandError(
                "Background jobs are not kept in the database here (the default job backend is "
                "not django_tasks_db.DatabaseBackend, e.g. CONCORD_TASKS_IMMEDIATE is on), so "
                "there is nothing for `concord worker` to run."
            )
        reloading = options.get("reload") and not options.get("batch")
        if reloading and os.environ.get(DJANGO_AUTORELOAD_ENV) != "true":
            # The reloader's watching process runs no job: its child (this command again) beats.
            super().handle(*args, **options)
            return
        with beating(options["worker_id"], recover=True):
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
