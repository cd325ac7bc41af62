"""The contracts app's own pages for the page template checks (core.testing.visits)."""

from __future__ import annotations

from typing import Any


def page_visits(cast: Any, client_for: Any) -> list[tuple[str, Any]]:
    """(name, visit) pairs: each visit draws one page and returns the response."""
    visits: list[tuple[str, Any]] = []
    # Frameworks, call-offs and purchasing (helper procurement).
    from contracts.tests.procurement_pages import procurement_page_visits

    visits += procurement_page_visits(cast, client_for)
    return visits
