"""The finance app's configuration: a Concord app (core.apps.ConcordAppConfig)."""

from core.apps import ConcordAppConfig


class FinanceConfig(ConcordAppConfig):
    """Budgets, costs, apportionment rules, recharges to each council, business cases, savings."""

    name = "finance"
    verbose_name = "Finance"
