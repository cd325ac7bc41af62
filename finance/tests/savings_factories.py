"""Records the savings tests share: financial years, a business case for a council, splits."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from core.services import set_audience
from core.tenancy.scoping import system_scope
from finance.models.ledger import FinancialYear
from finance.models.savings import BusinessCase


def year(start: int = 2026) -> FinancialYear:
    """The April-to-March financial year starting in `start` (made once)."""
    with system_scope("test data"):
        found = FinancialYear.objects.filter(starts_on=datetime.date(start, 4, 1)).first()
        return found or FinancialYear.objects.create(
            name=f"{start}/{(start + 1) % 100:02d}",
            starts_on=datetime.date(start, 4, 1),
            ends_on=datetime.date(start + 1, 3, 31),
        )


def case_of(
    *partners: Any, reference: str | None = None, baseline: str = "1200000"
) -> BusinessCase:
    """A business case for `partners` (made once per reference)."""
    reference = reference or "BC-" + "-".join(p.code for p in partners)
    with system_scope("test data"):
        found = BusinessCase.objects.filter(reference=reference).first()
        if found is not None:
            return found
        made = BusinessCase.objects.create(
            reference=reference,
            name=f"Shared service for {', '.join(p.code for p in partners)}",
            baseline_cost=Decimal(baseline),
            first_year=year(),
            status="approved",
        )
        set_audience(made, list(partners))
        return made
