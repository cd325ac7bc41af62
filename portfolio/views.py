"""Pages of the portfolio app: programmes, projects, their reports, risks and issues, and the
joint roadmap."""

from __future__ import annotations

from typing import Any

urlpatterns: list[Any] = []


def nav_entries() -> list[Any]:
    """The portfolio's pages in the navigation that are not a model's list (the roadmap)."""
    return []


def home_needs(user: Any) -> list[Any]:
    """What of the portfolio needs `user` now, for the home page."""
    return []
