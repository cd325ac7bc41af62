"""The SLA arithmetic of tickets, in one place: targets from a council's policy, due times on
its working calendar, pauses while a ticket awaits the customer, re-targeting when the
priority changes, and the state a ticket's clocks are in.

Two clocks run from the moment a ticket is opened, in working time of the council's calendar
(`ServiceCalendar`, or office hours, with the bank holidays of the council's nation): the
response clock until the desk first answers, the resolution clock until it is resolved. While
the ticket awaits the customer, neither counts: the working time spent waiting is added to
``paused_for`` when the wait ends, and the due times move on by as much. A resolved ticket that
is reopened counts the time it spent resolved as a pause too. Changing the priority changes the
targets, which count from the ticket's opening as before.

The running clock is the response clock until the first response, then the resolution clock;
a ticket is at risk when 75% of the running clock's target is used, breached when its due time
has passed. When it is resolved, met or missed is recorded for each clock.

Everything here is arithmetic on a ticket in memory: callers (servicedesk.services, the jobs)
save what it sets. Derived fields (the due times, the state) are not change-logged.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from core.workdays import WorkingCalendar
from servicedesk import rules
from servicedesk.choices import PAUSING_STATUSES, SlaState
from servicedesk.models import DEFAULT_TARGETS, ServiceCalendar, SlaPolicy, Ticket

#: The share of a clock's target after which a ticket is at risk.
AT_RISK_SHARE = Decimal("0.75")


def calendar_for(partner: Any, calendar: ServiceCalendar | None = None) -> WorkingCalendar:
    """The working calendar of a council's SLA clocks: `calendar` (a policy's), else the
    council's default one, else office hours; with its nation's bank holidays."""
    if calendar is None and partner.pk is not None:
        calendar = rules.current().calendars.get(partner.pk)
    if calendar is None:
        return WorkingCalendar(nation=partner.nation)
    return calendar.working_calendar(partner.nation)


def ticket_calendar(ticket: Ticket) -> WorkingCalendar:
    """The calendar `ticket`'s clocks run on: its policy's, or its council's."""
    policy = ticket.sla_policy if ticket.sla_policy_id is not None else None
    own = policy.calendar if policy is not None and policy.calendar_id is not None else None
    return calendar_for(ticket.partner, own)


def hours(value: Decimal | float | int) -> datetime.timedelta:
    """A number of hours as a duration (to the second)."""
    return datetime.timedelta(seconds=int(Decimal(value) * 3600))


def policy_for(
    partner: Any, priority: int, on: datetime.date | None = None
) -> tuple[SlaPolicy | None, datetime.timedelta, datetime.timedelta]:
    """The council's policy for `priority` in force on `on` (today by default; None when it
    has none) and its response and resolution targets (the defaults without a policy)."""
    on = on or timezone.localdate()
    policy = rules.current().policy(partner.pk, priority, on) if partner.pk is not None else None
    if policy is None:
        response, resolution = DEFAULT_TARGETS[int(priority)]
        return None, hours(response), hours(resolution)
    return policy, hours(policy.response_hours), hours(policy.resolution_hours)


def set_targets(ticket: Ticket) -> None:
    """Give `ticket` its policy and targets for its council and priority (the policy in force
    the day it was opened), and its due times."""
    opened_on = timezone.localdate(ticket.opened_at)
    policy, response, resolution = policy_for(ticket.partner, ticket.priority, opened_on)
    ticket.sla_policy = policy
    ticket.response_target = response
    ticket.resolution_target = resolution
    set_due_times(ticket)


def set_due_times(ticket: Ticket, calendar: WorkingCalendar | None = None) -> None:
    """Work out the due times and the at-risk moment from the targets, the opening and the
    pauses so far (a calendar change calls this for every open ticket)."""
    calendar = calendar or ticket_calendar(ticket)
    opened = ticket.opened_at
    paused = ticket.paused_for or datetime.timedelta()
    responded = ticket.first_response_at is not None and ticket.response_due is not None
    if not responded:
        # Once the desk has answered, the response clock is over: its due time stays.
        ticket.response_due = calendar.add(opened, ticket.response_target + paused)
    ticket.resolution_due = calendar.add(opened, ticket.resolution_target + paused)
    running = ticket.resolution_target if responded else ticket.response_target
    ticket.at_risk_at = calendar.add(opened, _share(running) + paused)


def _share(target: datetime.timedelta) -> datetime.timedelta:
    return datetime.timedelta(seconds=int(Decimal(target.total_seconds()) * AT_RISK_SHARE))


def state_at(ticket: Ticket, now: datetime.datetime | None = None) -> str:
    """The state of `ticket`'s clocks at `now`."""
    now = now or timezone.now()
    if ticket.resolved_at is not None and not ticket.is_open:
        return (
            SlaState.MET
            if ticket.resolution_met and ticket.response_met is not False
            else SlaState.MISSED
        )
    if ticket.paused_since is not None or ticket.status in PAUSING_STATUSES:
        return SlaState.PAUSED
    breached = (
        now > ticket.resolution_due
        or (ticket.first_response_at is None and now > ticket.response_due)
        or ticket.response_met is False
    )
    if breached:
        return SlaState.BREACHED
    if now >= ticket.at_risk_at:
        return SlaState.AT_RISK
    return SlaState.ON_TRACK


def time_left(
    ticket: Ticket, now: datetime.datetime | None = None, calendar: WorkingCalendar | None = None
) -> datetime.timedelta:
    """The working time left on the running clock (negative once it is past due)."""
    now = now or timezone.now()
    calendar = calendar or ticket_calendar(ticket)
    due = ticket.response_due if ticket.first_response_at is None else ticket.resolution_due
    if now <= due:
        return calendar.between(now, due)
    return -calendar.between(due, now)


def pause(ticket: Ticket, now: datetime.datetime | None = None) -> None:
    """Stop the clocks: the ticket awaits the customer."""
    if ticket.paused_since is None:
        ticket.paused_since = now or timezone.now()
    ticket.sla_state = SlaState.PAUSED


def resume(
    ticket: Ticket, now: datetime.datetime | None = None, calendar: WorkingCalendar | None = None
) -> None:
    """Start the clocks again: the working time spent waiting is not counted."""
    now = now or timezone.now()
    if ticket.paused_since is not None:
        calendar = calendar or ticket_calendar(ticket)
        waited = calendar.between(ticket.paused_since, now)
        ticket.paused_for = (ticket.paused_for or datetime.timedelta()) + waited
        ticket.paused_since = None
        set_due_times(ticket, calendar)
    ticket.sla_state = state_at(ticket, now)


def record_response(ticket: Ticket, now: datetime.datetime | None = None) -> None:
    """The desk's first answer: the response clock stops, met or missed."""
    if ticket.first_response_at is not None:
        return
    now = now or timezone.now()
    ticket.first_response_at = now
    ticket.response_met = now <= ticket.response_due
    set_due_times(ticket)
    ticket.sla_state = state_at(ticket, now)


def record_resolution(ticket: Ticket, now: datetime.datetime | None = None) -> None:
    """The ticket is resolved: each clock met or missed."""
    now = now or timezone.now()
    if ticket.paused_since is not None:
        resume(ticket, now)
    if ticket.first_response_at is None:
        record_response(ticket, now)
    ticket.resolved_at = now
    ticket.resolution_met = now <= ticket.resolution_due
    ticket.sla_state = (
        SlaState.MET if ticket.resolution_met and ticket.response_met else SlaState.MISSED
    )


def record_reopening(ticket: Ticket, now: datetime.datetime | None = None) -> None:
    """A resolved ticket is reopened: the time it spent resolved is a pause, and its
    resolution is no longer met or missed."""
    now = now or timezone.now()
    if ticket.resolved_at is not None:
        ticket.paused_since = ticket.resolved_at
        ticket.resolved_at = None
        ticket.resolution_met = None
        resume(ticket, now)
