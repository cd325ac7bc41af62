"""Emails of the portfolio: a risk's or an issue's review date has come (to its owner), and a
project's report for last month is missing (to its manager).

`portfolio.jobs.portfolio_reminders` marks each reminder on its record (so it goes once) and,
once that is committed, queues the email here through the foundation's jobs. Each person is
checked against the one visibility rule when it is sent (`visible_to`), so nobody is written
to about a project they cannot see.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django_tasks import task

from core.context import acting_as
from core.email import automated_email, may_read, send_all
from core.queueing import queue_after_commit
from core.tenancy.scoping import system_scope
from portfolio.models import Project, ProjectIssue, Risk

logger = logging.getLogger(__name__)


#: The registers whose entries are reminded of their review dates, by the word for an entry.
REGISTERS: dict[str, Any] = {"risk": Risk, "issue": ProjectIssue}


def notify_entry(entry: Risk | ProjectIssue) -> None:
    """Queue the review reminder of a risk or an issue, once the change is committed."""
    kind = "issue" if isinstance(entry, ProjectIssue) else "risk"
    entry_id = entry.pk
    queue_after_commit(send_entry_review, kind=kind, entry_id=entry_id)


def notify_report(project: Project) -> None:
    """Queue the missing-report reminder of `project`, once the change is committed."""
    project_id = project.pk
    queue_after_commit(send_report_missing, project_id=project_id)


def _message(
    subject: str, template: str, context: dict[str, Any], person: Any, reference: str
) -> EmailMultiAlternatives:
    return automated_email(
        subject=subject,
        template=f"portfolio/email/{template}",
        context=context,
        to=person.email,
        kind="portfolio",
        headers={"X-Concord-Project": reference},
    )


@task()
def send_entry_review(kind: str, entry_id: int) -> int:
    """Email a risk's or an issue's owner that its review date has come; how many were sent."""
    model = REGISTERS.get(kind)
    if model is None:
        return 0
    with system_scope(f"reminding a {kind}'s owner"), acting_as(label=f"job:{kind} review"):
        entry = model.objects.select_related("project", "owner").filter(pk=entry_id).first()
        if entry is None or not may_read(model, entry.pk, entry.owner):
            return 0
        context = {
            "entry": entry,
            "noun": kind,
            "person": entry.owner,
            "url": f"{settings.CONCORD_BASE_URL}{entry.get_absolute_url()}",
        }
        subject = (
            f"[{entry.project.reference}] Review the {kind}: {entry.title} "
            f"(due {entry.review_date:%d %B %Y})"
        )
        sent = send_all(
            [_message(subject, "entry_review", context, entry.owner, entry.project.reference)]
        )
        logger.info("%s review: %s email(s) for %s %s", kind, sent, kind, entry.pk)
        return sent


@task()
def send_report_missing(project_id: int) -> int:
    """Email a project's manager that last month's report is missing; how many were sent."""
    with system_scope("reminding a project's manager"), acting_as(label="job:report missing"):
        project = Project.objects.select_related("manager").filter(pk=project_id).first()
        if project is None or project.report_reminded_for is None:
            return 0
        if not may_read(Project, project.pk, project.manager):
            return 0
        context = {
            "project": project,
            "person": project.manager,
            "period": project.report_reminded_for,
            "url": f"{settings.CONCORD_BASE_URL}{project.get_absolute_url()}",
        }
        subject = (
            f"[{project.reference}] The report for {project.report_reminded_for:%B %Y} is missing"
        )
        sent = send_all(
            [_message(subject, "report_missing", context, project.manager, project.reference)]
        )
        logger.info("report missing: %s email(s) for %s", sent, project.reference)
        return sent
