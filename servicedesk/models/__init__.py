"""The service desk's records, by what they are about (one module each)."""

from servicedesk.models.catalogue import FulfilmentTask, RequestApproval, RequestItem
from servicedesk.models.changes import ChangeApproval, ChangeRequest
from servicedesk.models.freezes import ChangeFreeze
from servicedesk.models.knowledge import ArticleLink, KnowledgeArticle
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
    "ArticleLink",
    "Category",
    "ChangeApproval",
    "ChangeFreeze",
    "ChangeRequest",
    "FulfilmentTask",
    "InboundMail",
    "KnowledgeArticle",
    "PriorityRule",
    "Problem",
    "Queue",
    "QueueMember",
    "RequestApproval",
    "RequestItem",
    "RoutingRule",
    "Service",
    "ServiceCalendar",
    "SlaPolicy",
    "Ticket",
    "TicketComment",
    "TicketLink",
]
