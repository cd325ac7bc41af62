"""Pages of the service desk, mounted at the site root."""

from servicedesk.catalogue_views import RequestItemViews, catalogue_urls
from servicedesk.console import console_urls
from servicedesk.freezes import ChangeFreezeViews
from servicedesk.knowledge_views import KnowledgeArticleViews
from servicedesk.portal import portal_urls
from servicedesk.views import (
    CategoryViews,
    ChangeRequestViews,
    InboundMailViews,
    PriorityRuleViews,
    ProblemViews,
    QueueMemberViews,
    QueueViews,
    RoutingRuleViews,
    ServiceCalendarViews,
    ServiceViews,
    SlaPolicyViews,
    TicketViews,
    change_action_urls,
    mail_action_urls,
    ticket_action_urls,
)

app_name = "servicedesk"

urlpatterns = [
    *TicketViews.urls(),
    *ticket_action_urls(),
    *ProblemViews.urls(),
    *InboundMailViews.urls(),
    *mail_action_urls(),
    *change_action_urls(),
    *ChangeRequestViews.urls(),
    *ChangeFreezeViews.urls(),
    *KnowledgeArticleViews.urls(),
    *RequestItemViews.urls(),
    *catalogue_urls(),
    *portal_urls(),
    *console_urls(),
    *CategoryViews.urls(),
    *ServiceViews.urls(),
    *QueueViews.urls(),
    *QueueMemberViews.urls(),
    *RoutingRuleViews.urls(),
    *PriorityRuleViews.urls(),
    *SlaPolicyViews.urls(),
    *ServiceCalendarViews.urls(),
]
