"""Emails of the portfolio: a risk's or an issue's review date has come (to its owner), and a
project's report for last month is missing (to its manager).

`portfolio.jobs.portfolio_reminders` marks each reminder on its record (so it goes once) and,
once that is committed, queues the email here through the foundation's jobs. Each person is
checked against the one visibility rule when it is sent (`visible_to`), so nobody is written
to about a project they cannot see.
"""

from __future__ import annotations

import logging
from email.utils import make_msgid
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django_tasks import task

from core.context import acting_as
from core.tenancy.scoping import system_scope
from portfolio.models import Project, ProjectIssue, Risk

logger = logging.getLogger(__name__)


#: The registers whose entries are reminded of their review dates, by the word for an entry.
REGISTERS: dict[str, Any] = {"risk": Risk, "issue": ProjectIssue}


def notify_entry(entry: Risk | ProjectIssue) -> None:
    """Queue the review reminder of a risk or an issue, once the change is committed."""
    kind = "issue" if isinstance(entry, ProjectIssue) else "risk"
    entry_id = entry.pk
    transaction.on_commit(lambda: send_entry_review.enqueue(kind=kind, entry_id=entry_id))


def notify_report(project: Project) -> None:
    """Queue the missing-report reminder of `project`, once the change is committed."""
    project_id = project.pk
    transaction.on_commit(lambda: send_report_missing.enqueue(project_id=project_id))


def _may_read(model: Any, obj: Any, person: Any) -> bool:
    if person is None or not person.is_active or not person.email:
        return False
    return bool(model.objects.visible_to(person).filter(pk=obj.pk).exists())


def _message(
    subject: str, template: str, context: dict[str, Any], person: Any, reference: str
) -> EmailMultiAlternatives:
    domain = str(settings.DEFAULT_FROM_EMAIL).rpartition("@")[2].strip(">") or "localhost"
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split())[:200],
        body=render_to_string(f"portfolio/email/{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[person.email],
        headers={
            "Message-ID": make_msgid(idstring="portfolio", domain=domain),
            "Auto-Submitted": "auto-generated",
            "X-Auto-Response-Suppress": "All",
            "X-Concord-Project": reference,
        },
    )
    message.attach_alternative(
        render_to_string(f"portfolio/email/{template}.html", context), "text/html"
    )
    return message


def _send(messages: list[EmailMultiAlternatives]) -> int:
    if not messages:
        return 0
    with get_connection() as connection:
        return int(connection.send_messages(messages) or 0)


@task()
def send_entry_review(kind: str, entry_id: int) -> int:
    """Email a risk's or an issue's owner that its review date has come; how many were sent."""
    model = REGISTERS.get(kind)
    if model is None:
        return 0
    with system_scope(f"reminding a {kind}'s owner"), acting_as(label=f"job:{kind} review"):
        entry = model.objects.select_related("project", "owner").filter(pk=entry_id).first()
        if entry is None or not _may_read(model, entry, entry.owner):
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
        sent = _send(
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
        if not _may_read(Project, project, project.manager):
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
        sent = _send(
            [_message(subject, "report_missing", context, project.manager, project.reference)]
        )
        logger.info("report missing: %s email(s) for %s", sent, project.reference)
        return sent
