"""API endpoints of the service desk (mounted by concord/api_urls.py). ``/api/v1/changes/``
is the change log: the desk's changes are ``change-requests``."""

from django.urls import path

from servicedesk.api.views import (
    CategoryViewSet,
    ChangeApprovalViewSet,
    ChangeRequestViewSet,
    InboundMailViewSet,
    KnowledgeArticleViewSet,
    PriorityRuleViewSet,
    ProblemViewSet,
    QueueMemberViewSet,
    QueueViewSet,
    RequestItemViewSet,
    RoutingRuleViewSet,
    ServiceCalendarViewSet,
    ServiceViewSet,
    SlaPolicyViewSet,
    TicketViewSet,
    WorkingTimeView,
)
from servicedesk.freezes import ChangeFreezeViewSet

routes = [
    ("tickets", TicketViewSet, "ticket"),
    ("problems", ProblemViewSet, "problem"),
    ("inbound-mail", InboundMailViewSet, "inboundmail"),
    ("change-requests", ChangeRequestViewSet, "changerequest"),
    ("change-approvals", ChangeApprovalViewSet, "changeapproval"),
    ("change-freezes", ChangeFreezeViewSet, "changefreeze"),
    ("knowledge-articles", KnowledgeArticleViewSet, "knowledgearticle"),
    ("request-items", RequestItemViewSet, "requestitem"),
    ("categories", CategoryViewSet, "category"),
    ("services", ServiceViewSet, "service"),
    ("queues", QueueViewSet, "queue"),
    ("queue-members", QueueMemberViewSet, "queuemember"),
    ("routing-rules", RoutingRuleViewSet, "routingrule"),
    ("priority-rules", PriorityRuleViewSet, "priorityrule"),
    ("sla-policies", SlaPolicyViewSet, "slapolicy"),
    ("service-calendars", ServiceCalendarViewSet, "servicecalendar"),
]

urlpatterns = [path("working-time/", WorkingTimeView.as_view(), name="working-time")]
