"""The contracts app's configuration: a Concord app (core.apps.ConcordAppConfig)."""

from typing import Any

from core.apps import ConcordAppConfig


class ContractsConfig(ConcordAppConfig):
    """Suppliers, contracts and their dates, reminders, exit plans and supplier performance."""

    name = "contracts"
    verbose_name = "Contracts"

    @property
    def nav_entries(self) -> list[Any]:  # type: ignore[override]
        """The contract pages that are not a model's list."""
        from core.navigation import NavEntry

        return [
            NavEntry(
                "Decisions due", "contracts:decisions_due", "contracts", area="contracts", order=5
            ),
            NavEntry("Transition", "contracts:transition", "contracts", area="contracts", order=6),
        ]

    def home_needs(self, user: Any) -> list[Any]:
        """Contracts whose notice deadline or end falls due soon."""
        # And the frameworks', call-offs' and purchasing's.
        from contracts.procurement_views import procurement_home_needs
        from contracts.views import home_needs

        return home_needs(user) + procurement_home_needs(user)

    def ready(self) -> None:
        """OCDS release packages are imported as suppliers and contracts
        (core.importing.formats)."""
        super().ready()
        from contracts.ocds_import import register_formats

        register_formats()
