"""The choices of the service desk: kinds, impact, urgency, priority, statuses, SLA states."""

from __future__ import annotations

from django.db import models


class TicketKind(models.TextChoices):
    """Incidents (something is broken) and service requests (something is wanted) share one
    ticket model; each kind numbers its tickets with its own prefix."""

    INCIDENT = "incident", "Incident"
    REQUEST = "request", "Service request"


#: The reference prefix of each kind: INC0001234, REQ0001234.
KIND_PREFIX = {TicketKind.INCIDENT: "INC", TicketKind.REQUEST: "REQ"}


class Impact(models.IntegerChoices):
    """How much of the council a ticket touches."""

    HIGH = 1, "High: many people or a whole service"
    MEDIUM = 2, "Medium: a team or a site"
    LOW = 3, "Low: one person"


class Urgency(models.IntegerChoices):
    """How soon it hurts."""

    HIGH = 1, "High: work has stopped"
    MEDIUM = 2, "Medium: work is slowed"
    LOW = 3, "Low: it can wait"


class Priority(models.IntegerChoices):
    """Worked out from impact and urgency (the priority matrix); sets the SLA targets."""

    CRITICAL = 1, "P1 Critical"
    HIGH = 2, "P2 High"
    MEDIUM = 3, "P3 Medium"
    LOW = 4, "P4 Low"


class TicketStatus(models.TextChoices):
    """Where a ticket is in its life."""

    NEW = "new", "New"
    ASSIGNED = "assigned", "Assigned"
    IN_PROGRESS = "in_progress", "In progress"
    AWAITING_CUSTOMER = "awaiting_customer", "Awaiting customer"
    AWAITING_SUPPLIER = "awaiting_supplier", "Awaiting supplier"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"
    REOPENED = "reopened", "Reopened"


#: Statuses in which a ticket is still being worked (its clocks run or are paused).
OPEN_STATUSES = frozenset(
    {
        TicketStatus.NEW,
        TicketStatus.ASSIGNED,
        TicketStatus.IN_PROGRESS,
        TicketStatus.AWAITING_CUSTOMER,
        TicketStatus.AWAITING_SUPPLIER,
        TicketStatus.REOPENED,
    }
)
#: The status that pauses the SLA clock: the desk waits on the customer.
PAUSING_STATUSES = frozenset({TicketStatus.AWAITING_CUSTOMER})


class SlaState(models.TextChoices):
    """A ticket's SLA at a glance: on track, at risk (75% of the time used), breached while
    open, paused while it awaits the customer; met or missed once resolved."""

    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    BREACHED = "breached", "Breached"
    PAUSED = "paused", "Paused"
    MET = "met", "Met"
    MISSED = "missed", "Missed"


class Source(models.TextChoices):
    """How a ticket reached the desk."""

    PORTAL = "portal", "Self-service portal"
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone"
    AGENT = "agent", "Raised by an agent"
    API = "api", "API"
    IMPORT = "import", "Import"


class ProblemStatus(models.TextChoices):
    """Where a problem (the cause behind incidents) is in its life."""

    OPEN = "open", "Open"
    INVESTIGATING = "investigating", "Under investigation"
    KNOWN_ERROR = "known_error", "Known error"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


#: A problem still being worked: its incidents may be linked to it.
OPEN_PROBLEM_STATUSES = frozenset(
    {ProblemStatus.OPEN, ProblemStatus.INVESTIGATING, ProblemStatus.KNOWN_ERROR}
)


class MailState(models.TextChoices):
    """Where an inbound mail is: kept as it came and not yet worked on, or what came of it."""

    RECEIVED = "received", "Received"
    PROCESSED = "processed", "Processed"
    HELD = "held", "Held for review"
    FAILED = "failed", "Failed"
    IGNORED = "ignored", "Ignored"
    DISCARDED = "discarded", "Discarded"


#: The states the desk acts on: a mail it may retry, or raise a ticket for, or discard.
MAIL_NEEDS_ACTION = frozenset({MailState.RECEIVED, MailState.HELD, MailState.FAILED})


class MailVia(models.TextChoices):
    """How an inbound mail reached Concord."""

    SMTP = "smtp", "SMTP listener (concord mail-in)"
    IMAP = "imap", "Mailbox (concord mail-poll)"
