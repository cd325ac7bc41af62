"""The service desk app's configuration: a Concord app (core.apps.ConcordAppConfig)."""

from typing import Any

from core.apps import ConcordAppConfig


class ServiceDeskConfig(ConcordAppConfig):
    """Incidents, requests, problems and changes for every council, with UK business-hours
    SLAs, email in and out, a self-service portal and a knowledge base."""

    name = "servicedesk"
    verbose_name = "Service desk"

    def ready(self) -> None:
        # The configuration each process keeps learns of every write through these signals.
        from servicedesk import rules  # noqa: F401

    @property
    def nav_entries(self) -> list[Any]:  # type: ignore[override]
        """The desk's pages that are not a model's list: the self-service portal, for those
        who raise tickets (a council's people), the agent console, for those who work them,
        and the forward schedule of change."""
        from core.navigation import NavEntry
        from servicedesk.console import may_use_console
        from servicedesk.portal import may_use_portal

        return [
            NavEntry(
                "Get IT help", "servicedesk:portal", "servicedesk", order=1, allowed=may_use_portal
            ),
            NavEntry(
                "Agent console",
                "servicedesk:console",
                "servicedesk",
                order=2,
                allowed=may_use_console,
            ),
            NavEntry(
                "Forward schedule of change",
                "servicedesk:changerequest_forward_schedule",
                "servicedesk",
                area="changes",
                order=8,
            ),
        ]

    def home_needs(self, user: Any) -> list[Any]:
        """Tickets and changes that need the person (servicedesk.views.home_needs and
        change_needs)."""
        from servicedesk.views import change_needs, home_needs

        return [*home_needs(user), *change_needs(user)]
