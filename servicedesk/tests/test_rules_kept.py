"""The desk's configuration each process keeps (servicedesk.rules): a new ticket is worked
out from the matrix, routing rules, SLA policies and calendars as the tables hold them, after
every kind of write, a write rolled back, and a write by another process."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction

from core.models import Counter
from core.tenancy.scoping import system_scope
from servicedesk import rules, services
from servicedesk.choices import Impact, Priority, Urgency
from servicedesk.models import PriorityRule, Queue, RoutingRule, ServiceCalendar, SlaPolicy, Ticket

pytestmark = pytest.mark.django_db


def ticket(cast: Any, **extra: Any) -> Ticket:
    with system_scope("test"):
        return services.raise_ticket(
            partner=cast.wcc,
            requester=cast.wcc_staff,
            subject=extra.pop("subject", "VPN drops"),
            impact=Impact.LOW,
            urgency=Urgency.LOW,
            **extra,
        )


def test_every_write_of_the_matrix_reaches_the_next_ticket(cast):
    assert ticket(cast).priority == Priority.LOW
    with system_scope("test"):
        cell = PriorityRule.objects.create(
            impact=Impact.LOW, urgency=Urgency.LOW, priority=Priority.HIGH
        )
    assert ticket(cast).priority == Priority.HIGH
    with system_scope("test"):
        cell.priority = Priority.MEDIUM
        cell.save()
    assert ticket(cast).priority == Priority.MEDIUM
    PriorityRule.objects.unscoped("test").unlogged("test: a bulk change").update(
        priority=Priority.CRITICAL
    )
    assert ticket(cast).priority == Priority.CRITICAL
    with system_scope("test"):
        cell.delete()
    assert ticket(cast).priority == Priority.LOW


def test_a_change_rolled_back_is_forgotten(cast):
    assert ticket(cast).priority == Priority.LOW
    with pytest.raises(RuntimeError), transaction.atomic():
        with system_scope("test"):
            PriorityRule.objects.create(
                impact=Impact.LOW, urgency=Urgency.LOW, priority=Priority.HIGH
            )
        assert ticket(cast).priority == Priority.HIGH  # inside: the change is seen
        raise RuntimeError("rolled back")
    assert ticket(cast).priority == Priority.LOW


def test_a_change_another_process_made_is_read_again(cast):
    ticket(cast)  # this process now holds the configuration
    held = rules.current()
    # Another process adds a routing rule: its rows and a new stamp arrive in the tables,
    # and this process's signals never fire. (Here: written, then this process's memory put
    # back as it was before.)
    with system_scope("test"):
        queue = Queue.objects.create(name="Network")
        rule = RoutingRule.objects.create(order=1, name="VPN", queue=queue, subject_words="vpn")
    rules._held.configuration = held
    assert held.stamp != Counter.objects.get(key=rules.STAMP_KEY).value
    routed = ticket(cast)
    assert routed.queue == queue and routed.routed_by == rule
    assert rules.current().stamp == Counter.objects.get(key=rules.STAMP_KEY).value


def test_policies_and_calendars_follow_their_changes(cast):
    before = ticket(cast)
    with system_scope("test"):
        calendar = ServiceCalendar.objects.create(
            partner=cast.wcc,
            saturday_opens=datetime.time(9),
            saturday_closes=datetime.time(12),
        )
        policy = SlaPolicy.objects.create(
            partner=cast.wcc,
            priority=Priority.LOW,
            response_hours=Decimal("1"),
            resolution_hours=Decimal("3"),
            calendar=calendar,
        )
    after = ticket(cast)
    assert before.sla_policy is None and after.sla_policy == policy
    assert after.resolution_target == datetime.timedelta(hours=3)
    assert rules.current().calendars[cast.wcc.pk] == calendar
    with system_scope("test"):
        policy.resolution_hours = Decimal("5")
        policy.save()
        calendar.is_default = False
        calendar.save()
    again = ticket(cast)
    assert again.sla_policy == policy
    assert again.resolution_target == datetime.timedelta(hours=5)
    assert cast.wcc.pk not in rules.current().calendars
