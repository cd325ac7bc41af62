"""A real SMTP server on loopback for the tests (aiosmtpd), and the fixture that points
Django's email at it: what an email test checks is what a mail server received, headers,
parts and all, not what a fake backend was handed.

    def test_something(smtp_server):
        ...  # send
        [message] = smtp_server.messages  # email.message.EmailMessage objects
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller


class Collector:
    """The SMTP handler: keeps every message it is given, parsed, with its envelope."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self._lock:
            self.messages.append(parsed)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        """The messages addressed to `address`."""
        return [m for m in self.messages if address in str(m["To"])]

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()
            self.envelopes.clear()


class LoopbackController(Controller):
    """aiosmtpd's controller on 127.0.0.1, on a port the system picks as it binds (port 0), so
    that no other process (another pytest-xdist worker, say) can take the port between a probe
    for a free one and the bind. ``port`` is the real one once started."""

    def __init__(self, handler: Any) -> None:
        super().__init__(handler, hostname="127.0.0.1", port=0)

    def _trigger_server(self) -> None:
        # Called by start() once the server listens, before it connects to it.
        server = self.server
        assert isinstance(server, asyncio.Server)
        self.port = int(server.sockets[0].getsockname()[1])
        super()._trigger_server()


def free_port() -> int:
    """A TCP port on loopback nobody is listening on now, for a server that must be told its
    port before it starts (dovecot's configuration, `concord mail-in`'s listener). Another
    process could take it before the server binds it; a server that can bind port 0 itself
    (`smtp_server`) should."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[Collector]:
    """An SMTP server on 127.0.0.1 (a port of its own), and Django's email sent through it."""
    collector = Collector()
    controller = LoopbackController(collector)
    controller.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = controller.port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_TIMEOUT = 10
        yield collector
    finally:
        controller.stop()
