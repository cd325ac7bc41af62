"""The SLA arithmetic (servicedesk.sla) on real tickets, with time frozen: weekends, bank
holidays that differ between nations, pauses awaiting the customer, priority changes, the
clock changes of March and October, a council's own working calendar."""

from __future__ import annotations

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from core.tenancy.models import Partner
from core.tenancy.scoping import system_scope
from servicedesk import services, sla
from servicedesk.choices import Impact, Priority, SlaState, TicketStatus, Urgency
from servicedesk.models import ServiceCalendar, SlaPolicy, Ticket

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
H = datetime.timedelta(hours=1)


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=LONDON)


def raise_p3(cast, partner=None, when=None, **extra) -> Ticket:
    """A P3 (medium impact, medium urgency: 4 hours to respond, 24 to resolve by default)."""
    partner = partner or cast.wcc
    requester = cast.wcc_staff if partner == cast.wcc else cast.rbkc_staff
    with system_scope("test"), time_machine.travel(when or at(2027, 1, 11, 9), tick=False):
        return services.raise_ticket(
            partner=partner,
            requester=requester,
            subject="Printer jams",
            impact=Impact.MEDIUM,
            urgency=Urgency.MEDIUM,
            **extra,
        )


def test_a_new_ticket_gets_its_targets_and_due_times_in_working_hours(cast):
    # Friday 8 January 2027, 15:00: 2 working hours left on Friday.
    ticket = raise_p3(cast, when=at(2027, 1, 8, 15))
    assert ticket.priority == Priority.MEDIUM
    assert ticket.response_target == 4 * H and ticket.resolution_target == 24 * H
    assert ticket.response_due == at(2027, 1, 11, 11)  # 2 h on Friday, 2 on Monday
    # 24 working hours = 2 (Fri) + 8 (Mon) + 8 (Tue) + 6 (Wed)
    assert ticket.resolution_due == at(2027, 1, 13, 15)
    assert ticket.at_risk_at == at(2027, 1, 11, 10)  # 3 of the 4 response hours
    assert ticket.sla_state == SlaState.ON_TRACK
    assert ticket.reference == "INC0000001"


def test_the_councils_nation_keeps_its_own_bank_holidays(cast):
    with system_scope("test"):
        Partner.objects.filter(pk=cast.rbkc.pk).unlogged("test").update(nation="SCT")
        cast.rbkc.refresh_from_db()
    # Monday 29 November 2027, 16:00; Tuesday 30 November is St Andrew's Day in Scotland.
    english = raise_p3(cast, cast.wcc, at(2027, 11, 29, 16))
    scottish = raise_p3(cast, cast.rbkc, at(2027, 11, 29, 16))
    assert english.response_due == at(2027, 11, 30, 12)
    assert scottish.response_due == at(2027, 12, 1, 12)


def test_the_clock_changes_move_no_due_time_a_person_reads(cast):
    # Friday 27 March 2026 16:00; clocks go forward on Sunday 29 March.
    spring = raise_p3(cast, when=at(2026, 3, 27, 16))
    assert spring.response_due == at(2026, 3, 30, 12)
    assert spring.response_due.astimezone(datetime.UTC).hour == 11  # BST
    # Friday 23 October 2026 16:00; clocks go back on Sunday 25 October.
    autumn = raise_p3(cast, when=at(2026, 10, 23, 16))
    assert autumn.response_due == at(2026, 10, 26, 12)
    assert autumn.response_due.astimezone(datetime.UTC).hour == 12  # GMT


def test_awaiting_the_customer_pauses_both_clocks(cast):
    ticket = raise_p3(cast, when=at(2027, 1, 11, 9))  # Monday 09:00
    resolution_due = ticket.resolution_due
    with system_scope("test"):
        with time_machine.travel(at(2027, 1, 11, 10), tick=False):
            services.move(ticket, TicketStatus.AWAITING_CUSTOMER)
        assert ticket.sla_state == SlaState.PAUSED
        assert sla.state_at(ticket, at(2027, 2, 1, 9)) == SlaState.PAUSED  # never breaches
        # The customer answers on Wednesday at 10:00: 16 working hours went by waiting.
        with time_machine.travel(at(2027, 1, 13, 10), tick=False):
            services.comment(ticket, cast.wcc_staff, "Here is the model number")
    assert ticket.status == TicketStatus.IN_PROGRESS
    assert ticket.paused_for == 16 * H
    assert ticket.resolution_due == sla.calendar_for(cast.wcc).add(resolution_due, 16 * H)
    assert ticket.sla_state == SlaState.ON_TRACK


def test_a_change_of_priority_re_targets_from_the_opening(cast):
    ticket = raise_p3(cast, when=at(2027, 1, 11, 9))
    with system_scope("test"), time_machine.travel(at(2027, 1, 11, 9, 30), tick=False):
        services.set_impact_urgency(ticket, Impact.HIGH, Urgency.HIGH)
    assert ticket.priority == Priority.CRITICAL
    assert ticket.response_target == H and ticket.resolution_target == 4 * H
    assert ticket.response_due == at(2027, 1, 11, 10)
    assert ticket.resolution_due == at(2027, 1, 11, 13)


def test_a_councils_own_policy_and_calendar_set_its_clocks(cast):
    with system_scope("test"):
        SlaPolicy.objects.create(
            partner=cast.wcc,
            priority=Priority.MEDIUM,
            response_hours=Decimal("2"),
            resolution_hours=Decimal("10"),
        )
        ServiceCalendar.objects.create(
            partner=cast.wcc,
            monday_opens=datetime.time(8),
            monday_closes=datetime.time(18),
            saturday_opens=datetime.time(9),
            saturday_closes=datetime.time(12),
        )
    # Friday 15 January 2027, 16:00: Friday 1 h, Saturday 3 h (9-12), Monday 08:00 onwards.
    ticket = raise_p3(cast, when=at(2027, 1, 15, 16))
    assert ticket.sla_policy is not None
    assert ticket.response_due == at(2027, 1, 16, 10)
    assert ticket.resolution_due == at(2027, 1, 18, 14)
    # Another council keeps the defaults and office hours.
    other = raise_p3(cast, cast.rbkc, at(2027, 1, 15, 16))
    assert other.sla_policy is None and other.response_due == at(2027, 1, 18, 12)


def test_at_risk_then_breached_then_met_or_missed(cast):
    ticket = raise_p3(cast, when=at(2027, 1, 11, 9))
    assert sla.state_at(ticket, at(2027, 1, 11, 11, 59)) == SlaState.ON_TRACK
    assert sla.state_at(ticket, at(2027, 1, 11, 12)) == SlaState.AT_RISK  # 3 of 4 hours
    assert sla.state_at(ticket, at(2027, 1, 11, 13, 1)) == SlaState.BREACHED
    with system_scope("test"):
        with time_machine.travel(at(2027, 1, 11, 10), tick=False):
            services.comment(ticket, cast.agent, "Looking at it now")
        assert ticket.response_met is True
        # After the response, the resolution clock runs: 24 h, at risk after 18.
        assert ticket.at_risk_at == at(2027, 1, 13, 11)
        assert sla.state_at(ticket, at(2027, 1, 12, 9)) == SlaState.ON_TRACK
        with time_machine.travel(at(2027, 1, 14, 9), tick=False):
            services.resolve(ticket, "Replaced the fuser")
    assert ticket.resolution_met is False
    assert ticket.sla_state == SlaState.MISSED


def test_a_reopened_ticket_does_not_count_the_time_it_spent_resolved(cast):
    ticket = raise_p3(cast, when=at(2027, 1, 11, 9))
    with system_scope("test"):
        with time_machine.travel(at(2027, 1, 11, 10), tick=False):
            services.comment(ticket, cast.agent, "On it")
            services.resolve(ticket, "Cleared the queue")
        assert ticket.sla_state == SlaState.MET
        due = ticket.resolution_due
        # The requester says it is not fixed the next day at 10:00: 8 working hours later.
        with time_machine.travel(at(2027, 1, 12, 10), tick=False):
            services.comment(ticket, cast.wcc_staff, "It jams again")
    assert ticket.status == TicketStatus.REOPENED
    assert ticket.reopen_count == 1
    assert ticket.resolution_met is None and ticket.resolved_at is None
    assert ticket.resolution_due == sla.calendar_for(cast.wcc).add(due, 8 * H)
    assert ticket.sla_state == SlaState.ON_TRACK


def test_time_left_is_working_time_and_goes_negative_once_past_due(cast):
    ticket = raise_p3(cast, when=at(2027, 1, 8, 15))  # response due Monday 11:00
    assert sla.time_left(ticket, at(2027, 1, 9, 12)) == 2 * H  # Saturday: Monday 9-11
    assert sla.time_left(ticket, at(2027, 1, 11, 12)) == -H
