"""Reporting's jobs: keeping the KPI roll-ups from the records (reporting.rollups).

- `nightly_rollup`: on every tick (``concord tick``, every five minutes), rolls up the days not
  yet rolled up, to yesterday (so, once a night, the day before), and every earlier day whose
  records changed since the last run, as the change log says. A tick with nothing new reads
  the change log since the last run and writes nothing, so a tick missed or run twice changes
  nothing.
"""

from __future__ import annotations

from typing import Any

from django_tasks import task

from core.context import acting_as
from core.periodic import Periodic
from core.tenancy.scoping import system_scope
from reporting import rollups


@task()
def nightly_rollup() -> dict[str, Any]:
    """Yesterday's KPI figures, and any earlier day's whose records changed, as a job."""
    with system_scope("rolling up KPI figures"), acting_as(label="job:KPI roll-up"):
        return rollups.nightly()


PERIODIC: list[Periodic] = [
    Periodic(
        nightly_rollup,
        "roll up yesterday's KPI figures, and again any earlier day whose records changed",
    ),
]
