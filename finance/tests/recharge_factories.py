"""Test data for the recharge tests: rules, costs and driver figures made in a few words
(the ledger's own factories are finance/tests/factories.py, its part's)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from core.services import set_audience
from core.tenancy.scoping import system_scope
from finance.choices import ApportionmentMethod, CostCategory, FigureSource, SpendType
from finance.models import (
    ApportionmentRule,
    CostCentre,
    CostLine,
    DriverFigure,
    LedgerCode,
    RuleComponent,
    RuleShare,
)

APRIL = (datetime.date(2026, 4, 1), datetime.date(2026, 4, 30))


def fixed_rule(
    shares: dict[Any, str], category: str = CostCategory.STAFF, name: str = ""
) -> ApportionmentRule:
    """A rule of fixed percentages for `category`, in force from April 2025."""
    with system_scope("test data"):
        rule = ApportionmentRule.objects.create(
            name=name or f"Fixed {category}",
            method=ApportionmentMethod.FIXED,
            category=category,
            valid_from=datetime.date(2025, 4, 1),
        )
        for partner, percent in shares.items():
            RuleShare.objects.create(rule=rule, partner=partner, percent=Decimal(percent))
    return rule


def driver_rule(
    components: dict[str, str], category: str = CostCategory.LICENCE, name: str = ""
) -> ApportionmentRule:
    """A rule of one driver (or a mix of several) for `category`, in force from April 2025."""
    method = ApportionmentMethod.DRIVER if len(components) == 1 else ApportionmentMethod.MIX
    with system_scope("test data"):
        rule = ApportionmentRule.objects.create(
            name=name or f"Driver {category}",
            method=method,
            category=category,
            valid_from=datetime.date(2025, 4, 1),
        )
        for driver, weight in components.items():
            RuleComponent.objects.create(rule=rule, driver=driver, weight=Decimal(weight))
    return rule


def figure(
    partner: Any,
    driver: str,
    value: str,
    period: tuple[datetime.date, datetime.date] = APRIL,
    source: str = FigureSource.ENTERED,
) -> DriverFigure:
    with system_scope("test data"):
        return DriverFigure.objects.create(
            partner=partner,
            driver=driver,
            period_start=period[0],
            period_end=period[1],
            value=Decimal(value),
            source=source,
        )


def shared_cost(
    amount: str,
    category: str = CostCategory.STAFF,
    on: datetime.date = datetime.date(2026, 4, 15),
    councils: list[Any] | None = None,
    **extra: Any,
) -> CostLine:
    """A shared cost for every council (or for `councils`)."""
    with system_scope("test data"):
        line = CostLine.objects.create(
            is_shared=True,
            for_all_councils=councils is None,
            description=f"Shared {category} {amount}",
            amount=Decimal(amount),
            incurred_on=on,
            category=category,
            spend_type=extra.pop("spend_type", SpendType.REVENUE),
            **extra,
        )
        if councils is not None:
            set_audience(line, councils)
    return line


def own_cost(
    partner: Any,
    amount: str,
    category: str = CostCategory.HARDWARE,
    on: datetime.date = datetime.date(2026, 4, 10),
    centre: CostCentre | None = None,
) -> CostLine:
    """A cost one council bears."""
    with system_scope("test data"):
        line = CostLine.objects.create(
            is_shared=False,
            description=f"Own {category} {amount}",
            amount=Decimal(amount),
            incurred_on=on,
            category=category,
            cost_centre=centre,
        )
        set_audience(line, [partner])
    return line


def ledger_code(
    partner: Any,
    category: str,
    centre: str = "400",
    account: str = "4510",
    spend_type: str = SpendType.REVENUE,
) -> LedgerCode:
    with system_scope("test data"):
        cost_centre, _ = CostCentre.objects.get_or_create(
            partner=partner, code=centre, defaults={"name": "Information Systems and Telephony"}
        )
        return LedgerCode.objects.create(
            partner=partner,
            category=category,
            spend_type=spend_type,
            cost_centre=cost_centre,
            account_code=account,
        )
