"""The licences app's job on a timetable (core.periodic; `concord tick` queues it):

- `remind_renewals`: an agreement whose renewal date (else end date) is no more than its
  `remind_days` away, and that has not been reminded of that date, is marked reminded and its
  people are emailed (licences.notifications). One reminder per date: moving the renewal date
  on (after renewing) makes the next one due in its turn.

It does what is due when it runs and nothing twice, so a tick missed or run twice changes
nothing. Its writes are change-logged as the job's.
"""

from __future__ import annotations

import datetime

from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_tasks import task

from core.context import acting_as
from core.periodic import Periodic
from core.tenancy.scoping import system_scope
from licences import notifications
from licences.models import LicenceAgreement


def due_for_reminder(today: datetime.date) -> list[LicenceAgreement]:
    """Every council's agreements whose reminder is due on `today`: falling due within their
    `remind_days`, not yet past, not reminded of this date."""
    candidates = (
        LicenceAgreement.objects.unscoped("the renewal reminders read every council's agreements")
        .annotate(due=Coalesce("renewal_on", "ends_on"))
        .filter(due__isnull=False, due__gte=today)
        .exclude(reminded_for=F("due"))
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .order_by("due", "id")
    )
    # remind_days is at most 730, so nothing further off than that can be due.
    near = candidates.filter(due__lte=today + datetime.timedelta(days=730))
    return [a for a in near if a.due - datetime.timedelta(days=a.remind_days) <= today]


def renewal_reminders(today: datetime.date | None = None) -> int:
    """Remind of every agreement falling due; how many agreements."""
    today = today or timezone.localdate()
    count = 0
    for agreement in due_for_reminder(today):
        agreement.reminded_for = agreement.due_on
        agreement.save(update_fields=["reminded_for"])
        notifications.notify_due(agreement)
        count += 1
    return count


@task()
def remind_renewals() -> int:
    """The renewal reminders as a job."""
    with system_scope("the renewal reminders"), acting_as(label="job:renewal reminders"):
        return renewal_reminders()


PERIODIC = (Periodic(remind_renewals, "email the people of licence agreements falling due"),)
