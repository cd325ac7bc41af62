"""The test server answers without Nagle's 40 ms wait (core/prompt_server.py says why).

Registered in the root conftest.py's ``pytest_plugins``: pytest-django's ``live_server`` is
Django's ``LiveServerThread``, whose class attribute names the server it runs.
"""

from __future__ import annotations

from typing import Any

from core.prompt_server import PromptThreadedWSGIServer


def pytest_configure(config: Any) -> None:
    """Serve ``live_server`` through the prompt server."""
    from django.test.testcases import LiveServerThread

    LiveServerThread.server_class = PromptThreadedWSGIServer  # type: ignore[attr-defined]  # not in the stubs
