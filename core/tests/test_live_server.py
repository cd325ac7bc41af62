"""The development and test servers turn Nagle's algorithm off on their connections
(core/prompt_server.py)."""

from __future__ import annotations

import socket
import threading

import pytest
from django.core.servers.basehttp import WSGIRequestHandler
from django.test.testcases import LiveServerThread

from core.prompt_server import PromptThreadedWSGIServer, PromptWSGIServer


def test_live_server_uses_the_prompt_server() -> None:
    assert LiveServerThread.server_class is PromptThreadedWSGIServer  # type: ignore[attr-defined]


@pytest.mark.parametrize("server_class", [PromptWSGIServer, PromptThreadedWSGIServer])
def test_an_accepted_connection_has_nagle_off(server_class: type) -> None:
    server = server_class(("127.0.0.1", 0), WSGIRequestHandler, allow_reuse_address=False)
    accepted: list[socket.socket] = []
    try:
        host, port = server.server_address[:2]
        client = socket.create_connection((host, port), timeout=5)
        catcher = threading.Thread(target=lambda: accepted.append(server.get_request()[0]))
        catcher.start()
        catcher.join(timeout=5)
        assert accepted, "the server accepted no connection"
        assert accepted[0].getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
        # The listening socket itself is left as it was: only connections are changed.
        assert server.socket.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
        client.close()
    finally:
        for connection in accepted:
            connection.close()
        server.server_close()
