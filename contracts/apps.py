"""The contracts app's configuration: a Concord app (core.apps.ConcordAppConfig)."""

from typing import Any

from core.apps import ConcordAppConfig


class ContractsConfig(ConcordAppConfig):
    """Suppliers, contracts and their dates, reminders, exit plans and supplier performance."""

    name = "contracts"
    verbose_name = "Contracts"

    def home_needs(self, user: Any) -> list[Any]:
        """Contracts whose notice deadline or end falls due soon."""
        from contracts.views import home_needs

        return home_needs(user)
