"""The roll-ups never drift from the records: records change (tickets raised, resolved, rated,
reopened), the nightly job runs, and the figures agree with counts made from the records; a
rebuild from the records alone makes exactly what the nightly runs made; a run with nothing
new writes nothing."""

from __future__ import annotations

import datetime
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from core.tenancy.scoping import system_scope
from reporting import rollups
from reporting.figures import monthly
from reporting.models import KpiFigure
from reporting.rollup_jobs import nightly_rollup
from servicedesk import services
from servicedesk.choices import OPEN_STATUS_LIST, Impact, Urgency
from servicedesk.models import Ticket

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
JAN = datetime.date(2027, 1, 1)


def at(day: int, hour: int = 10) -> datetime.datetime:
    return datetime.datetime(2027, 1, day, hour, tzinfo=LONDON)


def raise_ticket(cast, partner, day: int, subject: str = "Printer jams") -> Ticket:
    requester = cast.wcc_staff if partner == cast.wcc else cast.rbkc_staff
    with system_scope("test"), time_machine.travel(at(day, 9), tick=False):
        return services.raise_ticket(
            partner=partner,
            requester=requester,
            subject=subject,
            impact=Impact.MEDIUM,
            urgency=Urgency.MEDIUM,
        )


def resolve(cast, ticket: Ticket, day: int, hour: int = 10, replies: int = 1) -> Ticket:
    with system_scope("test"), time_machine.travel(at(day, hour), tick=False):
        ticket = Ticket.objects.unscoped("test").get(pk=ticket.pk)
        for n in range(replies):
            services.comment(ticket, cast.agent, f"Looking at it ({n})")
            ticket = Ticket.objects.unscoped("test").get(pk=ticket.pk)
        return services.resolve(ticket, "Cleared the jam")


def night(day: int) -> dict:
    """The nightly job, run at 01:00 on `day` of January."""
    with time_machine.travel(at(day, 1), tick=False):
        return nightly_rollup.call()


def figures() -> set[tuple]:
    with system_scope("test"):
        rows = KpiFigure.objects.values_list(
            "partner_id", "kpi", "dimension", "day", "numerator", "denominator"
        )
        return set(rows)


def from_records(partner, day: datetime.date) -> dict[str, int]:
    """Counts made from the records directly, for January up to the end of `day`."""
    end = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min, LONDON)
    with system_scope("test"):
        tickets = Ticket.objects.filter(partner=partner)
        return {
            "opened": tickets.filter(opened_at__gte=at(1, 0), opened_at__lt=end).count(),
            "resolved": tickets.filter(resolved_at__gte=at(1, 0), resolved_at__lt=end).count(),
            "open": tickets.filter(status__in=OPEN_STATUS_LIST).count(),
        }


def test_the_nightly_roll_up_agrees_with_the_records(cast):
    t1 = raise_ticket(cast, cast.wcc, 11)
    t2 = raise_ticket(cast, cast.wcc, 11)
    raise_ticket(cast, cast.rbkc, 11)
    first = night(12)
    assert first["days"] == ["2027-01-11"] and first["created"] > 0

    resolve(cast, t1, 12, replies=1)  # one reply: resolved at first contact
    resolve(cast, t2, 12, replies=2)
    raise_ticket(cast, cast.wcc, 12)
    night(13)
    # The requester rates t1 a day after it was resolved: its resolution day's figure moves.
    with system_scope("test"), time_machine.travel(at(13), tick=False):
        services.rate(Ticket.objects.get(pk=t1.pk), cast.wcc_staff, 5)
        services.rate(Ticket.objects.get(pk=t2.pk), cast.wcc_staff, 2)
    third = night(14)
    assert third["days"] == ["2027-01-13"] and third["changed_days"]["servicedesk"] >= 1

    got = monthly(cast.wcc_lead, cast.wcc, [JAN])
    counted = from_records(cast.wcc, datetime.date(2027, 1, 13))
    assert got["tickets_opened"][0].value == counted["opened"] == 3
    assert got["tickets_resolved"][0].value == counted["resolved"] == 2
    assert got["backlog"][0].value == counted["open"] == 1
    assert got["satisfaction"][0].value == Decimal("50.0")  # a 5 and a 2
    assert got["first_contact_resolution"][0].value == Decimal("50.0")
    assert got["sla_met"][0].value == Decimal("100.0")
    assert got["backlog_age"][0].value == Decimal("1.0")  # opened on the 12th, on the 13th
    rbkc = monthly(cast.rbkc_lead, cast.rbkc, [JAN])
    assert rbkc["tickets_opened"][0].value == 1 and rbkc["backlog"][0].value == 1
    whole = monthly(cast.manager, None, [JAN])
    assert whole["tickets_opened"][0].value == 4 and whole["backlog"][0].value == 2

    # Per queue and category: the council's rows add up to its total.
    with system_scope("test"):
        queues = KpiFigure.objects.filter(
            partner=cast.wcc, kpi="tickets_opened", dimension__startswith="queue:"
        )
        assert sum(row.numerator for row in queues) in (0, 3)

    # Nothing new: a second run the same night writes nothing.
    again = night(14)
    assert (again["created"], again["updated"], again["deleted"]) == (0, 0, 0)


def test_a_rebuild_equals_the_nightly_runs(cast):
    t1 = raise_ticket(cast, cast.wcc, 11)
    t2 = raise_ticket(cast, cast.rbkc, 11)
    night(12)
    resolve(cast, t1, 12)
    resolve(cast, t2, 12)
    night(13)
    # Reopened two days after it was resolved: the backlog of the days between changes.
    with system_scope("test"), time_machine.travel(at(14), tick=False):
        services.reopen(Ticket.objects.get(pk=t2.pk))
    night(14)
    night(15)
    nightly = figures()
    rbkc_13 = monthly(cast.manager, cast.rbkc, [JAN], ["backlog"])["backlog"][0]
    assert rbkc_13.value == 1  # t2 is open again: counted from the 11th on
    with system_scope("test"):
        KpiFigure.objects.unlogged("test").all().delete()
        rollups.rebuild(datetime.date(2027, 1, 11), datetime.date(2027, 1, 14))
    assert figures() == nightly
    with system_scope("test"):
        day_13 = KpiFigure.objects.get(
            partner=cast.rbkc, kpi="backlog", dimension="", day=datetime.date(2027, 1, 13)
        )
    assert day_13.numerator == 1


def test_the_rebuild_command(cast):
    raise_ticket(cast, cast.wcc, 11)
    out, err = StringIO(), StringIO()
    with time_machine.travel(at(20), tick=False):
        call_command("rollup", "--rebuild", "--from", "2027-01-10", stdout=out, stderr=err)
    assert "Rolled up 10 days from 2027-01-10 to 2027-01-19" in out.getvalue()
    with system_scope("test"):
        assert KpiFigure.objects.filter(kpi="backlog", partner=cast.wcc, dimension="").count() == 10
    with pytest.raises(Exception, match="YYYY-MM-DD"):
        call_command("rollup", "--rebuild", "--from", "soon", stdout=out, stderr=err)


def test_assets_out_of_support_follow_the_register(cast):
    from assets.models import Asset
    from assets.services import end_of_support
    from core.services import set_owner_shares

    def laptop(tag: str, version: str, shares: dict) -> Asset:
        with system_scope("test"), time_machine.travel(at(5), tick=False):
            asset = Asset.objects.create(
                kind="laptop", asset_tag=tag, name=tag, os_name="Windows", os_version=version
            )
            set_owner_shares(asset, shares)
            return asset

    laptop("OLD-1", "7", {cast.wcc: Decimal("100")})  # support ended in 2020
    shared = laptop("OLD-2", "7", {cast.wcc: Decimal("50"), cast.rbkc: Decimal("50")})
    night(12)
    assert (
        monthly(cast.wcc_lead, cast.wcc, [JAN], ["assets_out_of_support"])["assets_out_of_support"][
            0
        ].value
        == 2
    )
    # The shared laptop is disposed of on the 12th: the figure follows the register.
    with system_scope("test"), time_machine.travel(at(12), tick=False):
        shared.state = "disposed"
        shared.save()
    night(13)
    got = monthly(cast.wcc_lead, cast.wcc, [JAN], ["assets_out_of_support"])
    counted = end_of_support(cast.wcc_lead, months=0, today=datetime.date(2027, 1, 12))
    assert got["assets_out_of_support"][0].value == counted.count() == 1
    rbkc = monthly(cast.rbkc_lead, cast.rbkc, [JAN], ["assets_out_of_support"])
    assert rbkc["assets_out_of_support"][0].value == 0


def test_licence_compliance_and_waste_follow_the_register(cast):
    from licences import services as licence_services
    from licences.tests.factories import agreement, product

    writer = product()
    agreement("WCC-W", {cast.wcc: 100}, quantity=5, unit_cost="100.00", of=writer)
    agreement("RBKC-W", {cast.rbkc: 100}, quantity=1, unit_cost="100.00", of=writer)
    night(12)
    got = monthly(cast.wcc_lead, cast.wcc, [JAN])
    assert got["licence_seats_unused"][0].value == 5
    assert got["licence_waste"][0].value == Decimal("500.00")
    assert got["licence_compliance"][0].value == Decimal("100.0")
    # Three seats given out on the 12th, and rbkc's only seat.
    with system_scope("test"), time_machine.travel(at(12), tick=False):
        wcc_deal = licence_services.agreements_in_force(datetime.date(2027, 1, 12))
        deal = wcc_deal.get(reference="WCC-W")
        for person in (cast.wcc_staff, cast.wcc_colleague, cast.wcc_lead):
            licence_services.assign(deal, cast.wcc, person=person)
        rbkc_deal = wcc_deal.get(reference="RBKC-W")
        licence_services.assign(rbkc_deal, cast.rbkc, person=cast.rbkc_staff)
    night(13)
    got = monthly(cast.wcc_lead, cast.wcc, [JAN])
    positions = licence_services.compliance(cast.wcc_lead, datetime.date(2027, 1, 12))
    mine = [p for p in positions if p.partner == cast.wcc]
    assert got["licence_seats_unused"][0].value == sum(p.surplus for p in mine) == 2
    assert got["licence_waste"][0].value == sum(p.surplus_cost for p in mine) == 200
    rbkc = monthly(cast.rbkc_lead, cast.rbkc, [JAN])
    assert rbkc["licence_seats_unused"][0].value == 0
    assert rbkc["licence_products_short"][0].value == 0


def test_contract_decisions_due_agree_with_the_contracts_list(cast):
    from contracts import services as contract_services
    from contracts.tests.factories import contract

    with time_machine.travel(at(5), tick=False):
        contract("SOON-1", {cast.wcc: 50, cast.rbkc: 50})  # ends March 2027
        contract("LATER-1", {cast.wcc: 100}, start=datetime.date(2026, 4, 1), months=60)
    night(12)
    got = monthly(cast.wcc_lead, cast.wcc, [JAN], ["contract_decisions_due"])
    with system_scope("test"):
        listed = contract_services.decisions_due(cast.wcc_lead, on=datetime.date(2027, 1, 11))
        assert got["contract_decisions_due"][0].value == listed.count() >= 1
    rbkc = monthly(cast.rbkc_lead, cast.rbkc, [JAN], ["contract_decisions_due"])
    assert rbkc["contract_decisions_due"][0].value == 1


def test_money_agrees_with_the_budget_report(cast):
    from finance.budget_report import budget_report
    from finance.tests.factories import budget, cost_centre, cost_line, financial_year

    with time_machine.travel(at(5), tick=False):
        budget(cast.wcc, "120000")
        budget(cast.rbkc, "80000")
        # A cost booked to Westminster's cost centre in December: counted by January.
        cost_line(
            [cast.wcc], "3000", on=datetime.date(2026, 12, 10), cost_centre=cost_centre(cast.wcc)
        )
    night(12)
    got = monthly(cast.wcc_lead, cast.wcc, [JAN], ["budget", "spend_to_date", "spend_forecast"])
    with system_scope("test"):
        report = budget_report(
            cast.wcc_lead, financial_year(2026), cast.wcc, datetime.date(2027, 1, 11)
        )
    [council] = report.councils
    assert got["budget"][0].value == council.budget == Decimal("120000")
    assert got["spend_to_date"][0].value == council.actual >= Decimal("3000")
    assert got["spend_forecast"][0].value == council.forecast
    # Another cost, and the next night's figures move with it (no drift from the records).
    with time_machine.travel(at(12, 9), tick=False):
        cost_line(
            [cast.wcc], "500", on=datetime.date(2026, 12, 20), cost_centre=cost_centre(cast.wcc)
        )
    night(13)
    again = monthly(cast.wcc_lead, cast.wcc, [JAN], ["spend_to_date"])
    assert again["spend_to_date"][0].value == council.actual + Decimal("500")
    rbkc = monthly(cast.rbkc_lead, cast.rbkc, [JAN], ["budget"])
    assert rbkc["budget"][0].value == Decimal("80000")


def test_project_rag_counts_the_latest_report(cast):
    from portfolio.models import ProjectReport
    from portfolio.tests.factories import project

    with time_machine.travel(at(5), tick=False):
        joint = project("RAG-J", {cast.wcc: 50, cast.rbkc: 50})
        own = project("RAG-W", {cast.wcc: 100})
        project("RAG-NONE", {cast.wcc: 100})  # no report yet: not counted
        with system_scope("test"):
            for proj, period, rag in (
                (joint, datetime.date(2026, 11, 1), "green"),
                (joint, datetime.date(2026, 12, 1), "red"),
                (own, datetime.date(2026, 12, 1), "amber"),
            ):
                ProjectReport.objects.create(
                    project=proj,
                    period=period,
                    rag_scope="green",
                    rag_time=rag,
                    rag_cost="green",
                    rag_risk="green",
                    narrative="Monthly report",
                )
    night(12)
    keys = ["projects_red", "projects_amber", "projects_green"]
    wcc = monthly(cast.wcc_lead, cast.wcc, [JAN], keys)
    assert [wcc[k][0].value for k in keys] == [1, 1, 0]
    rbkc = monthly(cast.rbkc_lead, cast.rbkc, [JAN], keys)
    assert [rbkc[k][0].value for k in keys] == [1, 0, 0]
