"""The ledger's demo records (finance/ledger_demo.py), loaded by `concord demo` after the
councils, contracts and licences: two financial years of cost centres, budgets (one revised),
shared and one-council costs linked to their contracts and call-offs, rules of each method,
entered and measured driver figures, and nothing twice however often it runs."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from core.tenancy.scoping import system_scope
from finance import drivers, services
from finance.choices import ApportionmentMethod, Driver, FigureSource
from finance.models.ledger import (
    ApportionmentRule,
    Budget,
    BudgetRevision,
    CostCentre,
    CostLine,
    DriverFigure,
    FinancialYear,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_folder")]


def run(*args: str) -> None:
    call_command(*args, stdout=io.StringIO(), stderr=io.StringIO())


def counts() -> tuple[int, ...]:
    return tuple(
        m.objects.count()
        for m in (FinancialYear, CostCentre, Budget, BudgetRevision, CostLine, DriverFigure)
    )


def test_demo_loads_the_ledger_once() -> None:
    run("demo", "--through", "finance")
    today = timezone.localdate()
    with system_scope("test"):
        this = FinancialYear.for_date(today)
        assert this is not None
        assert FinancialYear.for_date(this.starts_on - datetime.timedelta(days=1)) is not None
        assert CostCentre.objects.get(partner__code="wcc", code="400").name == (
            "Information Systems and Telephony"
        )
        revised = [
            b for b in Budget.objects.filter(year=this) if len(services.budget_revisions(b)) > 1
        ]
        assert {b.partner.code for b in revised} == {"wcc", "rbkc"}
        methods = set(ApportionmentRule.objects.values_list("method", flat=True))
        assert methods == {m.value for m in ApportionmentMethod}
        ea = CostLine.objects.filter(reference__startswith="INV-MSEA-").first()
        assert ea is not None and ea.is_shared and ea.source.reference == "BI-MS-EA-2024"
        call_off = CostLine.objects.filter(reference__startswith="INV-WCC-DPF-003-").first()
        if call_off is not None:  # the half-yearly invoices, once such a month has passed
            assert call_off.source.reference == "WCC-DPF-003"
            assert [p.code for p in call_off.audience()] == ["wcc"]
        assert DriverFigure.objects.filter(
            driver=Driver.HEADCOUNT, source=FigureSource.ENTERED
        ).exists()
        measured = DriverFigure.objects.filter(driver=Driver.TICKETS, source=FigureSource.MEASURED)
        assert measured.exists()
        figure = measured.order_by("-period_start").first()
        assert figure is not None
        found = drivers.figures(
            Driver.TICKETS, [figure.partner], figure.period_start, figure.period_end
        )
        assert found[figure.partner_id] == figure.value
        # Every month the demo runs is recharged and approved: months before the demo desk's
        # history have the previous desk's ticket counts entered, so the tickets rule splits.
        from finance.models import RechargeRun
        from finance.recharge_demo import demo_months

        months = [m for m in demo_months(today) if m < today.replace(day=1)]
        runs = RechargeRun.objects.filter(period_start__in=months)
        assert runs.count() == len(months)
        drafts = [str(r.period_start) for r in runs if not r.is_approved]
        assert drafts in ([], [str(months[-1])])  # the last month waits for its working day
        before = counts()
    run("demo", "--through", "finance")
    with system_scope("test"):
        assert counts() == before
