"""Emails about tickets: who is told what, and what nobody is ever told.

The desk's rules (servicedesk.services) and jobs (servicedesk.jobs) call `notify` with an
event; once the change is committed a background job (`send_ticket_email`) works out who is
told and sends each of them their own message, plain text and HTML from the templates in
``templates/servicedesk/email/``. Whom an event tells:

- the requester and the contact: a ticket logged, the desk's public reply, the desk waiting for
  them, the ticket resolved;
- the desk (the assignee, else every member of the ticket's queue): the requester's reply, the
  SLA at risk;
- on a breach, the escalation: the assignee, every member of the queue and the service
  managers;
- a catalogue request needing approval: the leads of the request's council, each with a link
  of their own to decide from (servicedesk.catalogue); its approval: the requester.

Nobody is told what they could not read on the page: each person is checked against the one
visibility rule at the moment of sending (`Ticket.objects.visible_to`), so another council's
people are never written to, and a reply is sent only to those who may read it, so an internal
note, which no requester may read, is never in any email. The author of a reply is not sent
their own words. Messages carry the ticket's reference in the subject and thread headers (one
thread per ticket, which is how replies find their ticket again), and say they were sent by a
machine (``Auto-Submitted``), so that out-of-office replies do not answer them.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django_tasks import task

from core.context import acting_as
from core.email import automated_email, mail_domain
from core.email import send_all as send_messages
from core.queueing import queue_after_commit
from core.tenancy.choices import CouncilRole, ServiceRole
from core.tenancy.models import Membership
from core.tenancy.scoping import system_scope
from servicedesk.models import QueueMember, Ticket, TicketComment

logger = logging.getLogger(__name__)

CUSTOMER = "customer"
DESK = "desk"
ESCALATION = "escalation"
APPROVERS = "approvers"


@dataclass(frozen=True)
class Event:
    """Something about a ticket that people are told by email."""

    title: str
    audience: str
    #: The opening line of the message, with the ticket's reference in it.
    opening: str


EVENTS: dict[str, Event] = {
    "logged": Event(
        "Logged", CUSTOMER, "We have logged your request as {reference}. We will be in touch."
    ),
    "replied": Event("New reply", CUSTOMER, "The service desk has replied on {reference}."),
    "awaiting": Event(
        "Waiting for you",
        CUSTOMER,
        "The service desk needs something from you to go on with {reference}. Its clock is "
        "paused until you reply.",
    ),
    "resolved": Event(
        "Resolved",
        CUSTOMER,
        "{reference} is resolved. If it is not, reply to this email or reopen it from the "
        "ticket's page.",
    ),
    "customer_replied": Event("Customer replied", DESK, "The requester replied on {reference}."),
    "sla_at_risk": Event(
        "SLA at risk",
        DESK,
        "{reference} has used three quarters of its time and is at risk of missing its SLA.",
    ),
    "sla_breached": Event(
        "SLA breached", ESCALATION, "{reference} has missed its SLA: escalated to you."
    ),
    "request_approval": Event(
        "Approval needed",
        APPROVERS,
        "{reference} is a request that needs a council lead's approval before the service "
        "desk works on it.",
    ),
    "request_approved": Event(
        "Approved",
        CUSTOMER,
        "Your request {reference} is approved: the service desk will now fulfil it.",
    ),
}

_paused: ContextVar[bool] = ContextVar("servicedesk_notifications_paused", default=False)


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """Send nothing inside this block (the demo's year of history, a bulk import)."""
    token = _paused.set(True)
    try:
        yield
    finally:
        _paused.reset(token)


def notify(event: str, ticket: Ticket, comment: TicketComment | None = None) -> None:
    """Tell the people `event` concerns, once the change that caused it is committed."""
    if event not in EVENTS:
        raise ValueError(f"No such ticket event: {event}")
    if _paused.get():
        return
    comment_id = comment.pk if comment is not None else None
    queue_after_commit(send_ticket_email, event=event, ticket_id=ticket.pk, comment_id=comment_id)


def candidates(event: str, ticket: Ticket) -> list[Any]:
    """Everyone the event is addressed to, before anyone is checked."""
    audience = EVENTS[event].audience
    User = get_user_model()
    ids: list[int] = []
    if audience == CUSTOMER:
        ids = [pk for pk in (ticket.requester_id, ticket.contact_id) if pk]
    elif audience == APPROVERS:
        ids = list(
            Membership.objects.unscoped("a council's leads decide on its requests")
            .filter(partner_id=ticket.partner_id, role=CouncilRole.LEAD)
            .order_by("user_id")
            .values_list("user_id", flat=True)
        )
    else:
        members: list[int] = []
        if ticket.queue_id is not None:
            members = list(
                QueueMember.objects.unscoped("a queue's members are told of its tickets")
                .filter(queue_id=ticket.queue_id)
                .values_list("user_id", flat=True)
            )
        if ticket.assignee_id is not None:
            ids.append(ticket.assignee_id)
        if ticket.assignee_id is None or audience == ESCALATION:
            ids.extend(members)
        if audience == ESCALATION:
            ids.extend(
                User.objects.filter(service_role=ServiceRole.MANAGER).values_list("pk", flat=True)
            )
    people = User.objects.in_bulk(list(dict.fromkeys(ids)))
    return [people[pk] for pk in dict.fromkeys(ids) if pk in people]


def recipients(event: str, ticket: Ticket, comment: TicketComment | None = None) -> list[Any]:
    """The people told of `event`: addressed to it, active, with an address, able to read the
    ticket (and the reply) now, and not the reply's own author."""
    told = []
    for person in candidates(event, ticket):
        if not person.is_active or not person.email:
            continue
        if comment is not None and comment.author_id == person.pk:
            continue
        if not Ticket.objects.visible_to(person).filter(pk=ticket.pk).exists():
            continue
        if (
            comment is not None
            and not TicketComment.objects.visible_to(person).filter(pk=comment.pk).exists()
        ):
            continue
        told.append(person)
    return told


def desk_domain() -> str:
    """The domain of the desk's own Message-IDs (Concord's: core.email.mail_domain): how mail
    coming in tells the desk's own messages (servicedesk.mail_in)."""
    return mail_domain()


def thread_id(ticket: Ticket) -> str:
    """The Message-ID every email about `ticket` refers to: one thread per ticket."""
    return f"<{ticket.reference.lower()}.{ticket.partner.code}.{ticket.pk}@{desk_domain()}>"


def message_for(
    event: str, ticket: Ticket, person: Any, comment: TicketComment | None = None
) -> EmailMultiAlternatives:
    """The email telling `person` of `event` (the caller has checked they may be told)."""
    about = EVENTS[event]
    context = {
        "event": event,
        "title": about.title,
        "opening": about.opening.format(reference=ticket.reference),
        "ticket": ticket,
        "comment": comment,
        "person": person,
        "for_desk": about.audience not in (CUSTOMER, APPROVERS),
        "url": f"{settings.CONCORD_BASE_URL}{ticket.get_absolute_url()}",
    }
    if about.audience == APPROVERS:
        from django.urls import reverse

        from servicedesk.catalogue import approval_token

        link = reverse("servicedesk:approval_link", args=[approval_token(ticket, person)])
        context["approval_url"] = f"{settings.CONCORD_BASE_URL}{link}"
        context["approval_days"] = settings.CONCORD_APPROVAL_LINK_DAYS
    sender = (
        ticket.queue.email
        if ticket.queue_id is not None and ticket.queue and ticket.queue.email
        else settings.DEFAULT_FROM_EMAIL
    )
    return desk_email(
        reference=ticket.reference,
        title=about.title,
        about=ticket.subject,
        template="servicedesk/email/ticket",
        context=context,
        to=person.email,
        thread=thread_id(ticket),
        record_header="X-Concord-Ticket",
        sender=sender,
        reply_to=sender,
    )


def desk_email(
    *,
    reference: str,
    title: str,
    about: str,
    template: str,
    context: dict[str, Any],
    to: str,
    thread: str,
    record_header: str,
    sender: str | None = None,
    reply_to: str | None = None,
) -> EmailMultiAlternatives:
    """One email of the desk about one of its records (a ticket, a change request), the one
    shape of them all: the subject ``[REFERENCE] Title: what it is about``, the plain text and
    HTML of `template` (``<template>.txt`` and ``.html``) with `context`, a Message-ID of the
    desk's own in the record's `thread` (``In-Reply-To`` and ``References``: how a reply finds
    its record again, servicedesk.mail_in), said to be a machine's (``Auto-Submitted``,
    ``X-Auto-Response-Suppress``) so that out-of-office replies do not answer it, and the
    record's reference in `record_header` (how the desk knows its own mail come back)."""
    return automated_email(
        subject=f"[{reference}] {title}: {about}",
        template=template,
        context=context,
        to=to,
        kind=reference.lower(),
        headers={"In-Reply-To": thread, "References": thread, record_header: reference},
        sender=sender,
        reply_to=reply_to,
    )


def send_all(messages: list[EmailMultiAlternatives], event: str, reference: str) -> int:
    """Send one event's messages over one connection; how many were sent."""
    if not messages:
        return 0
    sent = send_messages(messages)
    logger.info("%s: %s email(s) for %s", event, sent, reference)
    return sent


@task()
def send_ticket_email(event: str, ticket_id: int, comment_id: int | None = None) -> int:
    """Send the emails of one ticket event; how many were sent."""
    with system_scope("telling people of a ticket event"), acting_as(label=f"job:email {event}"):
        ticket = (
            Ticket.objects.unscoped("a ticket event's emails")
            .select_related("partner", "queue", "requester", "assignee")
            .filter(pk=ticket_id)
            .first()
        )
        if ticket is None:
            return 0
        comment = None
        if comment_id is not None:
            comment = (
                TicketComment.objects.unscoped("a ticket event's emails")
                .select_related("author")
                .filter(pk=comment_id, ticket=ticket)
                .first()
            )
            if comment is None or not comment.public:
                return 0  # an internal note is never emailed, to anyone
        messages = [
            message_for(event, ticket, p, comment) for p in recipients(event, ticket, comment)
        ]
        return send_all(messages, event, ticket.reference)


# Change requests ------------------------------------------------------------------------------

CHANGE_EVENTS: dict[str, Event] = {
    "approval_needed": Event(
        "Approval needed",
        "approvers",
        "{reference} affects {council}: as its lead, please approve or reject it.",
    ),
    "approved": Event("Approved", "requester", "{reference} is approved."),
    "rejected": Event("Rejected", "requester", "{reference} is rejected."),
}


def notify_change(event: str, change: Any, approval: Any = None) -> None:
    """Tell the people a change's `event` concerns (for "approval needed", the leads of
    `approval`'s council), once the change that caused it is committed."""
    if event not in CHANGE_EVENTS:
        raise ValueError(f"No such change event: {event}")
    if _paused.get():
        return
    approval_id = approval.pk if approval is not None else None
    queue_after_commit(send_change_email, event=event, change_id=change.pk, approval_id=approval_id)


def change_recipients(event: str, change: Any, approval: Any = None) -> list[Any]:
    """Who is told of a change's `event`: for "approval needed", the people who decide
    `approval` (its council's leads: those whose council role lets them change that council's
    approvals, checked against the one visibility rule); else the change's requester. Each
    active, with an address, and able to read the change now, so never another council's
    people."""
    from core.tenancy.models import Membership
    from servicedesk.models import ChangeApproval, ChangeRequest

    User = get_user_model()
    ids: list[int] = []
    if CHANGE_EVENTS[event].audience == "approvers":
        if approval is None:
            return []
        ids = list(
            Membership.objects.unscoped("the people who decide a council's approval")
            .filter(partner_id=approval.partner_id)
            .values_list("user_id", flat=True)
        )
    elif change.requested_by_id:
        ids = [change.requested_by_id]
    people = User.objects.in_bulk(list(dict.fromkeys(ids)))
    told = []
    for pk in dict.fromkeys(ids):
        person = people.get(pk)
        if person is None or not person.is_active or not person.email:
            continue
        if not ChangeRequest.objects.visible_to(person).filter(pk=change.pk).exists():
            continue
        if approval is not None:
            from core.tenancy.access import CHANGE, access_for

            if CHANGE not in access_for(person).council_actions(approval.partner_id, "approvals"):
                continue
            if (
                not ChangeApproval.objects.visible_to(person, CHANGE)
                .filter(pk=approval.pk)
                .exists()
            ):
                continue
        told.append(person)
    return told


def change_message(
    event: str, change: Any, person: Any, approval: Any = None
) -> EmailMultiAlternatives:
    """The email telling `person` of a change's `event` (the caller has checked they may be
    told). A rejection's reasons are those of the councils `person` can see."""
    from servicedesk.models import ChangeApproval

    about = CHANGE_EVENTS[event]
    council = approval.partner.name if approval is not None else ""
    reasons = []
    if event == "rejected":
        reasons = list(
            ChangeApproval.objects.visible_to(person)
            .filter(change=change, decision="rejected")
            .select_related("partner")
            .order_by("partner__name")
        )
    context = {
        "event": event,
        "title": about.title,
        "opening": about.opening.format(reference=change.reference, council=council),
        "change": change,
        "person": person,
        "reasons": reasons,
        "url": f"{settings.CONCORD_BASE_URL}{change.get_absolute_url()}",
    }
    return desk_email(
        reference=change.reference,
        title=about.title,
        about=change.title,
        template="servicedesk/email/change",
        context=context,
        to=person.email,
        thread=f"<{change.reference.lower()}.{change.pk}@{desk_domain()}>",
        record_header="X-Concord-Change",
    )


@task()
def send_change_email(event: str, change_id: int, approval_id: int | None = None) -> int:
    """Send the emails of one change event; how many were sent."""
    from servicedesk.models import ChangeApproval, ChangeRequest

    with system_scope("telling people of a change event"), acting_as(label=f"job:email {event}"):
        change = (
            ChangeRequest.objects.unscoped("a change event's emails")
            .select_related("service", "requested_by")
            .filter(pk=change_id)
            .first()
        )
        if change is None:
            return 0
        approval = None
        if approval_id is not None:
            approval = (
                ChangeApproval.objects.unscoped("a change event's emails")
                .select_related("partner")
                .filter(pk=approval_id, change=change, decision="pending")
                .first()
            )
            if approval is None:
                return 0  # decided (or gone) before the message went: nothing to ask
        messages = [
            change_message(event, change, p, approval)
            for p in change_recipients(event, change, approval)
        ]
        return send_all(messages, event, change.reference)
