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
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"


#: Statuses in which a ticket is still being worked (its clocks run or are paused).
OPEN_STATUSES = frozenset(
    {
        TicketStatus.NEW,
        TicketStatus.ASSIGNED,
        TicketStatus.IN_PROGRESS,
        TicketStatus.AWAITING_CUSTOMER,
        TicketStatus.AWAITING_SUPPLIER,
        TicketStatus.REOPENED,
        TicketStatus.AWAITING_APPROVAL,
    }
)
#: The open statuses in one fixed order: the condition of the open tickets' partial indexes
#: (servicedesk.models.Ticket), which a query uses only when it says the same (SQLite compares
#: the terms as written).
OPEN_STATUS_LIST = sorted(OPEN_STATUSES)
#: The status that pauses the SLA clock: the desk waits on the customer.
PAUSING_STATUSES = frozenset({TicketStatus.AWAITING_CUSTOMER})
#: The statuses in which no SLA clock runs: awaiting the customer, or a catalogue request
#: awaiting its council lead's approval (servicedesk.catalogue), which only a decision ends.
CLOCK_STOPPED_STATUSES = PAUSING_STATUSES | {TicketStatus.AWAITING_APPROVAL}


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


class ChangeKind(models.TextChoices):
    """How a change is approved (docs/servicedesk.md, "Changes")."""

    STANDARD = "standard", "Standard: pre-approved, done the same way each time"
    NORMAL = "normal", "Normal: approved by the lead of every council it affects"
    EMERGENCY = (
        "emergency",
        "Emergency: approved by one affected council's lead or the service manager",
    )


class ChangeLevel(models.TextChoices):
    """A change's risk, or its impact."""

    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class ChangeStatus(models.TextChoices):
    """Where a change is in its life."""

    DRAFT = "draft", "Draft"
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    SCHEDULED = "scheduled", "Scheduled"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


#: A change in one of these is over: it takes no more edits or actions.
CLOSED_CHANGE_STATUSES = frozenset(
    {ChangeStatus.COMPLETED, ChangeStatus.FAILED, ChangeStatus.CANCELLED}
)
#: Changes that will not happen (or did not): they overlap nothing.
NOT_HAPPENING_STATUSES = frozenset({ChangeStatus.CANCELLED, ChangeStatus.REJECTED})
#: The changes on the forward schedule (and in the calendar feed).
SCHEDULE_STATUSES = frozenset(
    {
        ChangeStatus.AWAITING_APPROVAL,
        ChangeStatus.APPROVED,
        ChangeStatus.SCHEDULED,
        ChangeStatus.IN_PROGRESS,
    }
)


class ApprovalDecision(models.TextChoices):
    """One affected council's decision on a change."""

    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    #: The change was decided without it: rejected by another council, approved under the
    #: emergency rule, or cancelled.
    NOT_NEEDED = "not_needed", "Not needed"


class ArticleStatus(models.TextChoices):
    """Where a knowledge article is in its life: written, read by councils, withdrawn."""

    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    RETIRED = "retired", "Retired"


#: The moves an article may make (a retired article is brought back as a draft to revise).
ARTICLE_MOVES: dict[str, frozenset[str]] = {
    ArticleStatus.DRAFT: frozenset({ArticleStatus.PUBLISHED, ArticleStatus.RETIRED}),
    ArticleStatus.PUBLISHED: frozenset({ArticleStatus.DRAFT, ArticleStatus.RETIRED}),
    ArticleStatus.RETIRED: frozenset({ArticleStatus.DRAFT}),
}


class FieldKind(models.TextChoices):
    """The kinds of question a request catalogue item's form asks."""

    TEXT = "text", "One line of text"
    PARAGRAPH = "paragraph", "Paragraphs of text"
    CHOICE = "choice", "One of a list"
    DATE = "date", "A date"
    NUMBER = "number", "A whole number"
    YESNO = "yesno", "Yes or no"
    EMAIL = "email", "An email address"


class Decision(models.TextChoices):
    """A council lead's decision on a catalogue request that needs approval."""

    PENDING = "pending", "Waiting for a decision"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


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


#: The SLA states only an open ticket can be in (a resolved one's SLA is met or missed).
OPEN_SLA_STATES = frozenset(
    {SlaState.ON_TRACK, SlaState.AT_RISK, SlaState.BREACHED, SlaState.PAUSED}
)
