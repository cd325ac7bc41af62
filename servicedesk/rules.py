"""The desk's configuration a new ticket is worked out from, kept in each process: the priority
matrix, the routing rules, the SLA policies and the councils' default calendars.

They change a few times a year and are read for every ticket raised (four queries, and more
time building their rows than the ticket took to write). Each process keeps what it read with
the configuration's *stamp*: a counter (core.models.Counter, key `STAMP_KEY`) set to a new
random value by every write of these tables, in the writing transaction. Reading the stamp is
one small query; while it is the one the process read the configuration under, the
configuration it holds is what the tables say; when it differs (a change made by this process
or another, committed or in the reader's own transaction, or rolled back) the process reads the
configuration again. A random value rather than a count, so that a change rolled back and
another committed after it never give a stamp seen before. Tests need nothing: a test's
writes are rolled back with their stamp, and the next reading finds another (or none, and
makes one). Rows written without the models (a migration's) change no stamp: the processes
started after the migration read them.

Every write path reaches the stamp: saves and deletes (their signals, whatever writes them:
pages, API, imports, the demo) and the stated unlogged bulk writes
(core.tenancy.scoping.unlogged_write).
"""

from __future__ import annotations

import datetime
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from core.models import Counter
from core.numbering import counter_value
from core.tenancy.scoping import unlogged_write
from servicedesk.models import PriorityRule, RoutingRule, ServiceCalendar, SlaPolicy

#: The counter whose value changes with every write of the desk's configuration.
STAMP_KEY = "servicedesk.configuration"
#: Why the configuration is read whole: it is the shared service's, for every ticket.
READING = "the desk's configuration, for working out new tickets"
WATCHED = (PriorityRule, RoutingRule, SlaPolicy, ServiceCalendar)


@dataclass
class Configuration:
    """The desk's configuration as read at one stamp."""

    stamp: int
    #: The priority matrix's set cells: (impact, urgency) -> priority.
    matrix: dict[tuple[int, int], int] = field(default_factory=dict)
    #: The active routing rules, in the order they are tried.
    routing: list[RoutingRule] = field(default_factory=list)
    #: Each council's SLA policies, newest first (`valid_from`, then id), with their calendars.
    policies: dict[int, list[SlaPolicy]] = field(default_factory=dict)
    #: Each council's default calendar (the first by id, where it has several).
    calendars: dict[int, ServiceCalendar] = field(default_factory=dict)

    def policy(self, partner_id: int, priority: int, on: datetime.date) -> SlaPolicy | None:
        """The council's policy for `priority` in force on `on`, as
        ``servicedesk.sla.policy_for`` chooses it (the latest `valid_from`, then the latest)."""
        for policy in self.policies.get(partner_id, ()):
            if policy.priority == priority and policy.valid_from <= on:
                return policy
        return None


_held = threading.local()


def _stamp() -> int | None:
    return counter_value(STAMP_KEY)


def _read(stamp: int) -> Configuration:
    found = Configuration(stamp)
    for impact, urgency, priority in PriorityRule.objects.unscoped(READING).values_list(
        "impact", "urgency", "priority"
    ):
        found.matrix[(int(impact), int(urgency))] = int(priority)
    # With each rule's queue: a ticket routed is given the queue itself, which it then holds
    # as read (no query to check that it exists: core.tenancy.records.held_keys).
    found.routing = list(
        RoutingRule.objects.unscoped(READING)
        .filter(is_active=True)
        .select_related("queue")
        .order_by("order", "id")
    )
    for policy in (
        SlaPolicy.objects.unscoped(READING)
        .select_related("calendar")
        .order_by("partner_id", "-valid_from", "-id")
    ):
        found.policies.setdefault(policy.partner_id, []).append(policy)
    for calendar in (
        ServiceCalendar.objects.unscoped(READING).filter(is_default=True).order_by("-id")
    ):
        # The lowest id last, so that it is the one kept, as `.order_by().first()` took it.
        found.calendars[calendar.partner_id] = calendar
    return found


_pinned: ContextVar[Configuration | None] = ContextVar("desk_configuration", default=None)


@contextmanager
def pinned(*, as_held: bool = False) -> Iterator[Configuration]:
    """The configuration read once for a piece of work (raising a ticket asks it for the
    priority, the route, the policy and the calendar): `current` answers it meanwhile.

    `as_held`: the configuration this thread last read, without asking the tables whether it
    is still current (read as `current` reads it when none is held); the caller compares its
    stamp with the tables' later in its transaction and works again what it worked out if they
    differ (`servicedesk.services.raise_ticket` reads the stamp with the ticket's number)."""
    configuration = getattr(_held, "configuration", None) if as_held else None
    if configuration is None or _pinned.get() is not None:
        configuration = current()
    token = _pinned.set(configuration)
    try:
        yield configuration
    finally:
        _pinned.reset(token)


def current() -> Configuration:
    """The desk's configuration as the tables now hold it (for this connection)."""
    pin = _pinned.get()
    if pin is not None:
        return pin
    stamp = _stamp()
    if stamp is None:
        # Tables never written through the models since (rows a migration wrote): a stamp
        # now, under which what is read is kept, and which the next write changes.
        stamp = Counter.objects.get_or_create(
            key=STAMP_KEY, defaults={"value": secrets.randbelow(2**62) + 1}
        )[0].value
    held: Configuration | None = getattr(_held, "configuration", None)
    if held is None or held.stamp != stamp:
        held = _read(stamp)
        _held.configuration = held
    return held


def forget() -> None:
    """Drop what this thread holds (its next reading reads the tables)."""
    _held.configuration = None


def changed() -> None:
    """Say that the configuration changed: a new stamp, in the caller's transaction."""
    forget()
    _pinned.set(None)
    value = secrets.randbelow(2**62) + 1
    if not Counter.objects.filter(key=STAMP_KEY).update(value=value):
        Counter.objects.get_or_create(key=STAMP_KEY, defaults={"value": value})


@receiver(post_save, dispatch_uid="servicedesk_configuration_saved")
@receiver(post_delete, dispatch_uid="servicedesk_configuration_deleted")
def _on_write(sender: Any, **kwargs: Any) -> None:
    if sender in WATCHED:
        changed()


@receiver(unlogged_write, dispatch_uid="servicedesk_configuration_bulk_write")
def _on_bulk_write(sender: Any, **kwargs: Any) -> Any:
    if sender not in WATCHED:
        return None

    def after(written: Any) -> None:
        changed()

    return after
