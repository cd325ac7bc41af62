"""API of reporting: the monthly packs."""

from typing import Any

routes: list[Any] = []

urlpatterns: list[Any] = []
