"""The service desk's records, by what they are about (one module each)."""

from servicedesk.models.mail import InboundMail
from servicedesk.models.problems import Problem
from servicedesk.models.setup import (
    DEFAULT_MATRIX,
    DEFAULT_TARGETS,
    Category,
    PriorityRule,
    Queue,
    QueueMember,
    RoutingRule,
    Service,
    ServiceCalendar,
    SlaPolicy,
)
from servicedesk.models.tickets import Ticket, TicketComment, TicketLink

__all__ = [
    "DEFAULT_MATRIX",
    "DEFAULT_TARGETS",
    "Category",
    "InboundMail",
    "PriorityRule",
    "Problem",
    "Queue",
    "QueueMember",
    "RoutingRule",
    "Service",
    "ServiceCalendar",
    "SlaPolicy",
    "Ticket",
    "TicketComment",
    "TicketLink",
]
