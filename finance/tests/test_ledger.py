"""The ledger's own rules (finance.services, the cost line import, finance.drivers), through
services, pages and the API: financial years, budget revisions, one rule per category in
force, which rule splits a cost, who bears a cost, locked periods, the cost line import, the
measured driver figures and the minutes spent on tickets they read."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import Workbook

from core.importing import import_records
from core.tenancy.scoping import system_scope
from core.testing.families import content_of
from core.testing.families.base import change_records
from finance import drivers, services
from finance.choices import ApportionmentMethod, CostCategory, Driver, FigureSource
from finance.ledger_jobs import measure_last_month
from finance.models.ledger import (
    ApportionmentRule,
    BudgetRevision,
    CostLine,
    DriverFigure,
    FinancialYear,
)
from finance.models.savings import BusinessCase
from finance.tests.factories import budget, cost_centre, cost_line, financial_year, rule
from servicedesk import services as desk
from servicedesk.models import TicketComment

pytestmark = pytest.mark.django_db


# Financial years -------------------------------------------------------------------------------


def test_a_financial_year_runs_april_to_march() -> None:
    year = financial_year(2026)
    assert (year.name, year.starts_on, year.ends_on) == (
        "2026/27",
        datetime.date(2026, 4, 1),
        datetime.date(2027, 3, 31),
    )
    with system_scope("test"):
        assert FinancialYear.for_date(datetime.date(2027, 2, 1)) == year
        assert FinancialYear.year_of(datetime.date(2026, 3, 31)).name == "2025/26"
    assert len(year.months()) == 12 and year.months()[-1] == datetime.date(2027, 3, 1)


def test_financial_years_never_overlap() -> None:
    financial_year(2026)
    with system_scope("test"), pytest.raises(ValidationError) as refused:
        FinancialYear(
            name="Odd", starts_on=datetime.date(2026, 10, 1), ends_on=datetime.date(2027, 9, 30)
        ).full_clean()
    assert "overlap the financial year 2026/27" in str(refused.value)


# Budgets ----------------------------------------------------------------------------------------


def test_revise_budget_keeps_every_figure(cast: Any) -> None:
    made = budget(cast.wcc, "100000")
    with system_scope("test"):
        services.revise_budget(made, Decimal("110000"), "Growth", datetime.date(2026, 6, 1))
        made.refresh_from_db()
        assert made.amount == Decimal("110000")
        assert [(r.amount, r.reason) for r in services.budget_revisions(made)] == [
            (Decimal("100000"), "Original budget"),
            (Decimal("110000"), "Growth"),
        ]
        with pytest.raises(ValidationError):
            services.revise_budget(made, Decimal("-1"), "Cut")


def test_a_budget_made_on_its_page_keeps_its_original_figure(cast: Any, client_for: Any) -> None:
    year, centre = financial_year(2026), cost_centre(cast.wcc)
    response = client_for(cast.wcc_lead).post(
        "/budgets/new/",
        {
            "partner": cast.wcc.pk,
            "year": year.pk,
            "cost_centre": centre.pk,
            "spend_type": "revenue",
            "amount": "5000",
            "reason": "",
        },
    )
    assert response.status_code == 302
    with system_scope("test"):
        revision = BudgetRevision.objects.get(budget__cost_centre=centre)
    assert (revision.amount, revision.reason) == (Decimal("5000"), "Original budget")


def test_budgets_imported_keep_their_figures_as_revisions(cast: Any, api_client_for: Any) -> None:
    """An import writes budgets a record at a time (Budget.save), so a new one has its
    original revision and a changed one a revision of the change, like every other way in."""
    financial_year(2026)
    cost_centre(cast.wcc, "400")
    client = api_client_for(cast.wcc_lead)

    def send(amount: str) -> Any:
        text = f"partner,year,cost_centre,spend_type,amount\nwcc,2026/27,400,revenue,{amount}\n"
        upload = io.BytesIO(text.encode())
        upload.name = "budgets.csv"
        return client.post(
            "/api/v1/budgets/import/", {"file": upload, "dry_run": "false"}, format="multipart"
        )

    first = send("1000.00")
    assert first.status_code == 200, first.content
    again = send("1250.00")
    assert again.status_code == 200, again.content
    with system_scope("test"):
        revisions = list(
            BudgetRevision.objects.filter(budget__cost_centre__code="400").order_by("id")
        )
    assert [(r.amount, r.reason) for r in revisions] == [
        (Decimal("1000.00"), "Original budget"),
        (Decimal("1250.00"), "No reason given"),
    ]


def test_a_budget_in_another_councils_cost_centre_is_refused(cast: Any, client_for: Any) -> None:
    response = client_for(cast.manager).post(
        "/budgets/new/",
        {
            "partner": cast.wcc.pk,
            "year": financial_year(2026).pk,
            "cost_centre": cost_centre(cast.rbkc).pk,
            "spend_type": "revenue",
            "amount": "5000",
        },
    )
    assert response.status_code == 200
    assert "Choose a cost centre of the same council" in content_of(response)


# Rules ------------------------------------------------------------------------------------------


def test_one_rule_per_category_in_force() -> None:
    rule("Staff 50/50", category=CostCategory.STAFF, valid_from=datetime.date(2025, 4, 1))
    with system_scope("test"):
        clash = ApportionmentRule(
            name="Staff by tickets",
            method=ApportionmentMethod.DRIVER,
            category=CostCategory.STAFF,
            valid_from=datetime.date(2026, 4, 1),
        )
        with pytest.raises(ValidationError) as refused:
            clash.full_clean()
        assert "Staff 50/50" in str(refused.value)
        earlier = ApportionmentRule.objects.get(name="Staff 50/50")
        earlier.valid_to = datetime.date(2026, 3, 31)
        earlier.save()
        clash.full_clean()  # once the first ends, the second may follow it


def test_rule_for_prefers_the_cost_lines_own_rule(cast: Any) -> None:
    old = rule(
        "Licences old",
        category=CostCategory.LICENCE,
        valid_from=datetime.date(2024, 4, 1),
        valid_to=datetime.date(2026, 3, 31),
    )
    new = rule("Licences new", category=CostCategory.LICENCE, valid_from=datetime.date(2026, 4, 1))
    own = rule("Special")
    line = cost_line([], shared=True, for_all=True, category=CostCategory.LICENCE)
    with system_scope("test"):
        assert services.rule_for(line) == new
        assert services.rule_for(line, datetime.date(2025, 6, 1)) == old
        line.rule = own
        assert services.rule_for(line) == own
        line.is_shared = False
        assert services.rule_for(line) is None


def test_rule_problems_say_what_is_missing(cast: Any) -> None:
    fixed = rule("Half", shares={cast.wcc: "50", cast.rbkc: "40"})
    mix = rule(
        "Mix", method=ApportionmentMethod.MIX, drivers={"devices": "60", "licence_seats": "40"}
    )
    with system_scope("test"):
        assert services.rule_problems(fixed) == [
            "The councils' shares add up to 90.00%: they must make 100%."
        ]
        assert services.rule_problems(mix) == []


def test_a_council_sees_only_its_own_share(cast: Any, api_client_for: Any) -> None:
    made = rule("Staff split", shares={cast.wcc: "50", cast.rbkc: "50"})
    rows = api_client_for(cast.rbkc_lead).get("/api/v1/rule-shares/").json()["results"]
    assert [(r["partner"], r["rule"]) for r in rows] == [("rbkc", made.name)]


# Cost lines: who bears them ----------------------------------------------------------------------


def test_a_cost_one_council_bears_names_one_council(cast: Any, api_client_for: Any) -> None:
    client = api_client_for(cast.manager)
    data: dict[str, Any] = {
        "description": "Laptops",
        "amount": "900.00",
        "incurred_on": "2026-05-01",
        "category": "hardware",
        "councils": ["wcc", "rbkc"],
    }
    answer = client.post("/api/v1/cost-lines/", data, format="json")
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["field"] == "councils"
    data["councils"] = ["wcc"]
    data["cost_centre"] = cost_centre(cast.rbkc).code
    answer = client.post("/api/v1/cost-lines/", data, format="json")
    assert answer.status_code == 400, answer.content
    data["cost_centre"] = None
    assert client.post("/api/v1/cost-lines/", data, format="json").status_code == 201


def test_a_shared_cost_is_seen_by_each_council_it_is_for(cast: Any, client_for: Any) -> None:
    shared = cost_line([], shared=True, for_all=True, description="Data centre, May")
    own = cost_line([cast.wcc], description="Westminster printers")
    text = content_of(client_for(cast.rbkc_lead).get("/cost-lines/"))
    assert shared.description in text and own.description not in text


def test_a_cost_in_a_locked_period_cannot_change(
    cast: Any, client_for: Any, api_client_for: Any, monkeypatch: Any
) -> None:
    line = cost_line([cast.wcc], description="Locked laptops")
    monkeypatch.setattr(services, "period_is_locked", lambda on: on is not None)
    response = client_for(cast.wcc_lead).post(f"/cost-lines/{line.pk}/delete/")
    assert response.status_code == 200
    assert "cannot be deleted" in content_of(response)
    answer = api_client_for(cast.wcc_lead).delete(f"/api/v1/cost-lines/{line.pk}/")
    # The foundation's answer to a refused deletion (ConcordModel.deletion_refused): 409.
    assert answer.status_code == 409, answer.content
    assert "locked" in answer.content.decode().lower()
    answer = api_client_for(cast.wcc_lead).patch(
        f"/api/v1/cost-lines/{line.pk}/", {"description": "Changed"}, format="json"
    )
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["field"] == "incurred_on"
    with system_scope("test"):
        assert CostLine.objects.filter(pk=line.pk, description="Locked laptops").exists()


def test_no_period_is_locked_without_recharge_runs() -> None:
    # On the ledger's branch alone there is no RechargeRun model; with one, an approved run
    # locks its period (finance/tests/test_recharge*.py).
    assert services.period_is_locked(datetime.date(2026, 5, 1)) in (False, True)
    assert services.period_is_locked(None) is False


# The cost line import (the generic import, with its councils column) --------------------------

HEADER = "reference,description,amount,date,category,supplier,is_shared,councils,cost_centre\n"


def _csv(text: str) -> io.BytesIO:
    return io.BytesIO(text.encode("utf-8"))


def _problems(result: Any) -> set[tuple[int, str]]:
    return {(e.row, e.column) for e in result.errors}


def test_import_names_councils_and_cost_centres_by_code(cast: Any) -> None:
    cost_centre(cast.wcc, "400")
    cost_centre(cast.rbkc, "400")
    text = HEADER + (
        "INV-1,Westminster laptops,1200.00,2026-05-01,hardware,,no,wcc,400\n"
        "INV-2,Kensington laptops,800.00,2026-05-02,hardware,,no,RBKC,400\n"
        "INV-3,Data centre,5000.00,2026-05-03,other,,yes,all,\n"
        'INV-4,Joint post,3000.00,2026-05-04,staff,,yes,"wcc, rbkc",\n'
    )
    result = import_records(CostLine, _csv(text), "costs.csv", cast.manager, dry_run=False)
    assert result.ok, result.errors
    assert result.created == 4
    with system_scope("test"):
        wcc_line = CostLine.objects.get(reference="INV-1")
        assert wcc_line.cost_centre.partner == cast.wcc
        assert [p.code for p in wcc_line.audience()] == ["wcc"]
        assert CostLine.objects.get(reference="INV-2").cost_centre.partner == cast.rbkc
        assert CostLine.objects.get(reference="INV-3").for_all_councils
        assert sorted(p.code for p in CostLine.objects.get(reference="INV-4").audience()) == [
            "rbkc",
            "wcc",
        ]
        # The change log names the importer, for the record and for its councils.
        created = change_records(CostLine, wcc_line.pk, "create")
        councils = change_records(CostLine, wcc_line.pk, "update")
        assert [c.actor for c in created] == [cast.manager]
        assert [c.actor for c in councils] == [cast.manager]


def test_a_cost_centre_code_of_several_councils_needs_the_one_council(cast: Any) -> None:
    cost_centre(cast.wcc, "400")
    cost_centre(cast.rbkc, "400")
    text = HEADER + 'INV-1,Joint laptops,1200.00,2026-05-01,hardware,,no,"wcc,rbkc",400\n'
    result = import_records(CostLine, _csv(text), "costs.csv", cast.manager, dry_run=True)
    assert (2, "cost_centre") in _problems(result)


def test_a_bad_row_names_its_row_and_column_and_nothing_lands(cast: Any) -> None:
    text = HEADER + (
        "INV-1,Fine,1200.00,2026-05-01,hardware,,no,wcc,\n"
        "INV-2,Bad date,800.00,not a date,hardware,,no,wcc,\n"
        "INV-3,Nobody,5.00,2026-05-03,other,,no,xyz,\n"
        "INV-4,No such supplier,5.00,2026-05-03,other,Acme Nowhere,no,wcc,\n"
        'INV-5,Not shared but two,5.00,2026-05-03,other,,no,"wcc,rbkc",\n'
    )
    result = import_records(CostLine, _csv(text), "costs.csv", cast.manager, dry_run=False)
    found = _problems(result)
    assert {(3, "incurred_on"), (4, "councils"), (5, "supplier"), (6, "councils")} <= found
    assert not any(e.row == 2 for e in result.errors)
    assert result.created == 0
    with system_scope("test"):
        assert not CostLine.objects.exists()


def test_a_council_imports_only_its_own_costs(cast: Any) -> None:
    text = HEADER + "INV-9,Theirs,10.00,2026-05-01,other,,no,rbkc,\n"
    result = import_records(CostLine, _csv(text), "costs.csv", cast.wcc_lead, dry_run=True)
    # rbkc is not a council wcc's lead can name: the same words as a code that does not exist.
    assert [(e.row, e.column) for e in result.errors] == [(2, "councils")]
    assert "no council with code 'rbkc'" in result.errors[0].message
    shared = HEADER + "INV-8,Everyone's,10.00,2026-05-01,other,,yes,all,\n"
    result = import_records(CostLine, _csv(shared), "costs.csv", cast.wcc_lead, dry_run=True)
    assert [(e.row, e.column) for e in result.errors] == [(2, "councils")]
    assert "every council" in result.errors[0].message


def test_a_councils_own_person_leaves_the_councils_empty(cast: Any) -> None:
    cost_centre(cast.wcc, "400")
    cost_centre(cast.rbkc, "400")
    text = (
        "description,amount,date,category,cost_centre\n"
        "Westminster phones,300.00,2026-05-01,hardware,400\n"
    )
    result = import_records(CostLine, _csv(text), "costs.csv", cast.wcc_lead, dry_run=False)
    assert result.ok, result.errors
    with system_scope("test"):
        line = CostLine.objects.get(description="Westminster phones")
        assert [p.code for p in line.audience()] == ["wcc"]
        assert line.cost_centre.partner == cast.wcc
    # The shared service names the councils: the column is needed.
    result = import_records(CostLine, _csv(text), "costs.csv", cast.manager, dry_run=True)
    assert [(e.row, e.column) for e in result.errors] == [(1, "councils")]


def test_import_reads_xlsx_through_the_api(cast: Any, api_client_for: Any) -> None:
    book = Workbook()
    sheet: Any = book.active
    sheet.append(["Description", "Amount (£)", "Date", "Category", "Councils", "Shared cost"])
    sheet.append(["Microsoft EA", 41250.5, datetime.date(2026, 4, 30), "Licence", "all", "yes"])
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "costs.xlsx"
    client = api_client_for(cast.manager)
    answer = client.post(
        "/api/v1/cost-lines/import/", {"file": out, "dry_run": "false"}, format="multipart"
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["created"] == 1
    with system_scope("test"):
        line = CostLine.objects.get()
    assert (line.amount, line.category, line.is_shared) == (Decimal("41250.50"), "licence", True)
    assert line.for_all_councils


def test_the_api_import_names_row_and_field(cast: Any, api_client_for: Any) -> None:
    upload = _csv(HEADER + "INV-1,Bad,x,2026-05-01,hardware,,no,wcc,\n")
    upload.name = "costs.csv"
    answer = api_client_for(cast.wcc_lead).post(
        "/api/v1/cost-lines/import/", {"file": upload, "dry_run": "false"}, format="multipart"
    )
    assert answer.status_code == 400
    assert {"row": 2, "field": "amount"} in [
        {"row": e["row"], "field": e["field"]} for e in answer.json()["errors"]
    ]


def test_the_import_page_lists_problems(
    cast: Any, client_for: Any, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    upload = _csv(HEADER + "INV-1,Bad,x,2026-05-01,hardware,,no,wcc,\n")
    upload.name = "costs.csv"
    client = client_for(cast.wcc_lead)
    page = content_of(client.get("/cost-lines/import/"))
    assert "Councils" in page and "all for every council" in page
    response = client.post("/cost-lines/import/", {"file": upload})
    assert response.status_code == 302, content_of(response)[:2000]
    text = content_of(client.get(response["Location"]))
    assert ">2</td>" in text and ">amount</td>" in text
    assert "Confirm import" not in text
    assert client_for(cast.wcc_staff).get("/cost-lines/import/").status_code == 403


def test_another_audience_model_takes_the_same_councils_column(cast: Any) -> None:
    """Business cases (an AudienceModel too) through the generic import's councils column:
    all from the shared service only, a council's lead for their own council by default, an
    update keeping the councils it does not name."""
    year = financial_year(2026)
    header = "reference,name,baseline_cost,first_year,status,councils\n"
    text = header + (
        f"TB-1,Tri-borough desk,11000000,{year.name},approved,all\n"
        f'TB-2,Joint post,90000,{year.name},draft,"wcc, rbkc"\n'
    )
    result = import_records(BusinessCase, _csv(text), "cases.csv", cast.manager, dry_run=False)
    assert result.ok, result.errors
    with system_scope("test"):
        every = BusinessCase.objects.get(reference="TB-1")
        joint = BusinessCase.objects.get(reference="TB-2")
        assert every.for_all_councils and every.audience() == []
        assert sorted(p.code for p in joint.audience()) == ["rbkc", "wcc"]
        assert [c.actor for c in change_records(BusinessCase, joint.pk, "update")] == [cast.manager]
    refused = header + f"TB-3,Everyone,5,{year.name},draft,all\n"
    result = import_records(BusinessCase, _csv(refused), "c.csv", cast.wcc_lead, dry_run=True)
    assert [(e.row, e.column) for e in result.errors] == [(2, "councils")]
    own = "reference,name,baseline_cost,first_year\n" + f"WCC-1,Own desk,5,{year.name}\n"
    result = import_records(BusinessCase, _csv(own), "c.csv", cast.wcc_lead, dry_run=False)
    assert result.ok, result.errors
    with system_scope("test"):
        mine = BusinessCase.objects.get(reference="WCC-1")
        assert [p.code for p in mine.audience()] == ["wcc"] and not mine.for_all_councils
    # wcc's lead renames the joint case, naming wcc only: rbkc, which they may not write, stays.
    update = (
        "id,reference,name,baseline_cost,first_year,councils\n"
        f"{joint.pk},TB-2,Renamed,90000,{year.name},wcc\n"
    )
    result = import_records(BusinessCase, _csv(update), "c.csv", cast.wcc_lead, dry_run=False)
    assert result.ok, result.errors
    with system_scope("test"):
        joint.refresh_from_db()
        assert joint.name == "Renamed"
        assert sorted(p.code for p in joint.audience()) == ["rbkc", "wcc"]


# Driver figures: an imported figure is entered ---------------------------------------------------


def test_an_imported_figure_that_updates_a_measured_one_is_entered(cast: Any) -> None:
    with system_scope("test"):
        measured = DriverFigure.objects.create(
            partner=cast.wcc,
            driver=Driver.HEADCOUNT,
            period_start=datetime.date(2026, 5, 1),
            period_end=datetime.date(2026, 5, 31),
            value=Decimal("2000"),
            source=FigureSource.MEASURED,
        )
    text = (
        "partner,driver,period_start,period_end,value,note\n"
        "wcc,headcount,2026-05-01,2026-05-31,2150,HR establishment report\n"
        "wcc,tickets,2026-05-01,2026-05-31,40,Service desk report\n"
    )
    result = import_records(DriverFigure, _csv(text), "figures.csv", cast.wcc_lead, dry_run=False)
    assert result.ok, result.errors
    assert (result.created, result.updated) == (1, 1)
    with system_scope("test"):
        measured.refresh_from_db()
        assert (measured.value, measured.source) == (Decimal("2150"), FigureSource.ENTERED)
        added = DriverFigure.objects.get(driver=Driver.TICKETS, partner=cast.wcc)
        assert added.source == FigureSource.ENTERED
        # Measuring again keeps the entered figure: it wins.
        drivers.measure_period(datetime.date(2026, 5, 1), datetime.date(2026, 5, 31))
        measured.refresh_from_db()
        assert (measured.value, measured.source) == (Decimal("2150"), FigureSource.ENTERED)


# Drivers ----------------------------------------------------------------------------------------


def test_measure_period_counts_tickets_and_staff_time(cast: Any) -> None:
    moment = datetime.datetime(2026, 5, 10, 10, 0, tzinfo=datetime.UTC)
    with time_machine.travel(moment), system_scope("test"):
        one = desk.raise_ticket(partner=cast.wcc, requester=cast.wcc_staff, subject="VPN")
        desk.raise_ticket(partner=cast.wcc, requester=cast.wcc_staff, subject="Printer")
        desk.raise_ticket(partner=cast.rbkc, requester=cast.rbkc_staff, subject="Email")
        desk.comment(one, cast.agent, "Looking", minutes_spent=90)
        desk.comment(one, cast.agent, "Fixed the profile", public=False, minutes_spent=30)
    entered = DriverFigure(
        partner=cast.rbkc,
        driver=Driver.TICKETS,
        period_start=datetime.date(2026, 5, 1),
        period_end=datetime.date(2026, 5, 31),
        value=Decimal("7"),
        source=FigureSource.ENTERED,
    )
    with system_scope("test"):
        entered.save()
        written = drivers.measure_period(datetime.date(2026, 5, 1), datetime.date(2026, 5, 31))
        again = drivers.measure_period(datetime.date(2026, 5, 1), datetime.date(2026, 5, 31))
        tickets = drivers.figures(
            Driver.TICKETS,
            [cast.wcc, cast.rbkc],
            datetime.date(2026, 5, 1),
            datetime.date(2026, 5, 31),
        )
        hours = drivers.figures(
            Driver.STAFF_TIME, [cast.wcc], datetime.date(2026, 4, 1), datetime.date(2026, 6, 30)
        )
        lbhf = DriverFigure.objects.filter(partner=cast.lbhf).exists()
    assert written and again == []  # nothing changed: nothing rewritten
    assert tickets == {cast.wcc.pk: Decimal("2"), cast.rbkc.pk: Decimal("7")}  # entered wins
    assert hours == {cast.wcc.pk: Decimal("2.00")}
    assert not lbhf  # left in 2018: not a member in 2026


def test_only_the_shared_service_records_minutes(cast: Any, client_for: Any) -> None:
    with system_scope("test"):
        t = desk.raise_ticket(partner=cast.wcc, requester=cast.wcc_staff, subject="VPN")
        with pytest.raises(ValidationError):
            desk.comment(t, cast.wcc_staff, "Still broken", minutes_spent=10)
    agent = client_for(cast.agent)
    assert 'name="minutes_spent"' in content_of(agent.get(f"/tickets/{t.pk}/"))
    response = agent.post(
        f"/tickets/{t.pk}/reply/", {"body": "Rebuilt it", "public": "false", "minutes_spent": "45"}
    )
    assert response.status_code == 302
    with system_scope("test"):
        assert TicketComment.objects.get(ticket=t).minutes_spent == 45
    assert "time spent: 45 min" in content_of(agent.get(f"/tickets/{t.pk}/"))
    requester_page = content_of(client_for(cast.wcc_staff).get(f"/tickets/{t.pk}/"))
    assert 'name="minutes_spent"' not in requester_page
    assert "time spent" not in requester_page and "Rebuilt it" not in requester_page


def test_the_job_measures_last_month_once(cast: Any) -> None:
    with system_scope("test"):
        first = measure_last_month(datetime.date(2026, 6, 3))
        second = measure_last_month(datetime.date(2026, 6, 20))
    assert first["period"] == "2026-05-01..2026-05-31" and not first["skipped"]
    assert first["written"] == 2 * len(drivers.MEASURED)  # wcc and rbkc, every measured driver
    assert second["skipped"]


# Cost lines from contracts and call-offs ---------------------------------------------------------


def test_cost_lines_come_from_contracts_and_call_offs_once(cast: Any) -> None:
    from contracts.tests.factories import contract
    from contracts.tests.procurement_factories import call_off, framework
    from finance.ledger_jobs import costs_of_last_month

    joint = contract("J-1", {cast.wcc: 55, cast.rbkc: 45}, annual_value=Decimal("120000"))
    contract("R-1", {cast.rbkc: 100}, annual_value=Decimal("6000"))
    contract("OLD-1", {cast.wcc: 100}, annual_value=Decimal("999"), status="expired")
    _fw, lots = framework("DPF", [cast.wcc], ceiling="100000")
    call_off(lots[0], cast.wcc, "WCC-1", "36600", end_date=datetime.date(2025, 3, 31))
    with system_scope("test"):
        first = costs_of_last_month(datetime.date(2024, 6, 10))
        again = costs_of_last_month(datetime.date(2024, 6, 28))
        lines = {line.reference: line for line in CostLine.objects.all()}
    assert first == {"period": "2024-05-01..2024-05-31", "made": 3}
    assert again["made"] == 0
    shared = lines["J-1-2024-05"]
    assert (shared.amount, shared.is_shared, shared.category) == (
        Decimal("10000.00"),
        True,
        CostCategory.CONTRACT,
    )
    assert shared.source == joint
    assert sorted(p.code for p in shared.audience()) == ["rbkc", "wcc"]
    own = lines["R-1-2024-05"]
    assert (own.amount, own.is_shared) == (Decimal("500.00"), False)
    spread = lines["WCC-1-2024-05"]  # 36,600 over 365 days, 31 of them in May
    assert (spread.amount, spread.category) == (Decimal("3108.49"), CostCategory.CALL_OFF)
    assert [p.code for p in spread.audience()] == ["wcc"]


def test_cost_lines_come_from_licence_agreements_over_their_term(cast: Any) -> None:
    from contracts.models import Supplier
    from finance.ledger_jobs import costs_of_last_month
    from licences.tests.factories import agreement

    with system_scope("test"):
        Supplier.objects.create(name="Quillsoft Ltd")
    # 100 seats at £36.60 a year: £3,660 over the 365 days from April 2024, 31 of them in May.
    joint = agreement(
        "EA-1",
        {cast.wcc: 60, cast.rbkc: 40},
        quantity=100,
        unit_cost="36.60",
        ends_on=datetime.date(2025, 3, 31),
        supplier="quillsoft ltd",
    )
    # Renewing each April with no end date: its term runs to the day before it renews.
    agreement(
        "R-SUB",
        {cast.rbkc: 100},
        quantity=1,
        unit_cost="3650.00",
        starts_on=datetime.date(2024, 4, 1),
        renewal_on=datetime.date(2025, 4, 1),
    )
    agreement("NO-TERM", {cast.wcc: 100}, unit_cost="10.00")  # nothing to spread it over
    agreement("LATER", {cast.wcc: 100}, starts_on=datetime.date(2024, 7, 1))
    with system_scope("test"):
        first = costs_of_last_month(datetime.date(2024, 6, 10))
        again = costs_of_last_month(datetime.date(2024, 6, 28))
        lines = {line.reference: line for line in CostLine.objects.all()}
    assert (first["made"], again["made"]) == (2, 0)
    assert sorted(lines) == ["EA-1-2024-05", "R-SUB-2024-05"]
    shared = lines["EA-1-2024-05"]
    assert (shared.amount, shared.is_shared, shared.category) == (
        Decimal("310.85"),
        True,
        CostCategory.LICENCE,
    )
    assert shared.source == joint
    assert shared.supplier is not None and shared.supplier.name == "Quillsoft Ltd"
    assert sorted(p.code for p in shared.audience()) == ["rbkc", "wcc"]
    own = lines["R-SUB-2024-05"]  # £3,650 over 365 days, 31 in May
    assert (own.amount, own.is_shared, own.supplier) == (Decimal("310.00"), False, None)
    assert [p.code for p in own.audience()] == ["rbkc"]


def test_a_cost_links_its_source_only_for_those_who_see_it(cast: Any, client_for: Any) -> None:
    from django.contrib.contenttypes.models import ContentType

    from contracts.tests.factories import contract

    theirs = contract("WCC-ONLY-1", {cast.wcc: 100}, title="Westminster secret network")
    line = cost_line(
        [],
        shared=True,
        for_all=True,
        description="Network share",
        source_type=ContentType.objects.get_for_model(theirs),
        source_id=theirs.pk,
    )
    link = f'href="/contracts/{theirs.pk}/"'
    page = content_of(client_for(cast.wcc_lead).get(f"/cost-lines/{line.pk}/"))
    assert "WCC-ONLY-1" in page and link in page
    page = content_of(client_for(cast.rbkc_lead).get(f"/cost-lines/{line.pk}/"))
    assert "Network share" in page and "WCC-ONLY-1" not in page and link not in page


def test_the_api_names_a_source_only_to_those_who_see_it(cast: Any, api_client_for: Any) -> None:
    from django.contrib.contenttypes.models import ContentType

    from contracts.tests.factories import contract

    theirs = contract("WCC-ONLY-2", {cast.wcc: 100})
    cost_line(
        [],
        shared=True,
        for_all=True,
        source_type=ContentType.objects.get_for_model(theirs),
        source_id=theirs.pk,
    )
    url = "/api/v1/cost-lines/"
    mine = api_client_for(cast.wcc_lead).get(url).json()["results"]
    assert [row["source"] for row in mine] == [f"contracts.contract:{theirs.pk}"]
    other = api_client_for(cast.rbkc_lead).get(url).json()["results"]
    assert [row["source"] for row in other] == [None]


def test_a_budget_revision_is_kept_as_it_was(
    cast: Any, client_for: Any, api_client_for: Any
) -> None:
    """Its figure and day cannot be changed and it cannot be deleted, on the pages or through
    the API (its reason's words can be put right); it goes only with its budget."""
    made = budget(cast.wcc, "1000", code="KR-1")
    with system_scope("test data"):
        first = BudgetRevision.objects.filter(budget=made).get()
        first.amount = Decimal("5")
        with pytest.raises(ValidationError) as refused:
            first.full_clean()
        assert "amount" in refused.value.message_dict
        first.refresh_from_db()
        first.reason = "Original budget, as agreed at Cabinet"
        first.full_clean()
        first.save()

    page = client_for(cast.wcc_lead).post(reverse("finance:budgetrevision_delete", args=[first.pk]))
    assert page.status_code == 200
    assert "cannot be deleted" in page.content.decode()
    api = api_client_for(cast.wcc_lead)
    gone = api.delete(reverse("api:budgetrevision-detail", args=[first.pk]))
    assert gone.status_code == 409
    assert "kept as they were" in gone.json()["errors"][0]["message"]
    changed = api.patch(
        reverse("api:budgetrevision-detail", args=[first.pk]), {"amount": "7.00"}, format="json"
    )
    assert changed.status_code == 400
    assert changed.json()["errors"][0]["field"] == "amount"
    assert BudgetRevision.objects.unscoped("test").get(pk=first.pk).amount == Decimal("1000")


def test_the_import_api_answers_in_the_shape_of_every_import(
    cast: Any, api_client_for: Any
) -> None:
    """A file that is no CSV or workbook, a bad row and no file at all: each a 400 in core's
    import shape (status, errors naming field and row), as the schema says."""
    client = api_client_for(cast.manager)
    picture = io.BytesIO(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    picture.name = "file.png"
    answer = client.post("/api/v1/cost-lines/import/", {"file": picture}, format="multipart")
    assert answer.status_code == 400
    body = answer.json()
    assert body["status"] == 400 and body["created"] == 0 and body["dry_run"] is True
    assert body["errors"][0]["row"] == 0 and body["errors"][0]["message"]
    assert set(body["errors"][0]) == {"field", "row", "code", "message"}
    bad = io.BytesIO(b"Description,Amount,Date,Category,Councils\nLaptops,x,2026-05-01,,wcc\n")
    bad.name = "costs.csv"
    answer = client.post("/api/v1/cost-lines/import/", {"file": bad}, format="multipart")
    assert answer.status_code == 400
    assert answer.json()["total_rows"] == 1
    assert any(e["row"] == 2 and e["field"] for e in answer.json()["errors"])
    empty = client.post("/api/v1/cost-lines/import/", {}, format="multipart")
    assert empty.status_code == 400
    assert empty.json()["errors"][0]["field"] == "file"
