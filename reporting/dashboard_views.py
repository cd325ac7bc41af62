"""Pages of reporting: dashboards for each reader's scope: each council's KPIs and the partnership's, each chart beside its table, CSV and XLSX downloads, links to the records behind each figure."""

from __future__ import annotations

from typing import Any

urlpatterns: list[Any] = []


def nav_entries() -> list[Any]:
    """This part's pages in the navigation that are not a model's list."""
    return []


def home_needs(user: Any) -> list[Any]:
    """What of this part needs `user` now, for the home page."""
    return []
