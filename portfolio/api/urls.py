"""API endpoints of the portfolio app (mounted by concord/api_urls.py)."""

from typing import Any

routes: list[Any] = []
