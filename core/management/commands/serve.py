"""`concord serve [addrport]`: the development web server, with the address to open."""

from __future__ import annotations

import os
import re
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

DEFAULT_ADDR = "127.0.0.1"
DEFAULT_PORT = "8000"

# The forms runserver accepts: "8000", "host:8000", "1.2.3.4:8000", "[::1]:8000".
_ADDRPORT = re.compile(r"^(?:(?P<addr>\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):)?(?P<port>[0-9]+)$")


def url_for(addrport: str) -> str:
    """The URL a person opens for `addrport` (an address bound to all interfaces reads local)."""
    match = _ADDRPORT.match(addrport)
    if match is None:
        raise CommandError(
            f"“{addrport}” is not an address and port: use e.g. 8000 or 127.0.0.1:8000."
        )
    addr = match["addr"] or DEFAULT_ADDR
    if addr in ("0", "0.0.0.0", "[::]"):  # noqa: S104 - recognising it, not binding to it
        addr = DEFAULT_ADDR
    return f"http://{addr}:{match['port']}/"


class Command(BaseCommand):
    """Run Django's development server; static files come from WhiteNoise, as in production."""

    help = (
        "Run the development web server (default 127.0.0.1:8000). For production run the WSGI "
        "application concord.wsgi under gunicorn or similar instead."
    )
    # runserver checks the project itself; checking here too would do it twice.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "addrport",
            nargs="?",
            default=f"{DEFAULT_ADDR}:{DEFAULT_PORT}",
            help="Port, or address:port, to listen on (default 127.0.0.1:8000).",
        )
        parser.add_argument("--ipv6", "-6", action="store_true", help="Listen on IPv6.")
        parser.add_argument(
            "--nothreading", action="store_true", help="Serve one request at a time."
        )
        parser.add_argument(
            "--noreload", action="store_true", help="Do not restart when the code changes."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        addrport: str = options["addrport"]
        url = url_for(addrport)
        # With the autoreloader the command runs again in a child process (RUN_MAIN=true);
        # say where to go once, from the parent.
        if os.environ.get("RUN_MAIN") != "true":
            self.stdout.write(self.style.SUCCESS(f"Concord is at {url}  (Ctrl-C stops it)"))
            self.stdout.write("Demo accounts: run `concord demo` to load them and list them.")
        call_command(
            "runserver",
            addrport,
            use_ipv6=options["ipv6"],
            use_threading=not options["nothreading"],
            use_reloader=not options["noreload"],
            skip_checks=False,
        )
