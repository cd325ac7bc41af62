"""API of reporting: the KPI figures (/api/v1/kpis/)."""

from typing import Any

routes: list[Any] = []

urlpatterns: list[Any] = []
