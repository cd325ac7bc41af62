"""The finance demo's savings part (called by finance/demo.py, after the ledger and the
recharge runs): the Tri-borough business case, its savings target of £6.55m a year, £35,000
of implementation cost per council, the councils' split of the savings, targets for the demo's
financial years, and savings realised in them, measured from the councils' costs and entered
as measures.

Called by `concord demo` inside its transaction and system scope. Everything is looked up by
its natural key and created only when missing, and a measured saving is measured again in
place, so a second run creates nothing.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from core.demo import DemoRun
from core.services import set_audience
from finance import savings_services as services
from finance.models.ledger import FinancialYear
from finance.models.savings import (
    BusinessCase,
    CaseStatus,
    ImplementationCost,
    RealisedSaving,
    SavingsBasis,
    SavingsSplit,
    SavingsTarget,
)

REFERENCE = "TB-2011-01"
TARGET = Decimal("6550000")
IMPLEMENTATION = Decimal("35000")
BASELINE = Decimal("11000000")
#: The demo's split of the savings (the three councils' shares, adding up to 100).
SPLIT = {"wcc": Decimal("37.500"), "rbkc": Decimal("32.500"), "lbhf": Decimal("30.000")}
#: Entered (non-cashable) measures per council and year: staff hours no longer spent.
ENTERED = {
    "wcc": (Decimal("0"), Decimal("185000"), "Service desk hours saved by the shared desk"),
    "rbkc": (Decimal("0"), Decimal("160000"), "Service desk hours saved by the shared desk"),
}


def demo_years(today: datetime.date) -> list[FinancialYear]:
    """The demo's two financial years: this one and the one before (made if missing)."""
    this = FinancialYear.year_of(today)
    before = FinancialYear.year_of(this.starts_on - datetime.timedelta(days=1))
    return [before, this]


def load_savings_demo(run: DemoRun) -> None:
    """The Tri-borough business case and its savings."""
    partners = [run.partners[code] for code in SPLIT if code in run.partners]
    if not partners:
        return
    today = timezone.localdate()
    years = demo_years(today)
    first = FinancialYear.year_of(datetime.date(2011, 4, 1))
    case = BusinessCase.objects.filter(reference=REFERENCE).first()
    if case is None:
        case = BusinessCase.objects.create(
            reference=REFERENCE,
            name="Tri-borough shared ICT service",
            description=(
                "Westminster, Kensington and Chelsea and Hammersmith and Fulham share one ICT "
                "service: one service desk, one set of contracts and licences, one team. "
                "Savings of £6.55m a year against the councils' separate costs, for £35,000 of "
                "change cost per council."
            ),
            approved_on=datetime.date(2011, 3, 1),
            baseline_cost=BASELINE,
            first_year=first,
            status=CaseStatus.APPROVED,
        )
        set_audience(case, partners)
        run.created["business cases"] += 1
    for partner in partners:
        _, made = ImplementationCost.objects.get_or_create(
            business_case=case,
            partner=partner,
            defaults={"amount": IMPLEMENTATION, "description": "Change team and data migration"},
        )
        run.created["implementation costs"] += int(made)
    if not SavingsSplit.objects.filter(business_case=case).exists():
        services.set_splits(case, {p: SPLIT[p.code] for p in partners})
        run.created["savings splits"] += len(partners)
    for year in years:
        _, made = SavingsTarget.objects.get_or_create(
            business_case=case,
            year=year,
            defaults={
                "cashable": TARGET,
                "non_cashable": Decimal("500000"),
                "note": "Business case, savings profile",
            },
        )
        run.created["savings targets"] += int(made)
        for partner in partners:
            if partner.code not in ENTERED or partner.is_former:
                continue
            cashable, non_cashable, evidence = ENTERED[partner.code]
            _, made = RealisedSaving.objects.get_or_create(
                business_case=case,
                partner=partner,
                year=year,
                basis=SavingsBasis.ENTERED,
                defaults={
                    "cashable": cashable,
                    "non_cashable": non_cashable,
                    "evidence": f"{evidence}, {year.name}: the desk's monthly reports",
                },
            )
            run.created["realised savings"] += int(made)
        before = RealisedSaving.objects.filter(
            business_case=case, year=year, basis=SavingsBasis.MEASURED
        ).count()
        services.measure_case(case, year, as_of=today)
        after = RealisedSaving.objects.filter(
            business_case=case, year=year, basis=SavingsBasis.MEASURED
        ).count()
        run.created["realised savings"] += after - before
