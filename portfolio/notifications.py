"""Emails of the portfolio: a risk's review date has come (to its owner), and a project's
report for last month is missing (to its manager).

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
from portfolio.models import Project, Risk

logger = logging.getLogger(__name__)


def notify_risk(risk: Risk) -> None:
    """Queue the review reminder of `risk`, once the change is committed."""
    risk_id = risk.pk
    transaction.on_commit(lambda: send_risk_review.enqueue(risk_id=risk_id))


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
def send_risk_review(risk_id: int) -> int:
    """Email a risk's owner that its review date has come; how many were sent."""
    with system_scope("reminding a risk's owner"), acting_as(label="job:risk review"):
        risk = Risk.objects.select_related("project", "owner").filter(pk=risk_id).first()
        if risk is None or not _may_read(Risk, risk, risk.owner):
            return 0
        context = {
            "risk": risk,
            "person": risk.owner,
            "url": f"{settings.CONCORD_BASE_URL}{risk.get_absolute_url()}",
        }
        subject = (
            f"[{risk.project.reference}] Review the risk: {risk.title} "
            f"(due {risk.review_date:%d %B %Y})"
        )
        sent = _send(
            [_message(subject, "risk_review", context, risk.owner, risk.project.reference)]
        )
        logger.info("risk review: %s email(s) for risk %s", sent, risk.pk)
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
