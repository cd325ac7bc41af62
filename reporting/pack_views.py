"""Pages of reporting: the monthly packs: each council's and the joint board's PDF, kept to be downloaded again."""

from __future__ import annotations

from typing import Any

urlpatterns: list[Any] = []


def nav_entries() -> list[Any]:
    """This part's pages in the navigation that are not a model's list."""
    return []


def home_needs(user: Any) -> list[Any]:
    """What of this part needs `user` now, for the home page."""
    return []
