"""Jobs that run on a timetable rather than because someone asked: the service desk's SLA
watch, closing resolved tickets, and whatever later apps need (licence renewals, contract
notice dates).

An app lists its own in ``<app>/jobs.py`` as ``PERIODIC``, a sequence of `Periodic`; core
never names an app. ``concord tick`` puts every listed job on the job queue, and the worker
(``concord worker``) runs them like any other job, so a slow one never holds up a page. Run
``concord tick`` every five minutes (cron, a systemd timer, or the scheduler the service
already has; docs/deployment.md): each periodic job does what is due at the time it runs and
nothing twice, so a tick missed or run twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from core.apps import app_module, concord_apps


@dataclass(frozen=True)
class Periodic:
    """A job to run on every tick: `task` is a django-tasks task that takes no arguments."""

    task: Any
    description: str

    @property
    def name(self) -> str:
        return str(self.task.module_path)


def periodic_jobs() -> list[Periodic]:
    """Every installed app's periodic jobs, in the order of INSTALLED_APPS."""
    found: list[Periodic] = []
    for config in concord_apps():
        module = app_module(config, "jobs")
        listed: Sequence[Periodic] = getattr(module, "PERIODIC", ()) if module else ()
        found.extend(listed)
    return found


def enqueue_periodic_jobs() -> list[str]:
    """Put every periodic job on the queue; the names of those queued."""
    queued = []
    for job in periodic_jobs():
        job.task.enqueue()
        queued.append(job.name)
    return queued
