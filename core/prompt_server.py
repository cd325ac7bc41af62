"""Django's own HTTP servers, answering without a 40 ms wait per request.

Django's development server (``concord serve``) and its test server (pytest-django's
``live_server``: the browser tests, the schema fuzz run, the SCIM check) write an answer's
headers and its body in separate small sends on a kept-alive connection. With Nagle's algorithm
on (a socket's default), the second send waits for the client to acknowledge the first, and
clients delay that acknowledgement by up to 40 ms: every request after the first on a
connection paid about 40 ms of nothing (the fuzz run's edge-case phase on two resources took
90 s of wall time for 20 s of processor time, and 25 s without the wait). gunicorn, the
production server (``concord serve --production``), turns the algorithm off on its own
sockets; these servers do the same on every connection they accept.
"""

from __future__ import annotations

import socket
from typing import Any

from django.core.servers.basehttp import ThreadedWSGIServer, WSGIServer


class _NoDelay:
    """Turns Nagle's algorithm off on each accepted connection (a socketserver mixin)."""

    def get_request(self) -> tuple[socket.socket, Any]:
        connection, address = super().get_request()  # type: ignore[misc]
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection, address


class PromptWSGIServer(_NoDelay, WSGIServer):
    """The development server's class (runserver adds its threads to it)."""


class PromptThreadedWSGIServer(_NoDelay, ThreadedWSGIServer):
    """The test server's class (Django's ``LiveServerThread.server_class``)."""
