"""`concord tick`: put every app's periodic jobs (core.periodic) on the job queue.

Run it every five minutes beside `concord worker`, which runs them.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from core.periodic import enqueue_periodic_jobs, periodic_jobs


class Command(BaseCommand):
    help = (
        "Queue every app's periodic jobs (the SLA watch, closing resolved tickets, ...) for "
        "the worker. Run it every five minutes; a tick missed or run twice changes nothing."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--list", action="store_true", help="list the jobs, queue nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            for job in periodic_jobs():
                self.stdout.write(f"{job.name}: {job.description}")
            return
        names = enqueue_periodic_jobs()
        self.stdout.write(f"Queued {len(names)} periodic job(s): {', '.join(names) or 'none'}")
