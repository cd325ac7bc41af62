"""The KPI figures' API (/api/v1/kpis/): the daily rows in the reader's scope with the
issue's filters (council, period, KPI), each scope's monthly figures, and the partnership's
totals only to whom reporting.figures.scopes_for shows them."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from reporting.models import KpiFigure, ReportingSettings

pytestmark = pytest.mark.django_db

LIST = "/api/v1/kpis/"
MONTHLY = "/api/v1/kpis/monthly/"


@pytest.fixture
def figures(cast):
    rows = [
        (cast.wcc, datetime.date(2026, 1, 5), "tickets_opened", 3),
        (cast.wcc, datetime.date(2026, 2, 5), "tickets_opened", 4),
        (cast.wcc, datetime.date(2026, 2, 5), "tickets_resolved", 2),
        (cast.rbkc, datetime.date(2026, 2, 5), "tickets_opened", 40),
    ]
    KpiFigure.objects.unlogged("test figures").bulk_create(
        KpiFigure(partner=p, day=d, kpi=k, numerator=Decimal(n)) for p, d, k, n in rows
    )


def days(response) -> list[tuple[str, str, str]]:
    assert response.status_code == 200, response.content
    return sorted((r["partner"], r["day"], r["kpi"]) for r in response.json()["results"])


def test_the_list_filters_by_council_period_and_kpi(cast, api_client_for, figures):
    agent = api_client_for(cast.agent)
    assert len(days(agent.get(LIST))) == 4
    assert days(agent.get(LIST, {"council": "wcc", "period": "2026-02", "kpi": "tickets_opened"}))
    assert days(agent.get(LIST, {"council": "wcc", "period": "2026-02"})) == [
        ("wcc", "2026-02-05", "tickets_opened"),
        ("wcc", "2026-02-05", "tickets_resolved"),
    ]
    assert len(days(agent.get(LIST, {"from": "2026-02", "to": "2026-02"}))) == 3
    # "from" alone filters too: it is the parameter of the filter declared as from_.
    assert len(days(agent.get(LIST, {"from": "2026-02"}))) == 3
    bad = agent.get(LIST, {"period": "February"})
    assert bad.status_code == 400 and "period" in bad.content.decode()
    assert agent.get(LIST, {"kpi": "nonsense"}).status_code == 400


def test_a_council_sees_its_own_rows_only(cast, api_client_for, figures):
    lead = api_client_for(cast.wcc_lead)
    assert {r[0] for r in days(lead.get(LIST))} == {"wcc"}
    assert days(lead.get(LIST, {"council": "rbkc"})) == []
    assert api_client_for(cast.wcc_staff).get(LIST).status_code == 403


def test_monthly_figures_of_a_council_and_the_partnership(cast, api_client_for, figures):
    lead = api_client_for(cast.wcc_lead)
    got = lead.get(MONTHLY, {"council": "wcc", "from": "2026-01", "to": "2026-02"})
    assert got.status_code == 200, got.content
    opened = [r for r in got.json() if r["kpi"] == "tickets_opened"]
    assert [(r["period"], r["value"]) for r in opened] == [
        ("2026-01", "3.00"),
        ("2026-02", "4.00"),
    ]
    # Another council's figures and (until shared) the partnership's do not exist for them.
    assert lead.get(MONTHLY, {"council": "rbkc", "period": "2026-02"}).status_code == 404
    assert lead.get(MONTHLY, {"council": "partnership", "period": "2026-02"}).status_code == 404
    settings = ReportingSettings.ensure()
    settings.share_partnership_totals = True
    settings.save()
    whole = lead.get(
        MONTHLY, {"council": "partnership", "period": "2026-02", "kpi": "tickets_opened"}
    )
    assert whole.status_code == 200
    assert whole.json() == [
        {
            "kpi": "tickets_opened",
            "council": "partnership",
            "period": "2026-02",
            "value": "44.00",
            "numerator": "44.00",
            "denominator": None,
            "unit": "count",
        }
    ]


def test_monthly_refuses_what_it_cannot_read(cast, api_client_for):
    agent = api_client_for(cast.agent)
    assert agent.get(MONTHLY, {"period": "2026-02"}).status_code == 400  # no council
    assert agent.get(MONTHLY, {"council": "wcc", "period": "2026-13"}).status_code == 400
    reversed_ = agent.get(MONTHLY, {"council": "wcc", "from": "2026-03", "to": "2026-01"})
    assert reversed_.status_code == 400
    assert (
        agent.get(MONTHLY, {"council": "wcc", "period": "2026-01", "kpi": "x"}).status_code == 400
    )
    assert agent.get(MONTHLY, {"council": "nowhere", "period": "2026-01"}).status_code == 404


def test_the_catalogue(cast, api_client_for):
    got = api_client_for(cast.wcc_lead).get("/api/v1/kpis/catalogue/")
    assert got.status_code == 200
    keys = [k["key"] for k in got.json()]
    assert keys[:3] == ["tickets_opened", "tickets_resolved", "backlog"]
