"""Tables of the service desk's pages."""

from __future__ import annotations

from core.tables import Column, Table
from servicedesk.models import (
    Category,
    ChangeRequest,
    InboundMail,
    KnowledgeArticle,
    PriorityRule,
    Problem,
    Queue,
    QueueMember,
    RequestItem,
    RoutingRule,
    Service,
    ServiceCalendar,
    SlaPolicy,
    Ticket,
)


class TicketTable(Table):
    """Tickets, newest first: what, whose, where it is, and its SLA."""

    reference = Column("Reference", link=True)
    subject = Column("Subject")
    partner = Column()
    priority = Column("Priority", sortable=True)
    status = Column("Status", sortable=True)
    queue = Column("Queue")
    sla_state = Column("SLA")
    resolution_due = Column("Resolve by", sortable=True)
    opened_at = Column("Opened", sortable=True)

    class Meta:
        model = Ticket


class CategoryTable(Table):
    name = Column("Name", link=True, sortable=True)
    description = Column("Description")

    class Meta:
        model = Category


class ServiceTable(Table):
    name = Column("Name", link=True, sortable=True)
    description = Column("Description")

    class Meta:
        model = Service


class QueueTable(Table):
    name = Column("Name", link=True, sortable=True)
    email = Column("Email address")
    description = Column("Description")

    class Meta:
        model = Queue


class QueueMemberTable(Table):
    person = Column("Person", accessor=lambda m: m.user.display_name, link=True)
    queue = Column("Queue", sort_by="queue__name")

    class Meta:
        model = QueueMember
        select_related = ("user",)


class RoutingRuleTable(Table):
    order = Column("Order", sortable=True, numeric=True)
    name = Column("Name", link=True)
    queue = Column("Queue")
    partner = Column()
    category = Column("Category")
    service = Column("Service")
    subject_words = Column("Words in the subject")
    is_active = Column("Active")

    class Meta:
        model = RoutingRule


class PriorityRuleTable(Table):
    cell = Column("Cell", accessor=lambda rule: str(rule), link=True)
    impact = Column("Impact", sortable=True)
    urgency = Column("Urgency", sortable=True)
    priority = Column("Priority")
    note = Column("Note")

    class Meta:
        model = PriorityRule


class SlaPolicyTable(Table):
    partner = Column(sort_by="partner__name")
    priority = Column("Priority", link=True, sortable=True)
    name = Column("Name")
    valid_from = Column("In force from", sortable=True)
    response_hours = Column("Respond within (hours)", numeric=True)
    resolution_hours = Column("Resolve within (hours)", numeric=True)

    class Meta:
        model = SlaPolicy


class ServiceCalendarTable(Table):
    name = Column("Name", link=True)
    partner = Column(sort_by="partner__name")
    is_default = Column("Default")
    monday_opens = Column("Monday opens")
    monday_closes = Column("Monday closes")
    saturday_opens = Column("Saturday opens")

    class Meta:
        model = ServiceCalendar


class ProblemTable(Table):
    """Problems, newest first."""

    reference = Column("Reference", link=True)
    title = Column("Title")
    status = Column("Status", sortable=True)
    priority = Column("Priority", sortable=True)
    service = Column("Service")
    opened_at = Column("Opened", sortable=True)

    class Meta:
        model = Problem


class ChangeRequestTable(Table):
    """Change requests, latest window first."""

    reference = Column("Reference", link=True)
    title = Column("Title")
    kind = Column("Kind")
    status = Column("Status", sortable=True)
    service = Column("Service")
    planned_start = Column("Planned start", sortable=True)
    planned_end = Column("Planned end")

    class Meta:
        model = ChangeRequest


class KnowledgeArticleTable(Table):
    """Knowledge articles, by title."""

    reference = Column("Reference")
    title = Column("Title", link=True, sortable=True)
    status = Column("Status", sortable=True)
    category = Column("Category")
    published_at = Column("Published")

    class Meta:
        model = KnowledgeArticle


class RequestItemTable(Table):
    """The request catalogue, by name."""

    name = Column("Name", link=True, sortable=True)
    category = Column("Category")
    needs_approval = Column("Needs approval")

    class Meta:
        model = RequestItem


class InboundMailTable(Table):
    """The desk's inbound mail, newest first: from whom, about what, what came of it."""

    received_at = Column("Received", link=True, sortable=True)
    from_address = Column("From")
    subject = Column("Subject")
    state = Column("State", sortable=True)
    ticket = Column("Ticket")

    class Meta:
        model = InboundMail
