"""Pages of the service desk, mounted at the site root."""

from servicedesk.views import (
    CategoryViews,
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
    *CategoryViews.urls(),
    *ServiceViews.urls(),
    *QueueViews.urls(),
    *QueueMemberViews.urls(),
    *RoutingRuleViews.urls(),
    *PriorityRuleViews.urls(),
    *SlaPolicyViews.urls(),
    *ServiceCalendarViews.urls(),
]
