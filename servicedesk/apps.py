"""The service desk app's configuration: a Concord app (core.apps.ConcordAppConfig)."""

from typing import Any

from core.apps import ConcordAppConfig


class ServiceDeskConfig(ConcordAppConfig):
    """Incidents, requests, problems and changes for every council, with UK business-hours
    SLAs, email in and out, a self-service portal and a knowledge base."""

    name = "servicedesk"
    verbose_name = "Service desk"

    @property
    def nav_entries(self) -> list[Any]:  # type: ignore[override]
        """The self-service portal, for those who raise tickets (a council's people), and the
        agent console, for those who work them."""
        from core.navigation import NavEntry
        from servicedesk.portal import may_use_portal

        return [
            NavEntry(
                "Get IT help", "servicedesk:portal", "servicedesk", order=1, allowed=may_use_portal
            )
        ]

    def home_needs(self, user: Any) -> list[Any]:
        """Tickets that need the person (servicedesk.views.home_needs)."""
        from servicedesk.views import home_needs

        return home_needs(user)
