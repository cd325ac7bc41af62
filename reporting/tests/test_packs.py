"""The monthly packs (reporting/packs.py, pack_jobs.py, pack_views.py): the PDF with its KPIs,
charts and decisions due; kept once per scope and month and downloaded again as it was made;
made by the job from the month's fifth working day and never twice; emailed (plain text and
HTML, the PDF attached) to the council's leads and the board's to the shared-service managers,
each checked against the visibility rule, through a real SMTP server on loopback."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from contracts.tests.factories import contract as make_contract
from core.tenancy.scoping import system_scope
from finance.tests.test_recharge_statements import pdf_texts
from reporting import pack_jobs, packs
from reporting.models import MonthlyPack
from reporting.pack_views import home_needs
from reporting.tests.test_dashboards import rows, share

pytestmark = pytest.mark.django_db

FEB = datetime.date(2026, 2, 1)
MADE = datetime.datetime(2026, 3, 9, 7, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(MADE, tick=False):
        yield


@pytest.fixture
def figures(cast):
    rows(
        (cast.wcc, datetime.date(2026, 1, 5), "tickets_opened", 3, None),
        (cast.wcc, datetime.date(2026, 2, 6), "tickets_opened", 1234, None),
        (cast.wcc, datetime.date(2026, 2, 6), "sla_met", 3, 4),
        (cast.rbkc, datetime.date(2026, 2, 6), "tickets_opened", 7777, None),
    )


@pytest.fixture
def emails(cast):
    for user in (cast.wcc_lead, cast.rbkc_lead, cast.manager, cast.agent, cast.lbhf_lead):
        user.email = f"{user.username}@example.org"
        user.save()


def text_of(pdf: bytes) -> str:
    return " ".join(pdf_texts(pdf))


def test_a_pack_holds_the_figures_charts_and_decisions(cast, figures):
    content = packs.pack_content(cast.wcc, FEB, MADE.date())
    assert content.board.months[-1] == FEB and len(content.board.months) == 12
    opened = content.board.panel("tickets_opened")
    assert opened is not None and opened.latest is not None
    assert opened.latest.value == Decimal(1234)
    assert content.charts["tickets_opened"].startswith("<svg")
    assert content.charts["tickets_opened"].count('class="bar"') == 12  # a count of none is 0
    assert content.charts["sla_met"].count('class="bar"') == 1  # 0 of 0 is no figure
    pdf = packs.render_pdf(content)
    assert pdf.startswith(b"%PDF-")
    text = text_of(pdf)
    assert "Monthly pack for February 2026" in text
    assert "1,234" in text and "75.0%" in text
    assert "7,777" not in text  # RBKC's figure is not in Westminster's pack
    assert content.has_projects  # the "Projects" KPIs: the counts at red, amber and green
    assert "No project has a monthly report yet" in text


def test_a_pack_lists_its_councils_projects_by_their_latest_report(cast):
    from portfolio.models import ProjectReport
    from portfolio.tests.factories import project

    joint = project("PK-J", {cast.wcc: 50, cast.rbkc: 50}, name="Data centre move")
    theirs = project("PK-R", {cast.rbkc: 100}, name="Kensington only")
    project("PK-C", {cast.wcc: 100}, name="Finished", stage="closed")
    with system_scope("test"):
        for proj, period, time in (
            (joint, datetime.date(2026, 1, 1), "green"),
            (joint, FEB, "red"),
            (joint, datetime.date(2026, 3, 1), "amber"),  # after the pack's month
            (theirs, FEB, "amber"),
        ):
            ProjectReport.objects.create(
                project=proj,
                period=period,
                rag_scope="green",
                rag_time=time,
                rag_cost="green",
                rag_risk="green",
                narrative="Monthly report",
            )
    wcc = packs.project_rags(cast.wcc, FEB)
    assert [(p.reference, p.time, p.overall) for p in wcc] == [("PK-J", "Red", "Red")]
    board = packs.project_rags(None, FEB)
    assert [p.reference for p in board] == ["PK-J", "PK-R"]
    text = text_of(packs.render_pdf(packs.pack_content(cast.wcc, FEB, MADE.date())))
    assert "PK-J Data centre move" in text and "Kensington only" not in text


def test_decisions_due_are_the_councils_own_and_every_councils_for_the_board(cast):
    # Three-year terms ending on 30 April 2026: the decision (give notice, or replace) is due
    # within the pack's 90 days; one ending in 2028 is not.
    start = datetime.date(2023, 5, 1)
    make_contract("C-WCC-1", {cast.wcc: 100}, start=start, title="Westminster print")
    make_contract("C-RBKC-1", {cast.rbkc: 100}, start=start, title="Kensington network")
    make_contract("C-WCC-2", {cast.wcc: 100}, start=datetime.date(2025, 5, 1))
    make_contract("C-JOINT", {cast.wcc: 50, cast.rbkc: 50}, start=start)
    listed, more = packs.decisions_due(cast.wcc, MADE.date())
    assert [d.reference for d in listed] == ["C-JOINT", "C-WCC-1"] or [
        d.reference for d in listed
    ] == ["C-WCC-1", "C-JOINT"]
    assert more == 0
    assert all(d.due <= datetime.date(2026, 6, 7) and d.decision for d in listed)
    board, _ = packs.decisions_due(None, MADE.date())
    assert {d.reference for d in board} == {"C-WCC-1", "C-RBKC-1", "C-JOINT"}
    late, _ = packs.decisions_due(cast.wcc, datetime.date(2026, 5, 20))
    assert late and all(d.overdue for d in late if d.due < datetime.date(2026, 5, 20))
    pdf = packs.render_pdf(packs.pack_content(cast.wcc, FEB, MADE.date()))
    assert "Westminster print" in text_of(pdf)
    assert "Kensington network" not in text_of(pdf)


def test_a_pack_is_kept_once_and_downloaded_as_it_was_made(cast, client_for, figures):
    pack, new = packs.make_pack(cast.wcc, FEB)
    assert new and pack.period == FEB and pack.partner == cast.wcc
    stored = packs.pack_bytes(pack)
    assert stored.startswith(b"%PDF-") and len(stored) == pack.size
    again, new_again = packs.make_pack(cast.wcc, datetime.date(2026, 2, 14))
    assert not new_again and again.pk == pack.pk
    assert MonthlyPack.objects.unscoped("test").count() == 1

    lead = client_for(cast.wcc_lead)
    response = lead.get(reverse("reporting:pack_download", args=[pack.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == stored
    assert "monthly-pack-wcc-2026-02.pdf" in response["Content-Disposition"]
    listing = lead.get(reverse("reporting:pack_list", args=["wcc"])).content.decode()
    assert "February 2026" in listing
    index = lead.get(reverse("reporting:packs")).content.decode()
    assert reverse("reporting:pack_download", args=[pack.pk]) in index

    outsider = client_for(cast.rbkc_lead)
    assert outsider.get(reverse("reporting:pack_download", args=[pack.pk])).status_code == 404
    assert outsider.get(reverse("reporting:pack_list", args=["wcc"])).status_code == 404
    assert b"Westminster" not in outsider.get(reverse("reporting:packs")).content


def test_the_boards_pack_is_read_where_the_totals_are_shared(cast, client_for, figures):
    pack, _ = packs.make_pack(None, FEB)
    assert "1,234" not in text_of(packs.pack_bytes(pack))  # the partnership's total, not WCC's
    assert "9,011" in text_of(packs.pack_bytes(pack))
    url = reverse("reporting:pack_download", args=[pack.pk])
    assert client_for(cast.manager).get(url).status_code == 200
    lead = client_for(cast.wcc_lead)
    assert lead.get(url).status_code == 404
    share(True)
    assert lead.get(url).status_code == 200
    assert client_for(cast.wcc_staff).get(url).status_code in (403, 404)


def test_the_job_makes_each_pack_once_from_the_fifth_working_day_and_emails_it(
    cast, figures, emails, smtp_server
):
    # March 2026: the 2nd is a Monday, so the fifth working day is Friday the 6th.
    assert pack_jobs.nth_working_day(FEB, 5, "ENG") == datetime.date(2026, 2, 6)
    assert pack_jobs.nth_working_day(datetime.date(2026, 3, 9), 5, "ENG") == datetime.date(
        2026, 3, 6
    )
    early = pack_jobs.make_due_packs(datetime.date(2026, 3, 5))
    assert early["made"] == [] and smtp_server.messages == []
    done = pack_jobs.make_due_packs(datetime.date(2026, 3, 6))
    # LBHF left the partnership in 2018: no pack for it.
    assert sorted(done["made"]) == ["partnership", "rbkc", "wcc"]
    assert done["period"] == "2026-02-01"
    by_person = {message["To"]: message for message in smtp_server.messages}
    assert set(by_person) == {
        "wcc.lead@example.org",
        "rbkc.lead@example.org",
        "manager@example.org",
    }
    wcc = by_person["wcc.lead@example.org"]
    assert wcc["Subject"] == "Monthly pack for February 2026: City of Westminster"
    assert wcc["Auto-Submitted"] == "auto-generated"
    kinds = [part.get_content_type() for part in wcc.walk()]
    assert "text/plain" in kinds and "text/html" in kinds and "application/pdf" in kinds
    [attached] = [p for p in wcc.walk() if p.get_content_type() == "application/pdf"]
    wcc_pack = MonthlyPack.objects.unscoped("test").get(partner=cast.wcc)
    assert attached.get_content() == packs.pack_bytes(wcc_pack)
    assert wcc_pack.emailed_at is not None and wcc_pack.recipients == 1
    board = by_person["manager@example.org"]
    assert "Joint board" in board["Subject"]
    assert "reports/packs/" in board.get_body(("plain",)).get_content()

    again = pack_jobs.make_due_packs(datetime.date(2026, 3, 10))
    assert again["made"] == [] and again["emailed"] == 0
    assert len(smtp_server.messages) == 3
    assert MonthlyPack.objects.unscoped("test").count() == 3


def test_a_recipient_who_may_not_read_the_pack_is_not_sent_it(cast, figures, emails, smtp_server):
    pack, _ = packs.make_pack(None, FEB)
    # The board's pack goes to the managers only, whatever the sharing setting.
    assert [p.username for p in packs.recipients(pack)] == ["manager"]
    council, _ = packs.make_pack(cast.wcc, FEB)
    assert [p.username for p in packs.recipients(council)] == ["wcc.lead"]
    cast.wcc_lead.is_active = False
    cast.wcc_lead.save()
    assert packs.recipients(council) == []
    assert packs.send_pack(council) == 0 and smtp_server.messages == []


def test_home_shows_last_months_packs_to_their_readers(cast, figures):
    assert home_needs(cast.wcc_lead) == []
    packs.make_pack(cast.wcc, FEB)
    packs.make_pack(cast.rbkc, FEB)
    [need] = home_needs(cast.wcc_lead)
    assert need.count == 1 and "February 2026" in need.label
    assert home_needs(cast.manager)[0].count == 2
    assert home_needs(cast.wcc_staff) == []


def test_the_demo_makes_last_months_packs_once(cast, figures):
    from core.demo import DemoRun
    from reporting.pack_demo import load_pack_demo

    run = DemoRun(partners={"wcc": cast.wcc, "rbkc": cast.rbkc, "lbhf": cast.lbhf})
    load_pack_demo(run)
    assert run.created["monthly packs"] == 3  # Westminster, Kensington, the board (LBHF left)
    made = MonthlyPack.objects.unscoped("test").order_by("id")
    assert {p.period for p in made} == {FEB}
    assert all(p.emailed_at is None for p in made)
    again = DemoRun(partners=run.partners)
    load_pack_demo(again)
    assert again.created["monthly packs"] == 0
