"""Finance pages (filled in by its part of the app)."""

from typing import Any

urlpatterns: list[Any] = []
