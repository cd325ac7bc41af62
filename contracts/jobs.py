"""The contracts app's job on a timetable (core.periodic; `concord tick` queues it):

- `contract_dates`: every contract whose stored dates have passed has them worked out again
  (a tacit renewal rolls on), active and in-notice contracts whose end has passed move to
  expired (or terminated), and a reminder is sent for each notice deadline and end date
  that has come within one of its councils' reminder days (an end that renews by itself
  is no end: only its notice deadline is reminded) (`ContractSettings.reminder_days`,
  180, 90 and 30 by default) to the contract owner and the councils' leads
  (contracts.notifications).

Each reminder is recorded (`ContractReminder`: contract, date, kind, days before), so each is
sent once: a tick missed or run twice changes nothing; where several reminder days have passed
at once (a contract recorded late) only the nearest is sent. Its writes are change-logged as
the job's.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from contracts import notifications, services
from contracts.choices import ReminderKind
from contracts.models import Contract, ContractReminder, ContractSettings
from core.context import acting_as
from core.periodic import Periodic
from core.tenancy.scoping import system_scope

#: Reminder days of a council with no ContractSettings.
DEFAULT_REMINDER_DAYS = (180, 90, 30)


def reminder_days(contract: Contract, settings: dict[int, list[int]]) -> list[int]:
    """The reminder days of the councils owning `contract`, largest first."""
    days: set[int] = set()
    for partner_id in contract.owning_partner_ids():
        days.update(settings.get(partner_id, DEFAULT_REMINDER_DAYS))
    return sorted(days, reverse=True)


def rolls_on(contract: Contract) -> bool:
    """Whether the current term's end renews by itself (tacit renewal, no notice given)."""
    return contract.renewal == "tacit" and contract.notice_given_on is None


def due_reminders(today: datetime.date) -> list[tuple[Contract, str, datetime.date, int]]:
    """Every (contract, kind, date, days before) reminder due on `today` and not yet sent."""
    why = "the contract reminders read every council's contracts"
    settings = {
        s.partner_id: s.days()
        for s in ContractSettings.objects.unscoped(why).order_by("partner_id", "id")
    }
    furthest = max([*DEFAULT_REMINDER_DAYS, *(d for v in settings.values() for d in v)])
    horizon = today + datetime.timedelta(days=furthest)
    live = Contract.objects.unscoped(why).filter(status__in=services.LIVE)
    near = live.filter(notice_by__range=(today, horizon)) | live.filter(
        end_date__range=(today, horizon)
    )
    sent = {
        (r.contract_id, r.kind, r.due_on, r.days_before)
        for r in ContractReminder.objects.unscoped(why).filter(
            contract__in=near.values("pk"), due_on__gte=today
        )
    }
    found = []
    for contract in near.order_by("pk"):
        days = reminder_days(contract, settings)
        for kind, day in (
            (ReminderKind.NOTICE_DEADLINE, contract.notice_by),
            (ReminderKind.END_DATE, contract.end_date),
        ):
            if day is None or day < today:
                continue
            if kind == ReminderKind.END_DATE and rolls_on(contract):
                continue  # not an end: it renews by itself (its notice deadline is reminded)
            left = (day - today).days
            passed = [d for d in days if d >= left]
            if not passed:
                continue
            nearest = min(passed)
            if (contract.pk, str(kind), day, nearest) not in sent:
                found.append((contract, str(kind), day, nearest))
    return found


def send_reminders(today: datetime.date | None = None) -> int:
    """Record and send every reminder due; how many."""
    today = today or timezone.localdate()
    count = 0
    for contract, kind, day, days in due_reminders(today):
        with transaction.atomic():
            reminder = ContractReminder.objects.create(
                contract=contract, kind=kind, due_on=day, days_before=days, sent_at=timezone.now()
            )
            notifications.notify(reminder)
        count += 1
    return count


def contract_dates_now(today: datetime.date | None = None) -> dict[str, Any]:
    today = today or timezone.localdate()
    return {
        "dates": services.refresh_passed_dates(today),
        "statuses": services.refresh_statuses(today),
        "reminders": send_reminders(today),
    }


@task()
def contract_dates() -> dict[str, Any]:
    """The contracts' daily work as a job."""
    with system_scope("the contracts' dates and reminders"), acting_as(label="job:contract dates"):
        return contract_dates_now()


PERIODIC = (
    Periodic(
        contract_dates,
        "work contracts' dates out, expire ended contracts, email notice and end reminders",
    ),
)
