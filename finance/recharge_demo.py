"""The finance demo's recharge part (called by finance/demo.py, after the ledger's): a monthly
recharge run for each month of last financial year and of this one so far, made from the
ledger demo's costs, rules and driver figures, and approved by the shared-service manager on
the second working day of the month after (dated then in the change log). A month already run
is left as it is, so a second `concord demo` creates nothing; a month whose costs cannot all be
split (a cost with no rule) stays a draft, for the pages to show."""

from __future__ import annotations

import datetime

from django.utils import timezone

from core.context import dated
from core.demo import DemoRun
from core.tenancy.models import User
from finance import recharging
from finance.jobs import second_working_day
from finance.models import RechargeRun
from finance.models.ledger import year_bounds

REASON = "the demo's recharge runs"


def demo_months(today: datetime.date) -> list[datetime.date]:
    """The first day of each month of last financial year and of this one, up to last month."""
    this_year, _ = year_bounds(today)
    first = this_year.replace(year=this_year.year - 1)
    months = []
    while first < today.replace(day=1):
        months.append(first)
        first = recharging.month_end(first) + datetime.timedelta(days=1)
    return months


def load_recharge_demo(run: DemoRun) -> None:
    """Approved monthly runs for last year's months and this year's so far."""
    today = timezone.localdate()
    manager = User.objects.filter(username="manager").first()
    runs = RechargeRun.objects.unscoped(REASON)
    for start in demo_months(today):
        end = recharging.month_end(start)
        if runs.filter(period_start__lte=end, period_end__gte=start).exists():
            continue
        approve_on = second_working_day(end + datetime.timedelta(days=1))
        moment = timezone.make_aware(datetime.datetime.combine(approve_on, datetime.time(10)))
        moment = min(moment, timezone.now())
        with dated(moment):
            made = recharging.run_for(start, end)
            run.created["recharge runs"] += 1
            if manager is not None and not made.problems and approve_on <= today:
                recharging.approve(made, manager, at=moment)
                run.created["approved recharge runs"] += 1
