"""Reporting's jobs: making and emailing the monthly packs.

`monthly_packs` runs on every tick (core.periodic): from the `PACK_WORKING_DAY`th working day
of a month (Monday to Friday less the bank holidays of the council's nation; England's for the
joint board), it makes last month's pack of each council that was in the partnership that month
and the joint board's, and emails each once. A pack already made is not made again and one
already emailed is not sent again (reporting.packs), so a tick missed or run twice changes
nothing. Before that day, the roll-ups of the month's last days are still settling (the
nightly jobs, and records entered late), so the pack waits for them.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from django_tasks import task

from core.context import acting_as
from core.periodic import Periodic
from core.tenancy.models import Partner
from core.tenancy.scoping import system_scope
from core.workdays import is_working_day
from reporting import dashboards, packs

#: The working day of the month on which last month's packs are made.
PACK_WORKING_DAY = 5
#: Whose bank holidays the joint board's pack day skips.
BOARD_NATION = "ENG"


def nth_working_day(month: datetime.date, n: int, nation: str) -> datetime.date:
    """The `n`th working day of `month`'s month in `nation`."""
    day = dashboards.first_of_month(month)
    seen = 0
    while True:
        if is_working_day(day, nation):
            seen += 1
            if seen == n:
                return day
        day += datetime.timedelta(days=1)


def due_scopes(today: datetime.date) -> list[Partner | None]:
    """The scopes whose pack of last month is due by `today`: each council in the partnership
    during last month whose pack day has come, then the joint board (None)."""
    period = dashboards.add_months(dashboards.first_of_month(today), -1)
    end = dashboards.month_end(period)
    councils = (
        Partner.objects.unscoped("every council's monthly pack")
        .filter(joined_on__lte=end)
        .order_by("code")
    )
    due: list[Partner | None] = [
        p
        for p in councils
        if (p.left_on is None or p.left_on >= period)
        and today >= nth_working_day(today, PACK_WORKING_DAY, p.nation)
    ]
    if today >= nth_working_day(today, PACK_WORKING_DAY, BOARD_NATION):
        due.append(None)
    return due


def make_due_packs(today: datetime.date | None = None) -> dict[str, Any]:
    """Make and email last month's packs that are due and not made (or not emailed) yet."""
    today = today or timezone.localdate()
    period = dashboards.add_months(dashboards.first_of_month(today), -1)
    made, sent = [], 0
    for scope in due_scopes(today):
        pack, new = packs.make_pack(scope, period)
        if new:
            made.append(dashboards.scope_key(scope))
        sent += packs.send_pack(pack)
    return {"period": period.isoformat(), "made": made, "emailed": sent}


@task()
def monthly_packs() -> dict[str, Any]:
    """Last month's packs, once each, as a job."""
    with system_scope("make and email the monthly packs"), acting_as(label="job:monthly packs"):
        return make_due_packs()


PERIODIC = [
    Periodic(monthly_packs, "make and email last month's packs on the month's fifth working day")
]
