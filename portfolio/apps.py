"""The portfolio app's configuration: a Concord app (core.apps.ConcordAppConfig)."""

from typing import Any

from core.apps import ConcordAppConfig


class PortfolioConfig(ConcordAppConfig):
    """Programmes and projects, their reports, risks and issues, and the joint roadmap."""

    name = "portfolio"
    verbose_name = "Portfolio"

    @property
    def nav_entries(self) -> list[Any]:  # type: ignore[override]
        """The portfolio pages that are not a model's list (the roadmap...)."""
        from portfolio import views

        return views.nav_entries()

    def home_needs(self, user: Any) -> list[Any]:
        """What of the portfolio needs `user` now (reports due, risks to review)."""
        from portfolio import views

        return views.home_needs(user)
