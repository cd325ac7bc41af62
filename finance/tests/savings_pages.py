"""The savings part's pages beyond its generic ones (target against realised, budget against
actual), with records to show and in their error states, for the page template checks
(core.testing.visits, through finance/tests/pages.py)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from core.tenancy.scoping import system_scope
from finance.models.savings import RealisedSaving, SavingsSplit, SavingsTarget
from finance.tests.savings_factories import case_of, year


def page_visits(cast: Any, client_for: Any) -> list[tuple[str, Any]]:
    """(name, visit) pairs: each visit draws one page and returns the response."""
    case = case_of(cast.wcc, cast.rbkc, reference="PV-BC-1")
    fy = year(2026)
    with system_scope("test data"):
        SavingsSplit.objects.create(business_case=case, partner=cast.wcc, percent=Decimal("60"))
        SavingsTarget.objects.create(business_case=case, year=fy, cashable=Decimal("100000"))
        RealisedSaving.objects.create(
            business_case=case, partner=cast.wcc, year=fy, cashable=Decimal("5000"), evidence="x"
        )
    lead, finance = client_for(cast.wcc_lead), client_for(cast.finance)
    return [
        ("target against realised", lambda: lead.get(f"/business-cases/{case.pk}/savings/")),
        (
            "target against realised, all",
            lambda: finance.get(f"/business-cases/{case.pk}/savings/"),
        ),
        (
            "target against realised, errors",
            lambda: lead.post(f"/business-cases/{case.pk}/savings/", {"year": ""}),
        ),
        ("budget against actual", lambda: finance.get("/finance/budget/", {"year": fy.pk})),
        ("budget against actual, errors", lambda: finance.get("/finance/budget/", {"year": "x"})),
    ]
