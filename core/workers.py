"""Job workers that say they are alive, and jobs left behind by one that died.

A `concord worker` writes a heartbeat (`core.models.WorkerHeartbeat`) every `BEAT_SECONDS`
from a thread of its own, and removes it when it stops cleanly. Two things read it:

- pages whose job is still waiting (`no_worker_running`): with no live heartbeat, the job will
  wait for ever, and the page says so and how to start a worker;
- a worker starting, and every live worker now and then (`recover_abandoned`): a job the
  database backend shows as running under a worker that is gone (its process no longer exists
  on this machine, or its heartbeat is older than `STALE_SECONDS`) was cut off mid-way, by a
  SIGKILL, a crash or a lost machine. Its task is marked failed, and the code that queued it is
  told (`on_abandoned`) so that its own record says what happened: an import ran in one
  transaction, which the database rolled back when the connection died, so nothing of it is
  left.

In the database, not the cache: the development cache is each process's own memory, and the
pages and the worker are different processes.
"""

from __future__ import annotations

import datetime
import logging
import os
import socket
import threading
from collections.abc import Callable
from typing import Any

from django.db import close_old_connections, connection
from django.utils import timezone

from core.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

#: Seconds between two heartbeats of a worker.
BEAT_SECONDS = 5.0
#: A heartbeat older than this is a worker that is gone (or stuck): a long import on SQLite
#: holds the database's write lock, so a busy worker may miss a few beats there.
STALE_SECONDS = 60.0
#: How long a job may wait before a page says no worker is running: a live worker looks for
#: work every second or so, so a job still waiting after this has been seen by none.
WAIT_SECONDS = 15.0
#: What to start, as the pages tell it.
START_COMMAND = "concord worker"

#: Per task (its module path), what to do when one of its runs was abandoned: called with the
#: task's arguments and keyword arguments.
_ABANDONED: dict[str, Callable[..., None]] = {}


def on_abandoned(task: Any) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register what marks `task`'s own record failed when a worker died running it."""

    def register(handler: Callable[..., None]) -> Callable[..., None]:
        _ABANDONED[task.module_path] = handler
        return handler

    return register


def live_since(now: datetime.datetime | None = None) -> datetime.datetime:
    """The oldest heartbeat that still counts as a live worker."""
    return (now or timezone.now()) - datetime.timedelta(seconds=STALE_SECONDS)


def no_worker_running(
    waiting_since: datetime.datetime, now: datetime.datetime | None = None
) -> bool:
    """Whether a job waiting since `waiting_since` is waiting for a worker that is not there:
    it has waited longer than a worker would take to pick it up, and no worker has beaten
    lately. Always False when jobs run inside the request (no worker needed)."""
    if not jobs_need_a_worker():
        return False
    now = now or timezone.now()
    if now - waiting_since < datetime.timedelta(seconds=WAIT_SECONDS):
        return False
    return not WorkerHeartbeat.objects.filter(beat_at__gte=live_since(now)).exists()


def jobs_need_a_worker() -> bool:
    """Whether queued jobs wait for `concord worker` (not run at once inside the request)."""
    from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
    from django_tasks.backends.immediate import ImmediateBackend

    return not isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], ImmediateBackend)


def beat(worker_id: str) -> None:
    """Record that worker `worker_id` (this process) is alive now."""
    now = timezone.now()
    updated = WorkerHeartbeat.objects.filter(worker_id=worker_id).update(beat_at=now)
    if not updated:
        WorkerHeartbeat.objects.create(
            worker_id=worker_id,
            hostname=socket.gethostname()[:255],
            pid=os.getpid(),
            started_at=now,
            beat_at=now,
        )


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    return True


def dead_worker_ids(worker_ids: set[str], now: datetime.datetime | None = None) -> set[str]:
    """Which of `worker_ids` are gone: no heartbeat at all (stopped, or never beat), a
    heartbeat gone stale, or a process of this machine that no longer exists."""
    if not worker_ids:
        return set()
    since = live_since(now)
    hostname = socket.gethostname()[:255]
    alive = set()
    for heartbeat in WorkerHeartbeat.objects.filter(worker_id__in=worker_ids):
        if heartbeat.beat_at < since:
            continue
        if heartbeat.hostname == hostname and not _process_exists(heartbeat.pid):
            continue
        alive.add(heartbeat.worker_id)
    return worker_ids - alive


def recover_abandoned(own_worker_id: str = "", now: datetime.datetime | None = None) -> list[str]:
    """Mark failed every job the database backend shows as running under a dead worker, and
    its own record (`on_abandoned`); remove dead workers' heartbeats. Returns what it marked.

    Nothing to do when jobs are on Redis (RQ moves a dead worker's jobs to its failed registry
    itself) or run inside the request.
    """
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult
    from django_tasks_db.utils import exclusive_transaction

    running = list(DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING))
    owners = {result.worker_ids[-1] for result in running if result.worker_ids}
    dead = dead_worker_ids(owners - {own_worker_id}, now)
    marked = []
    for result in running:
        owner = result.worker_ids[-1] if result.worker_ids else ""
        if owner == own_worker_id or (owner and owner not in dead):
            continue
        with exclusive_transaction(DBTaskResult.objects.db):
            # Claimed for the update: two workers starting at once mark it once.
            claimed = (
                DBTaskResult.objects.select_for_update()
                .filter(pk=result.pk, status=TaskResultStatus.RUNNING)
                .first()
            )
            if claimed is None:
                continue
            claimed.set_failed(WorkerLost(f"Worker {owner or '(unknown)'} stopped mid-job."))
        handler = _ABANDONED.get(result.task_path)
        if handler is not None:
            try:
                handler(*result.args_kwargs.get("args", []), **result.args_kwargs.get("kwargs", {}))
            except Exception:
                logger.exception("Could not mark the record of abandoned job %s", result.pk)
        logger.warning(
            "Job %s (%s) was left running by worker %s, which is gone: marked failed.",
            result.pk,
            result.task_path,
            owner or "(unknown)",
        )
        marked.append(f"{result.task_path} {result.pk}")
    if dead:
        WorkerHeartbeat.objects.filter(worker_id__in=dead).delete()
    return marked


class WorkerLost(Exception):
    """The worker running a job stopped before the job finished (recorded as its failure)."""


class Heartbeat:
    """A daemon thread that beats for one worker until stopped, and now and then marks the
    jobs of dead workers failed (`recover_abandoned`, database backend only)."""

    def __init__(self, worker_id: str, *, recover: bool = True) -> None:
        self.worker_id = worker_id
        self.recover = recover
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="concord-heartbeat", daemon=True)

    def start(self) -> None:
        self._safely(beat, self.worker_id)
        if self.recover:
            self._safely(recover_abandoned, self.worker_id)
        self._thread.start()  # with a database connection of its own (one per thread)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=BEAT_SECONDS * 2)
        self._safely(lambda: WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete())

    def _run(self) -> None:
        beats = 0
        try:
            while not self._stop.wait(BEAT_SECONDS):
                close_old_connections()
                self._safely(beat, self.worker_id)
                beats += 1
                if self.recover and beats % 6 == 0:  # about every half a minute
                    self._safely(recover_abandoned, self.worker_id)
        finally:
            connection.close()

    @staticmethod
    def _safely(work: Callable[..., Any], *args: Any) -> None:
        # A heartbeat that cannot be written this time (a database locked by a long import on
        # SQLite, a connection lost) is written next time; it must never stop the worker.
        try:
            work(*args)
        except Exception:
            logger.warning(
                "Worker heartbeat: %s failed", getattr(work, "__name__", "work"), exc_info=True
            )
