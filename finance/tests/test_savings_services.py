"""Savings measured from actual costs, the councils' split, and a case's target against
realised as each reader sees it (finance.savings_services)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from core.services import set_audience
from core.tenancy.scoping import system_scope
from core.testing.cast import Cast
from finance import savings_services as services
from finance.models.ledger import CostCentre, CostLine
from finance.models.recharges import RechargeLine, RechargeRun, RechargeStatement
from finance.models.savings import RealisedSaving, SavingsSplit, SavingsTarget
from finance.tests.savings_factories import case_of, year

pytestmark = pytest.mark.django_db


def cost(
    partner: Any, amount: str, on: datetime.date, category: str = "staff", **extra: Any
) -> CostLine:
    with system_scope("test data"):
        centre, _ = CostCentre.objects.get_or_create(
            partner=partner, code="400", defaults={"name": "Information Systems"}
        )
        line = CostLine.objects.create(
            description=f"Cost {amount}",
            amount=Decimal(amount),
            incurred_on=on,
            category=category,
            spend_type="revenue",
            cost_centre=centre,
            **extra,
        )
        set_audience(line, [partner])
        return line


def approved_share(
    partner: Any,
    start: datetime.date,
    end: datetime.date,
    amount: str,
    category: str = "staff",
    shared: bool = True,
) -> RechargeStatement:
    with system_scope("test data"):
        run, _ = RechargeRun.objects.get_or_create(
            period_start=start, period_end=end, defaults={"status": "approved"}
        )
        statement, _ = RechargeStatement.objects.get_or_create(run=run, partner=partner)
        RechargeLine.objects.create(
            statement=statement,
            category=category,
            spend_type="revenue",
            shared=shared,
            cost_centre="400",
            cost_total=Decimal(amount) * 2,
            amount=Decimal(amount),
        )
        return statement


def test_measured_saving_is_the_baseline_share_less_own_costs_and_recharged_share(
    cast: Cast,
) -> None:
    case = case_of(cast.wcc, cast.rbkc, baseline="1200000")
    with system_scope("test data"):
        SavingsSplit.objects.create(business_case=case, partner=cast.wcc, percent=Decimal("50"))
        SavingsSplit.objects.create(business_case=case, partner=cast.rbkc, percent=Decimal("50"))
    fy = year(2026)
    counted = cost(cast.wcc, "300000", datetime.date(2026, 6, 1))
    cost(cast.wcc, "99999", datetime.date(2026, 6, 1), category="hardware")  # not the case's
    cost(cast.rbkc, "77777", datetime.date(2026, 6, 1))  # another council's
    # A year's licence from October: half of it falls in the year.
    cost(
        cast.wcc,
        "36500",
        datetime.date(2026, 10, 1),
        period_start=datetime.date(2026, 10, 1),
        period_end=datetime.date(2027, 9, 30),
    )
    approved_share(cast.wcc, datetime.date(2026, 7, 1), datetime.date(2026, 7, 31), "50000")
    approved_share(
        cast.wcc, datetime.date(2026, 7, 1), datetime.date(2026, 7, 31), "8000", shared=False
    )
    with system_scope("test"):
        case.categories = "staff,contract"
        case.save()
    saving = services.measure_saving(case, cast.wcc, fy, as_of=datetime.date(2027, 5, 1))
    assert saving is not None
    assert saving.baseline_share == Decimal("600000.00")
    licence = (Decimal("36500") * 182 / 365).quantize(Decimal("0.01"))
    assert saving.own_costs == Decimal("300000") + licence
    assert saving.recharged_costs == Decimal("50000.00")
    assert saving.cashable == Decimal("600000") - Decimal("300000") - licence - Decimal("50000")
    assert saving.cost_line_count == 2
    assert saving.measured_to == fy.ends_on
    assert "600,000.00" in saving.evidence
    assert counted.pk in set(services.evidence_cost_lines(saving).values_list("pk", flat=True))
    assert len(services.evidence_statements(saving)) == 1
    # Measuring again updates the one measured row.
    services.measure_saving(case, cast.wcc, fy, as_of=datetime.date(2027, 5, 1))
    with system_scope("test"):
        assert RealisedSaving.objects.filter(business_case=case, partner=cast.wcc).count() == 1


def test_a_year_in_progress_is_measured_to_its_last_whole_month(cast: Cast) -> None:
    case = case_of(cast.wcc, baseline="365000")
    with system_scope("test data"):
        SavingsSplit.objects.create(business_case=case, partner=cast.wcc, percent=Decimal("100"))
    fy = year(2026)
    cost(cast.wcc, "1000", datetime.date(2026, 5, 31))
    cost(cast.wcc, "5000", datetime.date(2026, 6, 10))  # after the last whole month
    saving = services.measure_saving(case, cast.wcc, fy, as_of=datetime.date(2026, 6, 15))
    assert saving is not None
    assert saving.measured_to == datetime.date(2026, 5, 31)
    assert saving.baseline_share == Decimal("61000.00")  # 61 days of 365,000 a year
    assert saving.own_costs == Decimal("1000.00")
    assert services.measure_saving(case, cast.wcc, fy, as_of=datetime.date(2026, 4, 20)) is None


def test_no_share_no_measure(cast: Cast) -> None:
    case = case_of(cast.wcc)
    assert services.measure_saving(case, cast.wcc, year(2026), datetime.date(2027, 5, 1)) is None


def test_splits_never_add_up_to_more_than_100(cast: Cast) -> None:
    case = case_of(cast.wcc, cast.rbkc)
    with system_scope("test data"):
        SavingsSplit.objects.create(business_case=case, partner=cast.wcc, percent=Decimal("70"))
        over = SavingsSplit(business_case=case, partner=cast.rbkc, percent=Decimal("40"))
        with pytest.raises(ValidationError) as refused:
            over.full_clean()
    assert "more than 100%" in str(refused.value.message_dict["percent"])
    assert not services.split_is_complete(case)
    with pytest.raises(ValidationError):
        services.set_splits(case, {cast.wcc: Decimal("60"), cast.rbkc: Decimal("30")})
    with system_scope("test"):
        services.set_splits(case, {cast.wcc: Decimal("30"), cast.rbkc: Decimal("70")})
    assert services.split_is_complete(case)


def test_target_against_realised_shows_a_council_its_own_figures_only(cast: Cast) -> None:
    case = case_of(cast.wcc, cast.rbkc)
    fy = year(2026)
    with system_scope("test data"):
        services.set_splits(case, {cast.wcc: Decimal("40"), cast.rbkc: Decimal("60")})
        SavingsTarget.objects.create(business_case=case, year=fy, cashable=Decimal("1000000"))
        for partner, amount in ((cast.wcc, "300000"), (cast.rbkc, "700000")):
            RealisedSaving.objects.create(
                business_case=case,
                partner=partner,
                year=fy,
                basis="entered",
                cashable=Decimal(amount),
                non_cashable=Decimal("5"),
                evidence="Committee report",
            )
    [row] = services.target_against_realised(cast.wcc_lead, case)
    assert [c.partner for c in row.councils] == [cast.wcc]
    wcc = row.councils[0]
    assert wcc.target_cashable == Decimal("400000.00")
    assert wcc.realised_cashable == Decimal("300000")
    assert wcc.gap == Decimal("-100000.00")
    [every] = services.target_against_realised(cast.finance, case)
    assert {c.partner for c in every.councils} == {cast.wcc, cast.rbkc}
    assert every.realised_cashable == Decimal("1000000")


def test_the_savings_page_draws_and_hides_another_councils_figures(
    cast: Cast, client_for: Any
) -> None:
    case = case_of(cast.wcc, cast.rbkc)
    fy = year(2026)
    with system_scope("test data"):
        services.set_splits(case, {cast.wcc: Decimal("40"), cast.rbkc: Decimal("60")})
        SavingsTarget.objects.create(business_case=case, year=fy, cashable=Decimal("1000000"))
        mine = RealisedSaving.objects.create(
            business_case=case, partner=cast.wcc, year=fy, cashable=Decimal("123456"), evidence="x"
        )
        RealisedSaving.objects.create(
            business_case=case, partner=cast.rbkc, year=fy, cashable=Decimal("654321"), evidence="y"
        )
    url = f"/business-cases/{case.pk}/savings/"
    page = client_for(cast.wcc_lead).get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "123,456.00" in text and mine.get_absolute_url() in text
    assert "654,321" not in text and "Kensington" not in text
    assert "654,321.00" in client_for(cast.finance).get(url).content.decode()
    other = case_of(cast.rbkc, reference="BC-RBKC-ONLY")
    assert client_for(cast.wcc_lead).get(f"/business-cases/{other.pk}/savings/").status_code == 404


def test_home_need_a_case_whose_split_is_short(cast: Cast) -> None:
    from finance.savings_views import home_needs

    case = case_of(cast.wcc, cast.rbkc)
    with system_scope("test data"):
        SavingsSplit.objects.create(business_case=case, partner=cast.wcc, percent=Decimal("60"))
    [need] = home_needs(cast.finance)
    assert need.count == 1 and "100%" in need.label
    assert home_needs(cast.wcc_lead) == []
    with system_scope("test data"):
        SavingsSplit.objects.create(business_case=case, partner=cast.rbkc, percent=Decimal("40"))
    assert home_needs(cast.finance) == []


def test_measuring_from_the_page(cast: Cast, client_for: Any) -> None:
    case = case_of(cast.wcc, cast.rbkc)
    fy = year(2026)
    with system_scope("test data"):
        services.set_splits(case, {cast.wcc: Decimal("40"), cast.rbkc: Decimal("60")})
    cost(cast.wcc, "1000", datetime.date(2026, 5, 1))
    url = f"/business-cases/{case.pk}/savings/"
    lead = client_for(cast.wcc_lead)
    assert "Measure savings" in lead.get(url).content.decode()
    refused = lead.post(url, {"year": "nope"})
    assert refused.status_code == 400 and "Error: " in refused.content.decode()
    assert lead.post(url, {"year": fy.pk}).status_code == 302
    with system_scope("test"):
        measured = RealisedSaving.objects.filter(business_case=case, basis="measured")
        # The council's lead measures their own council only.
        assert [m.partner for m in measured] == [cast.wcc]
        assert measured[0].own_costs == Decimal("1000.00")
    client_for(cast.finance).post(url, {"year": fy.pk})
    with system_scope("test"):
        assert RealisedSaving.objects.filter(business_case=case, basis="measured").count() == 2
    assert client_for(cast.wcc_auditor).post(url, {"year": fy.pk}).status_code == 403
    assert "Measure savings" not in client_for(cast.wcc_auditor).get(url).content.decode()


def test_the_monthly_job_measures_approved_cases_and_logs_only_a_change(cast: Cast) -> None:
    from core.models import ChangeRecord
    from finance.jobs import measure_savings_now
    from finance.models.savings import CaseStatus

    case = case_of(cast.wcc, baseline="365000")
    draft = case_of(cast.wcc, reference="BC-DRAFT", baseline="1000")
    with system_scope("test data"):
        SavingsSplit.objects.create(business_case=case, partner=cast.wcc, percent=Decimal("100"))
        SavingsSplit.objects.create(business_case=draft, partner=cast.wcc, percent=Decimal("100"))
        case.status = CaseStatus.APPROVED
        case.save()
        draft.status = CaseStatus.DRAFT
        draft.save()
    year(2025)
    year(2026)
    cost(cast.wcc, "1000", datetime.date(2026, 5, 31))
    with system_scope("the job"):
        done = measure_savings_now(datetime.date(2026, 6, 15))
    assert done["measured"] == 2  # this year's and last year's, of the approved case only
    measured = RealisedSaving.objects.unscoped("test").filter(basis="measured")
    assert {m.business_case_id for m in measured} == {case.pk}
    this_year = measured.get(year__name="2026/27")
    assert this_year.own_costs == Decimal("1000.00")

    logged = ChangeRecord.objects.unscoped("test").count()
    with system_scope("the job"):
        measure_savings_now(datetime.date(2026, 6, 15))
    assert ChangeRecord.objects.unscoped("test").count() == logged  # nothing changed
    cost(cast.wcc, "250", datetime.date(2026, 5, 1))
    logged = ChangeRecord.objects.unscoped("test").count()
    with system_scope("the job"):
        measure_savings_now(datetime.date(2026, 6, 15))
    this_year.refresh_from_db()
    assert this_year.own_costs == Decimal("1250.00")
    assert ChangeRecord.objects.unscoped("test").count() > logged
