"""The finance ledger's job on a timetable (core.periodic; `concord tick` queues it):

- `costs_from_sources`: once a month has ended, its cost lines of live contracts,
  committed call-offs and licence agreements in force that have none for it yet
  (`finance.ledger_sources`: what it reads).
  A second tick makes none.
- `measure_drivers`: once a month, the driver figures of last month are measured from the
  service desk, assets and licences (`finance.drivers.measure_period`), so that the month's
  recharge run finds them. A tick finding last month measured already does nothing, so a
  tick missed or run twice changes nothing; figures entered by people are never overwritten.
  Its writes are change-logged as the job's.

core.periodic reads the app's ``jobs`` module only: finance/jobs.py lists this module's
`PERIODIC` with the recharge part's own.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from django_tasks import task

from core.context import acting_as
from core.periodic import Periodic
from core.tenancy.scoping import system_scope
from finance.choices import FigureSource
from finance.drivers import measure_period
from finance.ledger_sources import cost_lines_from_sources
from finance.models.ledger import DriverFigure


def last_month(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first and last days of the month before `today`'s."""
    end = today.replace(day=1) - datetime.timedelta(days=1)
    return end.replace(day=1), end


def measure_last_month(today: datetime.date | None = None) -> dict[str, Any]:
    """Measure last month's drivers unless they are measured already."""
    start, end = last_month(today or timezone.localdate())
    done = (
        DriverFigure.objects.unscoped("has last month been measured")
        .filter(period_start=start, period_end=end, source=FigureSource.MEASURED)
        .exists()
    )
    if done:
        return {"period": f"{start}..{end}", "written": 0, "skipped": True}
    written = measure_period(start, end)
    return {"period": f"{start}..{end}", "written": len(written), "skipped": False}


@task()
def measure_drivers() -> dict[str, Any]:
    """Last month's measured driver figures, as a job."""
    with system_scope("measure last month's drivers"), acting_as(label="job:measure drivers"):
        return measure_last_month()


def costs_of_last_month(today: datetime.date | None = None) -> dict[str, Any]:
    """Last month's cost lines of contracts and call-offs that have none for it yet."""
    start, end = last_month(today or timezone.localdate())
    made = cost_lines_from_sources(start, end)
    return {"period": f"{start}..{end}", "made": len(made)}


@task()
def costs_from_sources() -> dict[str, Any]:
    """Last month's cost lines from contracts and call-offs, as a job."""
    with (
        system_scope("cost lines from contracts and call-offs"),
        acting_as(label="job:costs from sources"),
    ):
        return costs_of_last_month()


PERIODIC = (
    Periodic(
        costs_from_sources,
        "make last month's cost lines of contracts, call-offs and licence agreements",
    ),
    Periodic(measure_drivers, "measure last month's driver figures once it has ended"),
)
