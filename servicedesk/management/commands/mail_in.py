"""`concord mail-in`: the service desk's SMTP listener (servicedesk.mailbox).

It listens on CONCORD_MAIL_IN_HOST:CONCORD_MAIL_IN_PORT (127.0.0.1:2525; ``--host`` and
``--port`` override them), behind the organisation's mail server, which relays the desk's
addresses to it. Each message is kept, then worked into the desk (servicedesk.mail_in). It
runs until it is stopped (SIGTERM or Ctrl-C).
"""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from servicedesk.mailbox import listener


class Command(BaseCommand):
    help = (
        "Listen for mail to the service desk (SMTP): each message raises a ticket or replies "
        "on one, or is kept for the desk to review. Runs until stopped."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=None, help="address to listen on")
        parser.add_argument("--port", type=int, default=None, help="port to listen on")

    def handle(self, *args: Any, **options: Any) -> None:
        host = options["host"] or settings.CONCORD_MAIL_IN_HOST
        port = options["port"] or settings.CONCORD_MAIL_IN_PORT
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        controller = listener(host, port)
        controller.start()
        self.stdout.write(f"Listening for mail on {host}:{port}. Stop with Ctrl-C.")
        try:
            stop.wait()
        finally:
            controller.stop()
            self.stdout.write("Stopped.")
