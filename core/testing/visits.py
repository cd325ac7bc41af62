"""Pages an app draws beyond the generic ones, for the page template checks
(core/tests/test_page_templates.py), which must draw every page template but may name no app.

An app whose pages are more than its models' generic pages (a request form, a page reached
from an emailed link) lists them in ``<app>/tests/pages.py``::

    def page_visits(cast, client_for):
        '''(name, visit) pairs: each visit draws one page and returns the response.'''
        agent = client_for(cast.agent)
        return [("schedule", lambda: agent.get("/changes/schedule/"))]

Each visit runs inside the test's database, after the cast exists; a visit makes the records
its page needs itself. Draw each page in its error states too.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from django.apps import apps

Visit = tuple[str, Callable[[], Any]]


def app_page_visits(cast: Any, client_for: Any) -> list[Visit]:
    """Every installed app's own page visits (``<app>.tests.pages.page_visits``)."""
    visits: list[Visit] = []
    for config in apps.get_app_configs():
        name = f"{config.name}.tests.pages"
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name is not None and name.startswith(exc.name):
                continue  # no tests package, or no pages module in it
            raise
        listed = getattr(module, "page_visits", None)
        if callable(listed):
            visits += [
                (f"{config.label}: {label}", visit) for label, visit in listed(cast, client_for)
            ]
    return visits
