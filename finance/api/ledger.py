"""Finance API endpoints (filled in by its part of the app)."""

from typing import Any

routes: list[Any] = []
