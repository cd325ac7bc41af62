"""The portfolio's rules: dependencies refuse self and cycles naming the field, a report's
overall RAG is the worst of its four and one a month, links show only records the reader
sees, a project's spend and benefits come from what the reader sees, the roadmap (table by
quarter, council filter, scoping), the milestones' calendar feed and the home page's needs."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from contracts.tests.factories import contract
from core.services import set_audience
from core.tenancy.scoping import system_scope
from finance.models import CostLine
from portfolio import services
from portfolio.models import Milestone, ProjectDependency, ProjectLink, ProjectReport, Risk
from portfolio.tests.factories import programme, project

pytestmark = pytest.mark.django_db

D = datetime.date


def cost(reference: str, amount: str, councils: list[Any]) -> CostLine:
    with system_scope("test data"):
        line = CostLine.objects.create(
            reference=reference,
            description=f"Invoice {reference}",
            amount=Decimal(amount),
            incurred_on=D(2026, 5, 31),
            category="hardware",
        )
        set_audience(line, councils)
    return line


def link(proj: Any, **target: Any) -> ProjectLink:
    with system_scope("test data"):
        return ProjectLink.objects.create(project=proj, **target)


# Dependencies -----------------------------------------------------------------------------


def test_a_project_cannot_depend_on_itself_or_close_a_circle(cast, client_for, api_client_for):
    a = project("DEP-A", {cast.wcc: 100})
    b = project("DEP-B", {cast.wcc: 100})
    c = project("DEP-C", {cast.wcc: 100})
    with system_scope("test data"):
        ProjectDependency.objects.create(project=a, depends_on=b)
        ProjectDependency.objects.create(project=b, depends_on=c)
    assert services.dependency_problem(a.pk, a.pk).startswith("A project cannot depend on itself")
    assert "circle" in services.dependency_problem(c.pk, a.pk)
    assert services.dependency_problem(a.pk, c.pk) == ""

    page = client_for(cast.wcc_lead).post(
        reverse("portfolio:projectdependency_create"),
        {"project": c.pk, "depends_on": a.pk, "note": ""},
    )
    assert page.status_code == 200
    body = page.content.decode()
    assert "Error:" in body and "a dependency cannot go round in a circle" in body

    api = api_client_for(cast.wcc_lead).post(
        "/api/v1/project-dependencies/",
        {"project": "DEP-C", "depends_on": "DEP-C"},
        format="json",
    )
    assert api.status_code == 400
    assert [e["field"] for e in api.json()["errors"]] == ["depends_on"]
    with system_scope("test"):
        assert ProjectDependency.objects.count() == 2


def test_a_dependency_on_another_council_s_project_is_not_seen(cast, client_for):
    mine = project("DEP-W", {cast.wcc: 100})
    theirs = project("DEP-R", {cast.rbkc: 100})
    with system_scope("test data"):
        ProjectDependency.objects.create(project=mine, depends_on=theirs, note="Secret wait")
    page = client_for(cast.wcc_lead).get(mine.get_absolute_url()).content.decode()
    assert "DEP-R" not in page and "Secret wait" not in page


# Reports ----------------------------------------------------------------------------------


def test_a_report_s_overall_is_the_worst_of_its_four_and_one_a_month(cast, client_for):
    proj = project("REP-1", {cast.wcc: 100})
    with system_scope("test data"):
        report = ProjectReport.objects.create(
            project=proj,
            period=D(2026, 4, 1),
            rag_scope="green",
            rag_time="amber",
            rag_cost="green",
            rag_risk="green",
            narrative="Late",
        )
        assert report.overall == "amber"
        report.rag_cost = "red"
        report.save()
        report.refresh_from_db()
        assert report.overall == "red"
    client = client_for(cast.wcc_lead)
    form = {
        "project": proj.pk,
        "period": "2026-04-01",
        "rag_scope": "green",
        "rag_time": "green",
        "rag_cost": "green",
        "rag_risk": "green",
        "narrative": "Again",
    }
    again = client.post(reverse("portfolio:projectreport_create"), form).content.decode()
    assert "This project already has a report for this month" in again
    mid = client.post(
        reverse("portfolio:projectreport_create"), {**form, "period": "2026-05-15"}
    ).content.decode()
    assert "Enter the month&#x27;s first day, like 2026-04-01" in mid


def test_the_project_page_shows_rag_history_as_words_and_colours(cast, client_for):
    proj = project("REP-2", {cast.wcc: 100})
    with system_scope("test data"):
        for month, rag in ((4, "green"), (5, "red")):
            ProjectReport.objects.create(
                project=proj,
                period=D(2026, month, 1),
                rag_scope=rag,
                rag_time="green",
                rag_cost="green",
                rag_risk="green",
                narrative="Month",
            )
    page = client_for(cast.wcc_auditor).get(proj.get_absolute_url()).content.decode()
    table = page[page.index('id="rag-table"') :]
    assert table.index("May 2026") < table.index("April 2026")
    assert '<strong class="govuk-tag govuk-tag--red">Red</strong>' in table
    assert '<strong class="govuk-tag govuk-tag--green">Green</strong>' in table


# Links and money --------------------------------------------------------------------------


def test_spend_counts_only_the_linked_costs_the_reader_sees(cast, client_for):
    proj = project("MON-1", {cast.wcc: 50, cast.rbkc: 50}, budget=Decimal("1000.00"))
    link(proj, cost_line=cost("INV-W", "600.00", [cast.wcc]))
    link(proj, cost_line=cost("INV-R", "700.00", [cast.rbkc]))
    cost("INV-UNLINKED", "9999.00", [cast.wcc])
    assert services.project_spend(cast.manager, proj) == (Decimal("1300.00"), 2)
    assert services.project_spend(cast.wcc_lead, proj) == (Decimal("600.00"), 1)
    assert services.project_money(cast.manager, proj).over_budget
    assert services.project_money(cast.manager, proj).overspend == Decimal("300.00")
    page = client_for(cast.wcc_lead).get(proj.get_absolute_url()).content.decode()
    assert "£600.00 from 1 linked cost line you can see" in page
    assert "INV-R" not in page and "700" not in page
    manager_page = client_for(cast.manager).get(proj.get_absolute_url()).content.decode()
    assert "Over budget" in manager_page


def test_a_link_to_a_record_the_reader_cannot_see_is_not_shown_or_offered(cast, client_for):
    proj = project("LNK-1", {cast.wcc: 50, cast.rbkc: 50})
    theirs = contract("LNK-RBKC", {cast.rbkc: 100}, title="Kensington only")
    ours = contract("LNK-WCC", {cast.wcc: 100}, title="Westminster only")
    link(proj, contract=theirs)
    link(proj, contract=ours)
    with system_scope("test"):
        assert ProjectLink.objects.filter(project=proj).count() == 2
    assert ProjectLink.objects.visible_to(cast.wcc_lead).filter(project=proj).count() == 1
    assert ProjectLink.objects.visible_to(cast.rbkc_lead).filter(project=proj).count() == 1
    page = client_for(cast.wcc_lead).get(proj.get_absolute_url()).content.decode()
    assert "LNK-WCC" in page and "LNK-RBKC" not in page
    form = client_for(cast.wcc_lead).get(reverse("portfolio:projectlink_create")).content.decode()
    assert "LNK-WCC" in form and "LNK-RBKC" not in form


def test_a_link_names_exactly_one_record(cast, client_for):
    proj = project("LNK-2", {cast.wcc: 100})
    page = client_for(cast.wcc_lead).post(
        reverse("portfolio:projectlink_create"),
        {"project": proj.pk, "contract": "", "note": "Nothing"},
    )
    assert "Choose one record to link" in page.content.decode()
    with system_scope("test"):
        assert not ProjectLink.objects.filter(project=proj).exists()


# The roadmap and its feed ------------------------------------------------------------------


@time_machine.travel(datetime.datetime(2026, 4, 10, 9, tzinfo=datetime.UTC), tick=False)
def test_the_roadmap_is_a_table_by_quarter_filtered_by_council(cast, client_for):
    programme("RM-PROG", {cast.wcc: 50, cast.rbkc: 50}, end_date=D(2026, 12, 31))
    joint = project("RM-JOINT", {cast.wcc: 50, cast.rbkc: 50}, end_date=D(2026, 9, 30))
    project("RM-RBKC", {cast.rbkc: 100}, start_date=D(2026, 5, 1))
    with system_scope("test data"):
        Milestone.objects.create(project=joint, name="Cut-over", due_date=D(2026, 8, 14))
        Milestone.objects.create(
            project=joint, name="Team rehearsal", due_date=D(2026, 8, 1), council_visible=False
        )
    contract("RM-CON", {cast.wcc: 100}, start=D(2024, 11, 1), months=24)  # ends 31 Oct 2026
    client = client_for(cast.wcc_lead)
    page = client.get(reverse("portfolio:roadmap")).content.decode()
    quarters = page[page.index('id="roadmap-quarters"') :]
    assert "Apr to Jun 2026" in quarters and "Jul to Sep 2026" in quarters
    july = quarters[quarters.index("Jul to Sep 2026") : quarters.index("Oct to Dec 2026")]
    assert "RM-JOINT: Cut-over" in july
    assert "Team rehearsal" not in page  # a working milestone, not shown to the councils
    autumn = quarters[quarters.index("Oct to Dec 2026") :]
    assert "RM-CON" in autumn and "Contract end" in autumn
    assert "RM-RBKC" not in page  # another council's project
    assert 'id="roadmap-data"' in page  # the timeline's data, drawn by roadmap.js

    manager = client_for(cast.manager)
    both = manager.get(reverse("portfolio:roadmap")).content.decode()
    assert "RM-RBKC" in both and "RM-CON" in both
    only_wcc = manager.get(reverse("portfolio:roadmap"), {"council": cast.wcc.pk}).content
    assert b"RM-RBKC" not in only_wcc and b"RM-JOINT" in only_wcc

    # A council the reader cannot see is refused by the filter, naming it; a bad date too.
    refused = client.get(reverse("portfolio:roadmap"), {"council": cast.rbkc.pk})
    assert refused.status_code == 400
    bad = client.get(reverse("portfolio:roadmap"), {"start": "someday"})
    assert bad.status_code == 400 and "Error:" in bad.content.decode()
    assert client_for(cast.wcc_staff).get(reverse("portfolio:roadmap")).status_code == 403


def test_the_milestones_feed_is_the_reader_s_own_view_at_a_secret_address(cast, client_for):
    mine = project("FD-W", {cast.wcc: 100})
    theirs = project("FD-R", {cast.rbkc: 100})
    today = datetime.date.today()
    with system_scope("test data"):
        Milestone.objects.create(project=mine, name="Go-live", due_date=today)
        Milestone.objects.create(project=theirs, name="Their go-live", due_date=today)
    client = client_for(cast.wcc_lead)
    client.post(reverse("portfolio:feed_secret"))
    page = client.get(reverse("portfolio:roadmap")).content.decode()
    start = page.index('id="calendar-address"')
    url = page[start:].split('value="', 1)[1].split('"', 1)[0]
    path = url[url.index("/portfolio/") :]
    feed = Client().get(path)  # a calendar client: no session
    assert feed["Content-Type"].startswith("text/calendar")
    events = [str(e["summary"]) for e in Calendar.from_ical(feed.content).walk("VEVENT")]
    assert events == ["FD-W: Go-live"]
    assert client.get("/portfolio/calendar/not-a-secret.ics").status_code == 404


# Home needs -------------------------------------------------------------------------------


@time_machine.travel(datetime.datetime(2026, 6, 10, 9, tzinfo=datetime.UTC), tick=False)
def test_home_needs_count_risks_due_and_reports_missing_for_the_reader(cast):
    from portfolio.views import home_needs

    mine = project("HN-W", {cast.wcc: 100}, start_date=D(2026, 1, 1))
    project("HN-R", {cast.rbkc: 100}, start_date=D(2026, 1, 1))
    with system_scope("test data"):
        Risk.objects.create(
            project=mine, title="Due", likelihood=2, impact=2, review_date=D(2026, 6, 1)
        )
        Risk.objects.create(
            project=mine, title="Later", likelihood=2, impact=2, review_date=D(2026, 7, 1)
        )
    needs = {n.label: n.count for n in home_needs(cast.wcc_lead)}
    assert needs == {"Risks due for review": 1, "Project reports missing for May 2026": 1}
    assert home_needs(cast.wcc_auditor) == []
    manager = {n.label: n.count for n in home_needs(cast.manager)}
    assert manager["Project reports missing for May 2026"] == 2
