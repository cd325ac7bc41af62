"""The finance app's pages beyond its generic ones, for the page template checks
(core.testing.visits): each part's own visits, gathered."""

from __future__ import annotations

from typing import Any

from finance.tests.recharge_pages import recharge_page_visits
from finance.tests.savings_pages import savings_page_visits


def page_visits(cast: Any, client_for: Any) -> list[tuple[str, Any]]:
    return [*recharge_page_visits(cast, client_for), *savings_page_visits(cast, client_for)]
