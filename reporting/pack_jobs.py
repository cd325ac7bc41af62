"""Reporting's jobs: making and emailing the monthly packs."""

from core.periodic import Periodic

PERIODIC: list[Periodic] = []
