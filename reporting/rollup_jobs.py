"""Reporting's jobs: keeping the KPI roll-ups from the records."""

from core.periodic import Periodic

PERIODIC: list[Periodic] = []
