"""`concord mail-poll`: read the service desk's IMAP mailbox (servicedesk.mailbox).

``--once`` reads it once and stops (for cron or a systemd timer); without it, it reads it
every ``--interval`` seconds until stopped. The mailbox is CONCORD_MAIL_IMAP_HOST, _PORT,
_USER, _PASSWORD, _FOLDER and _SSL (docs/deployment.md).
"""

from __future__ import annotations

import imaplib
import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from servicedesk.mailbox import poll


class Command(BaseCommand):
    help = (
        "Read the service desk's mailbox (IMAP): each unseen message raises a ticket or "
        "replies on one, or is kept for the desk to review."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="read the mailbox once, then stop")
        parser.add_argument(
            "--interval", type=int, default=60, help="seconds between readings (default 60)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.CONCORD_MAIL_IMAP_HOST:
            raise CommandError("CONCORD_MAIL_IMAP_HOST is not set: name the desk's mailbox.")
        if options["once"]:
            self.read()
            return
        if options["interval"] < 1:
            raise CommandError("--interval must be 1 second or more.")
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        while not stop.is_set():
            # A reader that runs for days drops a database connection gone stale meanwhile.
            close_old_connections()
            try:
                self.read()
            except CommandError as exc:
                self.stderr.write(str(exc))
            stop.wait(options["interval"])

    def read(self) -> None:
        host = settings.CONCORD_MAIL_IMAP_HOST
        try:
            result = poll()
        except (imaplib.IMAP4.error, OSError) as exc:
            raise CommandError(f"The mailbox at {host} could not be read: {exc}") from exc
        self.stdout.write(result.summary())
