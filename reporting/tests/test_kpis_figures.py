"""Reading the roll-ups (reporting.figures): whose figures each person may read, and how a
month's value is made from the daily rows (sums, ratios of sums, the last day of a stock)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.http import Http404

from reporting.figures import last_months, monthly, scopes_for
from reporting.kpis import KPIS
from reporting.models import KpiFigure, ReportingSettings

pytestmark = pytest.mark.django_db

JAN, FEB, MAR = datetime.date(2026, 1, 1), datetime.date(2026, 2, 1), datetime.date(2026, 3, 1)


def rows(*figures: tuple) -> None:
    """KpiFigure rows: (partner, day, kpi, numerator, denominator[, dimension])."""
    made = [
        KpiFigure(
            partner=partner,
            day=day,
            kpi=kpi,
            numerator=Decimal(n),
            denominator=None if d is None else Decimal(d),
            dimension=rest[0] if rest else "",
        )
        for partner, day, kpi, n, d, *rest in figures
    ]
    KpiFigure.objects.unlogged("test figures").bulk_create(made)


def share(on: bool) -> None:
    settings = ReportingSettings.ensure()
    settings.share_partnership_totals = on
    settings.save()


def test_scopes_of_each_reader(cast):
    assert scopes_for(cast.wcc_lead) == [cast.wcc]
    assert scopes_for(cast.wcc_auditor) == [cast.wcc]
    assert scopes_for(cast.wcc_staff) == []  # a requester reads no reports
    councils = [cast.wcc, cast.lbhf, cast.rbkc]  # by name: City, London Borough, Royal
    assert scopes_for(cast.manager) == [*councils, None]
    assert scopes_for(cast.agent) == [*councils, None]
    share(True)
    assert scopes_for(cast.wcc_lead) == [cast.wcc, None]
    assert scopes_for(cast.wcc_staff) == []  # sharing totals gives a requester nothing


def test_counts_sum_and_ratios_are_sums_over_sums(cast):
    rows(
        (cast.wcc, datetime.date(2026, 1, 5), "tickets_opened", 3, None),
        (cast.wcc, datetime.date(2026, 1, 6), "tickets_opened", 4, None),
        (cast.wcc, datetime.date(2026, 2, 1), "tickets_opened", 10, None),
        # 1 of 1 and 1 of 3: 2 of 4 is 50%, not the 66.7% an average of the days would say.
        (cast.wcc, datetime.date(2026, 1, 5), "sla_met", 1, 1),
        (cast.wcc, datetime.date(2026, 1, 6), "sla_met", 1, 3),
        (cast.wcc, datetime.date(2026, 1, 6), "tickets_opened", 99, None, "queue:1"),
        (cast.rbkc, datetime.date(2026, 1, 5), "tickets_opened", 50, None),
    )
    got = monthly(cast.wcc_lead, cast.wcc, [JAN, FEB, MAR], ["tickets_opened", "sla_met"])
    opened = got["tickets_opened"]
    assert [f.period for f in opened] == [JAN, FEB, MAR]
    assert [f.value for f in opened] == [Decimal(7), Decimal(10), Decimal(0)]
    assert all(f.kpi is KPIS["tickets_opened"] and f.partner == cast.wcc for f in opened)
    sla = got["sla_met"]
    assert (sla[0].numerator, sla[0].denominator, sla[0].value) == (2, 4, Decimal("50.0"))
    # 0 of 0: nothing to measure, not 0%.
    assert sla[1].value is None and sla[1].denominator == 0


def test_a_stock_is_its_last_days(cast):
    rows(
        (cast.wcc, datetime.date(2026, 1, 30), "backlog", 12, None),
        (cast.wcc, datetime.date(2026, 1, 31), "backlog", 9, None),
        (cast.rbkc, datetime.date(2026, 1, 31), "backlog", 5, None),
        (cast.wcc, datetime.date(2026, 1, 31), "backlog_age", 90, 9),
        (cast.rbkc, datetime.date(2026, 1, 31), "backlog_age", 10, 5),
    )
    got = monthly(cast.manager, cast.wcc, [JAN, FEB], ["backlog", "backlog_age"])
    assert [f.value for f in got["backlog"]] == [Decimal(9), None]
    assert got["backlog_age"][0].value == Decimal("10.0")
    whole = monthly(cast.manager, None, [JAN], ["backlog", "backlog_age"])
    assert whole["backlog"][0].value == Decimal(14) and whole["backlog"][0].partner is None
    assert whole["backlog_age"][0].value == Decimal("7.1")  # 100 days over 14 tickets


def test_another_councils_figures_do_not_exist(cast):
    rows((cast.rbkc, datetime.date(2026, 1, 5), "tickets_opened", 50, None))
    with pytest.raises(Http404):
        monthly(cast.wcc_lead, cast.rbkc, [JAN])
    with pytest.raises(Http404):
        monthly(cast.wcc_staff, cast.wcc, [JAN])


def test_the_partnerships_totals_only_where_shared(cast):
    rows(
        (cast.wcc, datetime.date(2026, 1, 5), "tickets_opened", 3, None),
        (cast.rbkc, datetime.date(2026, 1, 5), "tickets_opened", 50, None),
    )
    with pytest.raises(Http404):
        monthly(cast.wcc_lead, None, [JAN])
    assert monthly(cast.agent, None, [JAN], ["tickets_opened"])["tickets_opened"][0].value == 53
    share(True)
    got = monthly(cast.wcc_lead, None, [JAN], ["tickets_opened"])["tickets_opened"][0]
    assert got.value == 53 and got.partner is None
    with pytest.raises(Http404):
        monthly(cast.wcc_staff, None, [JAN])


def test_records_url_names_the_list_and_its_filters(cast):
    url = KPIS["backlog"].records_url(cast.wcc, JAN, datetime.date(2026, 1, 31))
    assert url.startswith("/tickets/?") and f"partner={cast.wcc.pk}" in url
    assert "status=new" in url and "status=resolved" not in url
    assert "partner=" not in KPIS["backlog"].records_url(None, JAN, JAN)


def test_last_months():
    assert last_months(3, datetime.date(2026, 2, 14)) == [
        datetime.date(2025, 12, 1),
        JAN,
        FEB,
    ]
