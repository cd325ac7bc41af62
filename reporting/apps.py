"""The reporting app's configuration: a Concord app (core.apps.ConcordAppConfig)."""

from typing import Any

from core.apps import ConcordAppConfig


class ReportingConfig(ConcordAppConfig):
    """KPIs from every app's records, dashboards per reader's scope, monthly packs."""

    name = "reporting"
    verbose_name = "Reporting"

    @property
    def nav_entries(self) -> list[Any]:  # type: ignore[override]
        """The reporting pages that are not a model's list: each part's `nav_entries()`."""
        from reporting import dashboard_views, pack_views

        return [*dashboard_views.nav_entries(), *pack_views.nav_entries()]

    def home_needs(self, user: Any) -> list[Any]:
        """What of reporting needs `user` now (each part's `home_needs(user)`)."""
        from reporting import dashboard_views, pack_views

        return [*dashboard_views.home_needs(user), *pack_views.home_needs(user)]
