"""Pages of reporting: the KPI figures' own pages: the roll-ups as records, listed and exported like any other."""

from __future__ import annotations

from typing import Any

urlpatterns: list[Any] = []


def nav_entries() -> list[Any]:
    """This part's pages in the navigation that are not a model's list."""
    return []


def home_needs(user: Any) -> list[Any]:
    """What of this part needs `user` now, for the home page."""
    return []
