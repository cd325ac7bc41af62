"""The finance app's jobs on a timetable (core.periodic; `concord tick` queues them): the
ledger's (finance/ledger_jobs.py: measuring last month's driver figures), then the recharges':

- `last_month_recharge`: from the second working day of a month (England's working days: Monday
  to Friday, not a bank holiday), the draft recharge run of the month before is made, once: a
  month that has a run already (draft or approved) is left alone, so a tick missed or run
  twice changes nothing, and a draft someone made or made again by hand is not overwritten.
  The shared service's finance officer checks it and approves it (finance.recharging).
- `measure_savings`: each approved business case's savings measured again from the costs, for
  this financial year and the last (finance.savings_services.measure_case): a figure that
  has not changed is left alone (nothing logged), so it runs on every tick.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from django_tasks import task

from core.context import acting_as
from core.periodic import Periodic
from core.tenancy.choices import Nation
from core.tenancy.scoping import system_scope
from core.workdays import next_working_day
from finance import recharging, savings_services
from finance.ledger_jobs import PERIODIC as LEDGER_PERIODIC
from finance.models import BusinessCase, FinancialYear, RechargeRun
from finance.models.savings import CaseStatus


def second_working_day(month: datetime.date) -> datetime.date:
    """The second working day of the month of `month`."""
    first = next_working_day(month.replace(day=1), Nation.ENGLAND)
    return next_working_day(first + datetime.timedelta(days=1), Nation.ENGLAND)


def last_month_recharge_now(today: datetime.date | None = None) -> dict[str, Any]:
    """Make last month's draft run if it is due and there is none; what was done."""
    today = today or timezone.localdate()
    if today < second_working_day(today):
        return {"made": None, "why": "not yet the second working day"}
    end = today.replace(day=1) - datetime.timedelta(days=1)
    start = end.replace(day=1)
    runs = RechargeRun.objects.unscoped("is last month's run made")
    if runs.filter(period_start__lte=end, period_end__gte=start).exists():
        return {"made": None, "why": "a run covers last month already"}
    run = recharging.run_for(start, end)
    return {"made": run.pk, "period": f"{start}..{end}", "total": str(run.total)}


@task()
def last_month_recharge() -> dict[str, Any]:
    """Last month's draft recharge run, as a job."""
    with system_scope("the monthly recharge run"), acting_as(label="job:monthly recharge"):
        return last_month_recharge_now()


def measure_savings_now(today: datetime.date | None = None) -> dict[str, Any]:
    """Measure every approved business case's savings for this year and the last."""
    today = today or timezone.localdate()
    years = [
        year
        for year in (
            FinancialYear.for_date(today - datetime.timedelta(days=366)),
            FinancialYear.for_date(today),
        )
        if year is not None
    ]
    cases = BusinessCase.objects.unscoped("every approved case's savings").filter(
        status=CaseStatus.APPROVED
    )
    measured = 0
    for case in cases.order_by("pk"):
        for year in years:
            measured += len(savings_services.measure_case(case, year, today))
    return {"cases": cases.count(), "years": [y.name for y in years], "measured": measured}


@task()
def measure_savings() -> dict[str, Any]:
    """The approved business cases' savings measured again, as a job."""
    with system_scope("measuring savings"), acting_as(label="job:measure savings"):
        return measure_savings_now()


PERIODIC = (
    *LEDGER_PERIODIC,
    Periodic(
        last_month_recharge,
        "make last month's draft recharge run on the second working day of the month",
    ),
    Periodic(
        measure_savings,
        "measure the approved business cases' savings again from the costs",
    ),
)
