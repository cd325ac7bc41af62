"""The service desk's jobs on a timetable (core.periodic; `concord tick` queues them):

- `watch_slas`: a ticket whose clock passes 75% warns its queue (the assignee, else every
  member); one past due is escalated (the assignee, the queue and the service managers). Each
  warning goes once per clock: the ticket records when it was warned and escalated.
- `close_resolved_tickets`: a resolved ticket its requester has not answered closes after the
  council's number of working days (its default calendar's ``close_resolved_after``).
- `retry_received_mail`: an inbound mail kept but left "received" (its processing never
  finished) is worked on again after a grace period, or given up on as failed once too old
  (servicedesk.mail_in.retry_received).

Each does what is due when they run and nothing twice, so a tick missed or run twice changes
nothing. Their writes are change-logged as the job's.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import F, Q
from django.utils import timezone
from django_tasks import task

from core.context import acting_as
from core.periodic import Periodic
from core.tenancy.scoping import system_scope
from core.workdays import WorkingCalendar
from servicedesk import mail_in, notifications, services, sla
from servicedesk.choices import (
    CLOCK_STOPPED_STATUSES,
    OPEN_STATUS_LIST,
    SlaState,
    TicketStatus,
)
from servicedesk.models import ServiceCalendar, Ticket

#: Tickets read and saved per batch.
BATCH = 500
#: Working days a resolved ticket waits when its council has no default calendar.
DEFAULT_CLOSE_AFTER = 5


def _running() -> Any:
    return (
        Ticket.objects.unscoped("the SLA watch reads every council's open tickets")
        .filter(status__fixed_in=OPEN_STATUS_LIST, paused_since__isnull=True)
        .exclude(status__in=CLOCK_STOPPED_STATUSES)
    )


def sla_watch(now: datetime.datetime | None = None) -> dict[str, int]:
    """Warn of tickets newly at risk and escalate those newly breached; the counts."""
    now = now or timezone.now()
    counts = {"at_risk": 0, "breached": 0}
    unwarned = Q(at_risk_warned_at__isnull=True) | Q(at_risk_warned_at__lt=F("at_risk_at"))
    past_due = (
        Q(resolution_due__lt=now)
        | Q(first_response_at__isnull=True, response_due__lt=now)
        | Q(response_met=False)
    )
    due = (
        _running()
        .filter(
            (Q(at_risk_at__lte=now) & unwarned) | (Q(breach_escalated_at__isnull=True) & past_due)
        )
        .select_related("partner", "sla_policy__calendar")
        .order_by("id")
    )
    for ticket in due.iterator(chunk_size=BATCH):
        state = sla.state_at(ticket, now)
        fields = {"sla_state"}
        ticket.sla_state = state
        if state == SlaState.BREACHED and ticket.breach_escalated_at is None:
            ticket.breach_escalated_at = now
            ticket.at_risk_warned_at = now  # a breach says more than the warning would
            fields |= {"breach_escalated_at", "at_risk_warned_at"}
            notifications.notify("sla_breached", ticket)
            counts["breached"] += 1
        elif state in (SlaState.AT_RISK, SlaState.BREACHED):
            ticket.at_risk_warned_at = now
            fields.add("at_risk_warned_at")
            if state == SlaState.AT_RISK:
                notifications.notify("sla_at_risk", ticket)
                counts["at_risk"] += 1
        ticket.save(update_fields=fields)
    return counts


@lru_cache(maxsize=256)
def _closing_rule(partner_id: int) -> tuple[WorkingCalendar, int]:
    from core.tenancy.models import Partner

    partner = Partner.objects.get(pk=partner_id)
    default = (
        ServiceCalendar.objects.owned_by(partner).filter(is_default=True).order_by("id").first()
    )
    days = default.close_resolved_after if default is not None else DEFAULT_CLOSE_AFTER
    return sla.calendar_for(partner, default), days


def closes_at(
    resolved_at: datetime.datetime, calendar: WorkingCalendar, days: int
) -> datetime.datetime:
    """The moment a ticket resolved at `resolved_at` closes: the same time of day, `days` of
    the calendar's working days later (days with working hours, less bank holidays)."""
    zone = ZoneInfo(calendar.zone)
    local = resolved_at.astimezone(zone)
    day = local.date()
    for _ in range(days):
        day += datetime.timedelta(days=1)
        for _skip in range(366):
            if calendar.interval(day) is not None:
                break
            day += datetime.timedelta(days=1)
    return datetime.datetime.combine(day, local.time(), tzinfo=zone)


def _resolved() -> Iterator[Ticket]:
    return (
        Ticket.objects.unscoped("closing every council's resolved tickets")
        .filter(status=TicketStatus.RESOLVED, resolved_at__isnull=False)
        .select_related("partner")
        .order_by("id")
        .iterator(chunk_size=BATCH)
    )


def close_resolved(now: datetime.datetime | None = None) -> int:
    """Close the resolved tickets whose wait is over; how many."""
    now = now or timezone.now()
    _closing_rule.cache_clear()
    closed = 0
    for ticket in _resolved():
        calendar, days = _closing_rule(ticket.partner_id)
        assert ticket.resolved_at is not None
        if closes_at(ticket.resolved_at, calendar, days) <= now:
            services.close(ticket, now)
            closed += 1
    return closed


@task()
def watch_slas() -> dict[str, int]:
    """The SLA watch as a job."""
    with system_scope("the SLA watch"), acting_as(label="job:sla watch"):
        return sla_watch()


@task()
def close_resolved_tickets() -> int:
    """Closing resolved tickets as a job."""
    with system_scope("closing resolved tickets"), acting_as(label="job:close resolved tickets"):
        return close_resolved()


@task()
def retry_received_mail() -> dict[str, int]:
    """Working again on inbound mail left received, as a job."""
    with system_scope("retrying inbound mail"), acting_as(label="job:retry received mail"):
        return mail_in.retry_received()


PERIODIC = (
    Periodic(watch_slas, "warn the queues of tickets at risk, escalate breached ones"),
    Periodic(close_resolved_tickets, "close resolved tickets after the council's working days"),
    Periodic(retry_received_mail, "work again on inbound mail whose processing never finished"),
)
