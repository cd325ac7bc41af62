"""The portfolio app's jobs on a timetable (core.periodic; `concord tick` queues them):

- `portfolio_reminders`: each open risk and issue whose review date has come is marked
  reminded for that date and its owner emailed, once per review date (a new review date
  reminds again);
  after the fifth working day of a month, each project owing a report for last month (approved
  or in delivery, running then) that has none is marked reminded for that month and its
  manager emailed, once per month. A tick missed or run twice changes nothing.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import F, Q
from django.utils import timezone
from django_tasks import task

from core.context import acting_as
from core.periodic import Periodic
from core.tenancy.scoping import system_scope
from portfolio import notifications, services
from portfolio.models import Project, ProjectIssue, Risk


def reminders_now(today: datetime.date | None = None) -> dict[str, Any]:
    """Mark and queue the reminders due on `today`; how many of each."""
    today = today or timezone.localdate()
    counts = {"risks": 0, "issues": 0}
    for model, counted in ((Risk, "risks"), (ProjectIssue, "issues")):
        due = services.entries_due(model.objects.unscoped(f"every {counted} due for review"), today)
        due = due.filter(Q(reminded_for__isnull=True) | ~Q(reminded_for=F("review_date")))
        for entry in due.order_by("review_date", "id"):
            entry.reminded_for = entry.review_date
            entry.save()
            notifications.notify_entry(entry)
            counts[counted] += 1
    period = services.last_month(today)
    missing = services.missing_reports(Project.objects.unscoped("every project owing"), today)
    missing = missing.filter(Q(report_reminded_for__isnull=True) | ~Q(report_reminded_for=period))
    report_count = 0
    for project in missing.order_by("reference", "id"):
        project.report_reminded_for = period
        project.save()
        notifications.notify_report(project)
        report_count += 1
    return {**counts, "reports": report_count}


@task()
def portfolio_reminders() -> dict[str, Any]:
    """The portfolio's reminders, as a job."""
    with system_scope("portfolio reminders"), acting_as(label="job:portfolio reminders"):
        return reminders_now()


PERIODIC: list[Periodic] = [
    Periodic(
        portfolio_reminders,
        "remind risk and issue owners of reviews due and managers of missing reports",
    ),
]
