"""The contracts app's own pages, for the page template checks (core.testing.visits)."""

from __future__ import annotations

from typing import Any

from contracts.tests.publishing_pages import publishing_visits


def page_visits(cast: Any, client_for: Any) -> list[tuple[str, Any]]:
    """(name, visit) pairs: each visit draws one page and returns the response."""
    return [*publishing_visits(cast, client_for)]
