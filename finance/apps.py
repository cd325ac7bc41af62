"""The finance app's configuration: a Concord app (core.apps.ConcordAppConfig)."""

from typing import Any

from core.apps import ConcordAppConfig


class FinanceConfig(ConcordAppConfig):
    """Budgets, costs, apportionment rules, recharges to each council, business cases, savings."""

    name = "finance"
    verbose_name = "Finance"

    @property
    def nav_entries(self) -> list[Any]:  # type: ignore[override]
        """The finance pages that are not a model's list: each part's `nav_entries()`."""
        from finance import ledger_views, recharge_views, savings_views

        return [
            *ledger_views.nav_entries(),
            *recharge_views.nav_entries(),
            *savings_views.nav_entries(),
        ]

    def home_needs(self, user: Any) -> list[Any]:
        """What of each part needs `user` now (each part's `home_needs(user)`)."""
        from finance import ledger_views, recharge_views, savings_views

        return [
            *ledger_views.home_needs(user),
            *recharge_views.home_needs(user),
            *savings_views.home_needs(user),
        ]
