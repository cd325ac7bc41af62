"""The assets app's configuration: a Concord app (core.apps.ConcordAppConfig)."""

from typing import Any

from core.apps import ConcordAppConfig


class AssetsConfig(ConcordAppConfig):
    """The asset register and CMDB: hardware, configuration items, what depends on what,
    end of support and stock-takes, for every council."""

    name = "assets"
    verbose_name = "Assets"

    def ready(self) -> None:
        super().ready()
        # Snipe-IT, Intune and GLPI files import as assets (core.importing.formats).
        from assets.importers import register_formats

        register_formats()

    @property
    def nav_entries(self) -> list[Any]:  # type: ignore[override]
        """The asset pages that are not a model's list: the end-of-support report and the
        stock-take's overdue list."""
        from core.navigation import NavEntry

        return [
            NavEntry("End of support", "assets:end_of_support", "assets", area="assets", order=30),
            NavEntry("Stock-take due", "assets:stocktake_due", "assets", area="assets", order=31),
        ]

    def home_needs(self, user: Any) -> list[Any]:
        """Unsupported systems and assets overdue for a check (assets.views.home_needs)."""
        from assets.views import home_needs

        return home_needs(user)
