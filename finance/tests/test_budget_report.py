"""Budget against actual (finance.budget_report): per council and cost centre, the budget,
own costs, recharged share booked through ledger codes, the run-rate forecast and variance;
its page (filters, downloads, chart data), its API, and who sees what."""

from __future__ import annotations

import csv
import datetime
import io
import json
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from core.services import set_audience
from core.tenancy.scoping import system_scope
from core.testing.cast import Cast
from finance.budget_report import UNBOOKED, budget_report
from finance.models.ledger import Budget, CostCentre, CostLine, LedgerCode
from finance.models.recharges import RechargeLine, RechargeRun, RechargeStatement
from finance.tests.savings_factories import year

pytestmark = pytest.mark.django_db


def centre(partner: Any, code: str = "400") -> CostCentre:
    with system_scope("test data"):
        found, _ = CostCentre.objects.get_or_create(
            partner=partner, code=code, defaults={"name": f"Centre {code}"}
        )
        return found


def books(cast: Cast) -> Any:
    """wcc: budget 120,000 on 400; 30,000 of own costs and a 6,000 recharged share (booked to
    400 by its ledger code) in April to June 2026; a 1,000 share of a category with no ledger
    code; rbkc: its own budget and costs."""
    fy = year(2026)
    wcc400 = centre(cast.wcc)
    rbkc400 = centre(cast.rbkc)
    with system_scope("test data"):
        Budget.objects.create(
            partner=cast.wcc, year=fy, cost_centre=wcc400, amount=Decimal("120000")
        )
        Budget.objects.create(
            partner=cast.rbkc, year=fy, cost_centre=rbkc400, amount=Decimal("50000")
        )
        LedgerCode.objects.create(
            partner=cast.wcc,
            category="staff",
            spend_type="revenue",
            cost_centre=wcc400,
            account_code="4510",
        )
        for partner, cc, amount, on in (
            (cast.wcc, wcc400, "10000", datetime.date(2026, 4, 10)),
            (cast.wcc, wcc400, "20000", datetime.date(2026, 6, 30)),
            (cast.wcc, wcc400, "99999", datetime.date(2026, 7, 2)),  # after the last whole month
            (cast.rbkc, rbkc400, "7777", datetime.date(2026, 5, 1)),
        ):
            line = CostLine.objects.create(
                description="Costs",
                amount=Decimal(amount),
                incurred_on=on,
                category="staff",
                spend_type="revenue",
                cost_centre=cc,
            )
            set_audience(line, [partner])
        run = RechargeRun.objects.create(
            period_start=datetime.date(2026, 5, 1),
            period_end=datetime.date(2026, 5, 31),
            status="approved",
        )
        statement = RechargeStatement.objects.create(run=run, partner=cast.wcc)
        for category, amount in (("staff", "6000"), ("licence", "1000")):
            RechargeLine.objects.create(
                statement=statement,
                category=category,
                spend_type="revenue",
                shared=True,
                cost_total=Decimal(amount) * 3,
                amount=Decimal(amount),
            )
        draft = RechargeRun.objects.create(
            period_start=datetime.date(2026, 6, 1), period_end=datetime.date(2026, 6, 30)
        )
        other = RechargeStatement.objects.create(run=draft, partner=cast.wcc)
        RechargeLine.objects.create(
            statement=other,
            category="staff",
            spend_type="revenue",
            shared=True,
            cost_total=Decimal("900"),
            amount=Decimal("300"),
        )
    return fy


def test_budget_actual_forecast_and_variance(cast: Cast) -> None:
    fy = books(cast)
    report = budget_report(cast.finance, fy, as_of=datetime.date(2026, 7, 15))
    assert report.counted_to == datetime.date(2026, 6, 30)
    assert report.months_counted == 3
    wcc, rbkc = report.councils
    assert wcc.partner == cast.wcc and rbkc.partner == cast.rbkc
    row, unbooked = wcc.rows
    assert row.cost_centre.code == "400"
    assert row.budget == Decimal("120000")
    assert row.own == Decimal("30000.00")
    assert row.recharged == Decimal("6000.00")  # approved runs only
    assert row.actual == Decimal("36000.00")
    assert row.forecast == Decimal("144000.00")  # 12,000 a month for 12 months
    assert row.variance == Decimal("-24000.00")
    assert unbooked.label == UNBOOKED and unbooked.recharged == Decimal("1000.00")
    assert wcc.actual == Decimal("37000.00")
    assert rbkc.rows[0].own == Decimal("7777.00")


def test_no_forecast_before_a_whole_month_and_actual_once_the_year_is_over(cast: Cast) -> None:
    fy = books(cast)
    early = budget_report(cast.finance, fy, as_of=datetime.date(2026, 4, 20))
    assert early.counted_to is None and early.councils[0].rows[0].forecast is None
    late = budget_report(cast.finance, fy, as_of=datetime.date(2027, 6, 1))
    row = late.councils[0].rows[0]
    assert row.forecast == row.actual == Decimal("129999.00") + Decimal("6000")


def test_a_councils_finance_officer_sees_their_council_only(cast: Cast) -> None:
    fy = books(cast)
    report = budget_report(cast.wcc_lead, fy, as_of=datetime.date(2026, 7, 15))
    assert [c.partner for c in report.councils] == [cast.wcc]
    report = budget_report(cast.rbkc_lead, fy, as_of=datetime.date(2026, 7, 15))
    assert [c.partner for c in report.councils] == [cast.rbkc]
    assert report.councils[0].recharged == Decimal("0")


@time_machine.travel(datetime.datetime(2026, 7, 15, 12, tzinfo=datetime.UTC))
def test_the_page_its_downloads_and_chart_data(cast: Cast, client_for: Any) -> None:
    fy = books(cast)
    client = client_for(cast.wcc_lead)
    page = client.get("/finance/budget/", {"year": fy.pk})
    assert page.status_code == 200
    text = page.content.decode()
    assert "<caption" in text and "City of Westminster" in text
    assert "Kensington" not in text.split("<main")[1].split('id="council"')[0]
    assert "144,000.00" in text and 'type="application/json"' in text
    data = json.loads(
        text.split('id="budget-chart-data" type="application/json">')[1].split("</script>")[0]
    )
    assert data["labels"] == ["City of Westminster"]
    assert data["series"][0]["values"] == [120000.0]
    download = client.get("/finance/budget/", {"year": fy.pk, "format": "csv"})
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert rows[0][0] == "Council" and rows[1][:3] == [
        "City of Westminster",
        "400 Centre 400",
        "120000.00",
    ]
    xlsx = client.get("/finance/budget/", {"year": fy.pk, "format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    bad = client.get("/finance/budget/", {"year": "999999"})
    assert bad.status_code == 400 and "Error: " in bad.content.decode()
    assert client_for(cast.wcc_staff).get("/finance/budget/").status_code == 403


@time_machine.travel(datetime.datetime(2026, 7, 15, 12, tzinfo=datetime.UTC))
def test_the_api(cast: Cast, client_for: Any) -> None:
    fy = books(cast)
    api = client_for(cast.finance)
    answer = api.get("/api/v1/budget-report/", {"year": fy.name})
    assert answer.status_code == 200
    body = answer.json()
    by_name = sorted((cast.wcc, cast.rbkc), key=lambda p: p.name)
    assert [c["council"] for c in body["councils"]] == [p.code for p in by_name]
    wcc = next(c for c in body["councils"] if c["council"] == cast.wcc.code)
    assert wcc["cost_centres"][0]["forecast"] == "144000.00"
    only = api.get("/api/v1/budget-report/", {"year": fy.name, "council": cast.rbkc.code}).json()
    assert [c["council"] for c in only["councils"]] == [cast.rbkc.code]
    mine = client_for(cast.wcc_lead).get("/api/v1/budget-report/", {"year": fy.name}).json()
    assert [c["council"] for c in mine["councils"]] == [cast.wcc.code]
    nul = api.get("/api/v1/budget-report/", {"year": "2026\x00", "council": "w\x00"})
    assert nul.status_code == 400
    assert "year" in nul.content.decode()
    bad = api.get("/api/v1/budget-report/", {"year": "1999/00"})
    assert bad.status_code == 400
    assert [e["field"] for e in bad.json()["errors"]] == ["year"]
    outsider = client_for(cast.wcc_lead).get(
        "/api/v1/budget-report/", {"year": fy.name, "council": cast.rbkc.code}
    )
    assert outsider.status_code == 400
    assert [e["field"] for e in outsider.json()["errors"]] == ["council"]


@time_machine.travel(datetime.datetime(2026, 7, 15, 12, tzinfo=datetime.UTC))
def test_the_headers_councils_shown_narrows_the_page(cast: Cast, client_for: Any) -> None:
    fy = books(cast)
    client = client_for(cast.finance)
    client.post("/partner-filter/", {"partner": cast.rbkc.code, "next": "/finance/budget/"})
    text = client.get("/finance/budget/", {"year": fy.pk}).content.decode()
    main = text.split("<main")[1]
    assert "<caption" in main and "7,777.00" in main and "144,000.00" not in main
    clash = client.get("/finance/budget/", {"year": fy.pk, "council": cast.wcc.pk})
    main = clash.content.decode().split("<main")[1]
    assert "nothing matches" in main and "144,000.00" not in main


def test_adjustments_an_approved_statement_carried_are_part_of_the_recharged_share(
    cast: Cast,
) -> None:
    fy = books(cast)
    with system_scope("test data"):
        statement = RechargeStatement.objects.get(run__status="approved", partner=cast.wcc)
        statement.adjustments = Decimal("-250.00")  # a correction of an earlier period
        statement.save()
    report = budget_report(cast.finance, fy, as_of=datetime.date(2026, 7, 15))
    wcc = report.councils[0]
    unbooked = wcc.rows[-1]
    assert unbooked.label == UNBOOKED and unbooked.recharged == Decimal("750.00")
    assert wcc.actual == Decimal("36750.00")
    # A council reads its own statement's adjustments only.
    rbkc = budget_report(cast.rbkc_lead, fy, as_of=datetime.date(2026, 7, 15))
    assert all(row.recharged == 0 for c in rbkc.councils for row in c.rows)
