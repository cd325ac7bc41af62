"""Sample ledger records for the finance tests, made as the system."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from core.services import set_audience
from core.tenancy.scoping import system_scope
from finance.choices import ApportionmentMethod, CostCategory, Driver, SpendType
from finance.models.ledger import (
    ApportionmentRule,
    Budget,
    CostCentre,
    CostLine,
    FinancialYear,
    RuleComponent,
    RuleShare,
)


def financial_year(start_year: int = 2026) -> FinancialYear:
    """The April-to-March year starting in `start_year` (made if missing)."""
    with system_scope("test data"):
        return FinancialYear.year_of(datetime.date(start_year, 4, 1))


def cost_centre(partner: Any, code: str = "400", name: str = "Information Systems") -> CostCentre:
    """`partner`'s cost centre `code` (made if missing)."""
    with system_scope("test data"):
        return CostCentre.objects.get_or_create(
            partner=partner, code=code, defaults={"name": name}
        )[0]


def budget(partner: Any, amount: str = "100000", code: str = "400", year: int = 2026) -> Budget:
    """A revenue budget of `partner`'s cost centre `code`, with its original revision."""
    with system_scope("test data"):
        made = Budget(
            partner=partner,
            year=financial_year(year),
            cost_centre=cost_centre(partner, code),
            spend_type=SpendType.REVENUE,
            amount=Decimal(amount),
        )
        made.revision_reason = "Original budget"
        made.revision_on = datetime.date(year, 3, 1)
        made.save()  # with its original revision (Budget.save)
        return made


def rule(
    name: str,
    method: str = ApportionmentMethod.FIXED,
    category: str = "",
    valid_from: datetime.date = datetime.date(2020, 4, 1),
    valid_to: datetime.date | None = None,
    shares: dict[Any, str] | None = None,
    drivers: dict[str, str] | None = None,
) -> ApportionmentRule:
    """A rule with its councils' shares (fixed) or its drivers' weights."""
    with system_scope("test data"):
        made = ApportionmentRule.objects.create(
            name=name, method=method, category=category, valid_from=valid_from, valid_to=valid_to
        )
        for partner, percent in (shares or {}).items():
            RuleShare.objects.create(rule=made, partner=partner, percent=Decimal(percent))
        for driver, weight in (drivers or {}).items():
            RuleComponent.objects.create(rule=made, driver=driver, weight=Decimal(weight))
        return made


def cost_line(
    councils: list[Any],
    amount: str = "1000",
    *,
    shared: bool = False,
    for_all: bool = False,
    on: datetime.date = datetime.date(2026, 5, 10),
    category: str = CostCategory.OTHER,
    description: str = "Sample cost",
    **extra: Any,
) -> CostLine:
    """A cost line borne by `councils` (or every council)."""
    with system_scope("test data"):
        line = CostLine.objects.create(
            description=description,
            amount=Decimal(amount),
            incurred_on=on,
            category=category,
            is_shared=shared,
            for_all_councils=for_all,
            **extra,
        )
        set_audience(line, councils)
        return line


__all__ = ["Driver", "budget", "cost_centre", "cost_line", "financial_year", "rule"]
