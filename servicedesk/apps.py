"""The service desk app's configuration: a Concord app (core.apps.ConcordAppConfig)."""

from typing import Any

from core.apps import ConcordAppConfig
from core.navigation import NavEntry


class ServiceDeskConfig(ConcordAppConfig):
    """Incidents, requests, problems and changes for every council, with UK business-hours
    SLAs, email in and out, a self-service portal and a knowledge base."""

    name = "servicedesk"
    verbose_name = "Service desk"
    nav_entries = (
        NavEntry(
            "Forward schedule of change",
            "servicedesk:changerequest_forward_schedule",
            "servicedesk",
            area="changes",
            order=8,
        ),
    )

    def home_needs(self, user: Any) -> list[Any]:
        """Tickets and changes that need the person (servicedesk.views.home_needs and
        change_needs)."""
        from servicedesk.views import change_needs, home_needs

        return [*home_needs(user), *change_needs(user)]
