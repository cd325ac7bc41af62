"""Finance pages of one part of the money (see finance/urls.py); filled in by that part."""

from typing import Any

urlpatterns: list[Any] = []


def nav_entries() -> list[Any]:
    """This part's pages in the navigation that are not a model's list."""
    return []


def home_needs(user: Any) -> list[Any]:
    """What of this part needs `user` on the home page."""
    return []
