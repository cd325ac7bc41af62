"""Pages of the service desk, mounted at the site root."""

from servicedesk.views import (
    CategoryViews,
    ChangeRequestViews,
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
    ticket_action_urls,
)

app_name = "servicedesk"

urlpatterns = [
    *TicketViews.urls(),
    *ticket_action_urls(),
    *ProblemViews.urls(),
    *change_action_urls(),
    *ChangeRequestViews.urls(),
    *CategoryViews.urls(),
    *ServiceViews.urls(),
    *QueueViews.urls(),
    *QueueMemberViews.urls(),
    *RoutingRuleViews.urls(),
    *PriorityRuleViews.urls(),
    *SlaPolicyViews.urls(),
    *ServiceCalendarViews.urls(),
]
