"""Tickets: incidents and service requests, with their replies and notes and their links.

Every ticket belongs to one council. A council's requester sees the tickets they raised or are
the contact of (``own_fields``); its lead and auditor see every ticket of the council;
shared-service staff see all (docs/tenancy.md, own records). A requester never sees an
internal note: a note is nobody's own record (`TicketComment.own_condition`).
"""

from __future__ import annotations

import datetime
from typing import Any, ClassVar

from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.search import Searchable, SearchPart
from core.tenancy.records import PartnerOwnedModel
from servicedesk.choices import (
    KIND_PREFIX,
    OPEN_STATUS_LIST,
    OPEN_STATUSES,
    Impact,
    Priority,
    SlaState,
    Source,
    TicketKind,
    TicketStatus,
    Urgency,
)
from servicedesk.models.problems import Problem
from servicedesk.models.setup import Category, Queue, RoutingRule, Service, SlaPolicy

#: The condition of the open tickets' partial indexes.
OPEN_TICKETS = Q(status__in=OPEN_STATUS_LIST)
#: The most time one reply or note records: a working week, in minutes.
MAX_MINUTES_SPENT = 5 * 24 * 60


class Ticket(PartnerOwnedModel):
    """An incident or a service request of one council."""

    kind = models.CharField(max_length=20, choices=TicketKind.choices, default=TicketKind.INCIDENT)
    number = models.PositiveIntegerField(editable=False)
    reference = models.CharField(
        max_length=20,
        editable=False,
        help_text="INC0001234 or REQ0001234: numbered within the council and the kind.",
    )
    subject = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    requester = models.ForeignKey(
        "tenancy.User",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The council person the ticket is for.",
    )
    contact = models.ForeignKey(
        "tenancy.User",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text="Someone else to keep informed (they see the ticket too).",
    )
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    queue = models.ForeignKey(
        Queue, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    assignee = models.ForeignKey(
        "tenancy.User",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text="The shared-service person working on it.",
    )
    impact = models.PositiveSmallIntegerField(choices=Impact.choices, default=Impact.LOW)
    urgency = models.PositiveSmallIntegerField(choices=Urgency.choices, default=Urgency.MEDIUM)
    priority = models.PositiveSmallIntegerField(
        choices=Priority.choices,
        default=Priority.LOW,
        editable=False,
        help_text="From impact and urgency (the priority matrix).",
    )
    status = models.CharField(max_length=20, choices=TicketStatus.choices, default=TicketStatus.NEW)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.PORTAL)
    opened_at = models.DateTimeField(default=timezone.now, editable=False)
    first_response_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolved_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolution = models.TextField(
        blank=True, help_text="How it was resolved (the requester sees it)."
    )
    satisfaction = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        choices=[(n, str(n)) for n in range(1, 6)],
        help_text="The requester's rating of the resolved ticket, 1 (poor) to 5 (excellent).",
    )
    satisfaction_comment = models.TextField(blank=True)
    reopen_count = models.PositiveSmallIntegerField(default=0, editable=False)
    routed_by = models.ForeignKey(
        RoutingRule,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
        help_text="The routing rule that put the ticket in its queue.",
    )
    problem = models.ForeignKey(
        Problem,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text="The problem behind this incident (the shared service's staff link it).",
    )
    configuration_item = models.ForeignKey(
        "assets.ConfigurationItem",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name="Configuration item",
        help_text="The service, application or server the ticket is about (the asset register).",
    )
    change = models.ForeignKey(
        "servicedesk.ChangeRequest",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name="change request",
        help_text="The change request it is linked to (CHG0001234): a change that caused it, "
        "will fix it or carries it out. Only a change that affects the ticket's council.",
    )
    request_item = models.ForeignKey(
        "servicedesk.RequestItem",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
        help_text="The request catalogue item it was asked for from.",
    )
    answers = models.JSONField(
        default=dict,
        blank=True,
        editable=False,
        help_text="The answers to the catalogue item's questions, by question.",
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
        help_text="The ticket this one was merged into (it is closed).",
    )

    # SLA: worked out from the policy and the council's calendar (servicedesk.sla). Derived
    # fields: recomputing them (a calendar changed) is not a change of the ticket.
    sla_policy = models.ForeignKey(
        SlaPolicy, on_delete=models.PROTECT, related_name="+", null=True, blank=True, editable=False
    )
    response_target = models.DurationField(editable=False, default=datetime.timedelta(hours=8))
    resolution_target = models.DurationField(editable=False, default=datetime.timedelta(hours=40))
    response_due = models.DateTimeField(editable=False)
    resolution_due = models.DateTimeField(editable=False)
    at_risk_at = models.DateTimeField(
        editable=False, help_text="When 75% of the running clock's time will have been used."
    )
    sla_state = models.CharField(
        "SLA", max_length=20, choices=SlaState.choices, default=SlaState.ON_TRACK, editable=False
    )
    paused_since = models.DateTimeField(null=True, blank=True, editable=False)
    paused_for = models.DurationField(
        default=datetime.timedelta,
        editable=False,
        help_text="Working time spent awaiting the customer, which the clock does not count.",
    )
    response_met = models.BooleanField(null=True, blank=True, editable=False)
    resolution_met = models.BooleanField(null=True, blank=True, editable=False)
    at_risk_warned_at = models.DateTimeField(null=True, blank=True, editable=False)
    breach_escalated_at = models.DateTimeField(null=True, blank=True, editable=False)

    area: ClassVar[str] = "servicedesk"
    own_fields: ClassVar[tuple[str, ...]] = ("requester", "contact")
    partner_people_fields: ClassVar[tuple[str, ...]] = ("requester", "contact")
    natural_key: ClassVar[str | None] = None
    #: Full-text search (core.search): the reference and subject, what was reported and how
    #: it was resolved, and the replies; internal notes only for those who see the notes (a
    #: note is nobody's own record, so a requester never matches on its words).
    search: ClassVar[Searchable] = Searchable(
        title=("reference", "subject"),
        body=("description", "resolution"),
        parts=(
            SearchPart(
                "servicedesk.TicketComment", "ticket", ("body",), restricted=Q(public=False)
            ),
        ),
    )
    constraint_fields: ClassVar[dict[str, str]] = {"ticket_contact_not_requester": "contact"}
    derived_fields: ClassVar[frozenset[str]] = frozenset(
        {
            "sla_policy",
            "response_target",
            "resolution_target",
            "response_due",
            "resolution_due",
            "at_risk_at",
            "sla_state",
            "at_risk_warned_at",
            "breach_escalated_at",
        }
    )

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "reference"],
                name="ticket_unique_reference",
                violation_error_message=(
                    "A ticket with this reference already exists in this council"
                ),
            ),
            models.CheckConstraint(
                condition=Q(contact__isnull=True) | ~Q(contact=models.F("requester")),
                name="ticket_contact_not_requester",
                violation_error_message="The contact is someone other than the requester",
            ),
        ]
        indexes = [
            models.Index(fields=["-opened_at", "-id"], name="ticket_opened"),
            models.Index(fields=["partner", "-opened_at", "-id"], name="ticket_partner_opened"),
            models.Index(fields=["queue", "status", "-opened_at", "-id"], name="ticket_queue"),
            models.Index(
                fields=["assignee", "status", "-opened_at", "-id"], name="ticket_assignee"
            ),
            models.Index(fields=["requester", "-opened_at", "-id"], name="ticket_requester"),
            models.Index(fields=["status", "resolution_due", "id"], name="ticket_status_due"),
            models.Index(fields=["sla_state", "at_risk_at"], name="ticket_sla_watch"),
            models.Index(fields=["problem", "-opened_at", "-id"], name="ticket_problem"),
            models.Index(fields=["change", "-opened_at", "-id"], name="ticket_change"),
            # The work in hand, most urgent first: the open tickets are a few in a hundred
            # of a desk's history, and these indexes hold only them, so that a queue's or an
            # agent's first page reads fifty index entries instead of sorting thousands of rows.
            models.Index(
                fields=["resolution_due", "id"], condition=OPEN_TICKETS, name="ticket_open_due"
            ),
            *(
                models.Index(
                    fields=[field, "resolution_due", "id"],
                    condition=OPEN_TICKETS,
                    name=f"ticket_open_{field}_due",
                )
                for field in ("partner", "queue", "assignee")
            ),
            # The console's and home page's counts of the work in hand (open, mine, new, at
            # risk, breached) read this index alone, not the rows. A council's open tickets of
            # some priorities in some SLA states (its P1 and P2 at risk or breached) are
            # chosen here too, the priority read from the index: only the rows kept are read.
            models.Index(
                fields=["partner", "sla_state", "assignee", "status", "priority"],
                condition=OPEN_TICKETS,
                name="ticket_open_counts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    @property
    def is_open(self) -> bool:
        """Still being worked (its SLA clocks run or are paused)."""
        return self.status in OPEN_STATUSES

    @staticmethod
    def format_reference(kind: str, number: int) -> str:
        """INC0001234: the kind's prefix and the number, seven digits (more when it outgrows
        them)."""
        return f"{KIND_PREFIX[TicketKind(kind)]}{number:07d}"


class TicketComment(PartnerOwnedModel):
    """A reply (public: the requester sees it and is told by email) or an internal note (the
    shared service and the council's lead and auditor only) on a ticket."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(
        "tenancy.User", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    author_label = models.CharField(
        max_length=200, blank=True, help_text="Who wrote it when no account did (an email)."
    )
    body = models.TextField()
    public = models.BooleanField(
        default=True, help_text="A reply the requester sees; unticked, an internal note."
    )
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.AGENT)
    email_message_id = models.CharField(max_length=255, blank=True, editable=False)
    minutes_spent = models.PositiveIntegerField(
        "Minutes spent",
        default=0,
        validators=[MaxValueValidator(MAX_MINUTES_SPENT)],
        help_text="The shared service's time on the ticket for this reply or note, in minutes "
        "(the finance app's staff time driver sums it per council).",
    )

    area: ClassVar[str] = "servicedesk"
    own_fields: ClassVar[tuple[str, ...]] = ("ticket__requester", "ticket__contact")
    partner_people_fields: ClassVar[tuple[str, ...]] = ()
    without_family: ClassVar[str] = (
        "a part of its ticket, written through the ticket's actions: "
        "servicedesk/tests/test_tickets.py"
    )

    class Meta:
        ordering = ["ticket", "created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at", "id"], name="comment_ticket")]

    def __str__(self) -> str:
        return f"{'Reply' if self.public else 'Note'} on {self.ticket_id}"

    @classmethod
    def own_condition(cls, user: Any) -> Q:
        """The replies on a person's own tickets: never an internal note."""
        return super().own_condition(user) & Q(public=True)


class TicketLink(PartnerOwnedModel):
    """Two tickets of one council that belong together (the same fault reported twice)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    note = models.CharField(max_length=200, blank=True)

    area: ClassVar[str] = "servicedesk"
    attachable: ClassVar[bool] = False
    without_family: ClassVar[str] = (
        "a part of its tickets, made by services.link: servicedesk/tests/test_tickets.py"
    )
    constraint_fields: ClassVar[dict[str, str]] = {"ticketlink_not_itself": "other"}

    class Meta:
        ordering = ["ticket", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "other"],
                name="ticketlink_unique",
                violation_error_message="These tickets are already linked",
            ),
            models.CheckConstraint(
                condition=~Q(ticket=models.F("other")),
                name="ticketlink_not_itself",
                violation_error_message="A ticket cannot be linked to itself",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} ↔ {self.other_id}"
