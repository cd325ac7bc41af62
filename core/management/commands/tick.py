"""`concord tick`: put every app's periodic jobs (core.periodic) on the job queue.

Run it every five minutes beside `concord worker`, which runs them: from cron or a systemd timer
in production, or as ``concord tick --every 300``, which keeps ticking until it is stopped (the
development server runs it so beside its job worker).
"""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from core.periodic import enqueue_periodic_jobs, periodic_jobs


class Command(BaseCommand):
    help = (
        "Queue every app's periodic jobs (the SLA watch, closing resolved tickets, ...) for "
        "the worker. Run it every five minutes; a tick missed or run twice changes nothing."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--list", action="store_true", help="list the jobs, queue nothing")
        parser.add_argument(
            "--every",
            type=int,
            metavar="SECONDS",
            help="tick now and then every SECONDS (at least 1) until stopped (Ctrl-C, SIGTERM)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            for job in periodic_jobs():
                self.stdout.write(f"{job.name}: {job.description}")
            return
        every = options.get("every")
        if every is None:
            self.tick()
            return
        if every < 1:
            raise CommandError("--every takes a number of seconds, 1 or more")
        stop = threading.Event()
        previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            while not stop.is_set():
                self.tick()
                stop.wait(every)
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)

    def tick(self) -> None:
        names = enqueue_periodic_jobs()
        self.stdout.write(f"Queued {len(names)} periodic job(s): {', '.join(names) or 'none'}")
