"""The dashboards (reporting/dashboard_views.py, reporting/dashboards.py): each reader's scopes,
a council's figures and the partnership's as tables beside their charts' data, links to the
records behind each figure, CSV and XLSX downloads of the same figures, and another council's
dashboard a 404 that names nothing."""

from __future__ import annotations

import datetime
import io
import json
import re
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from core.navigation import navigation
from reporting import dashboards
from reporting.kpis import KPIS
from reporting.models import KpiFigure, ReportingSettings

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 18)
JAN, FEB, MAR = datetime.date(2026, 1, 1), datetime.date(2026, 2, 1), datetime.date(2026, 3, 1)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime.datetime(2026, 3, 18, 12, 0), tick=False):
        yield


def rows(*figures: tuple[Any, ...]) -> None:
    """KpiFigure rows: (partner, day, kpi, numerator, denominator)."""
    made = [
        KpiFigure(
            partner=partner,
            day=day,
            kpi=kpi,
            numerator=Decimal(n),
            denominator=None if d is None else Decimal(d),
        )
        for partner, day, kpi, n, d in figures
    ]
    KpiFigure.objects.unlogged("test figures").bulk_create(made)


def share(on: bool) -> None:
    settings = ReportingSettings.ensure()
    settings.share_partnership_totals = on
    settings.save()


@pytest.fixture
def figures(cast):
    rows(
        (cast.wcc, datetime.date(2026, 1, 5), "tickets_opened", 3, None),
        (cast.wcc, datetime.date(2026, 2, 6), "tickets_opened", 4, None),
        (cast.wcc, datetime.date(2026, 3, 2), "tickets_opened", 1234, None),
        (cast.wcc, datetime.date(2026, 3, 2), "sla_met", 3, 4),
        (cast.rbkc, datetime.date(2026, 3, 2), "tickets_opened", 7777, None),
        (cast.rbkc, datetime.date(2026, 3, 2), "sla_met", 1, 4),
    )


def chart_data(html: str, key: str) -> dict[str, Any]:
    found = re.search(rf'<script id="chart-{key}" type="application/json">(.*?)</script>', html)
    assert found, f"no chart data for {key}"
    return json.loads(found.group(1))


def test_months_and_display():
    assert dashboards.last_months(TODAY, 3) == [JAN, FEB, MAR]
    assert dashboards.last_months(datetime.date(2026, 1, 31), 2) == [
        datetime.date(2025, 12, 1),
        JAN,
    ]
    assert dashboards.month_end(FEB) == datetime.date(2026, 2, 28)
    assert dashboards.display(Decimal("1234"), "count") == "1,234"
    assert dashboards.display(Decimal("87.46"), "percent") == "87.5%"
    assert dashboards.display(Decimal("3.25"), "days") == "3.2 days"
    assert dashboards.display(Decimal("12400.5"), "gbp") == "£12,400"
    assert dashboards.display(None, "percent") == "No figure"
    assert str(dashboards.plain(Decimal("1234.00"))) == "1234"
    assert str(dashboards.plain(Decimal("87.50"))) == "87.5"
    assert str(dashboards.plain(Decimal("1200"))) == "1200"
    assert dashboards.plain(None) is None


def test_a_lead_reads_their_council_with_chart_table_and_links(cast, client_for, figures):
    response = client_for(cast.wcc_lead).get(reverse("reporting:dashboard", args=["wcc"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "City of Westminster" in html
    assert "7,777" not in html and "Royal Borough" not in html  # nothing of RBKC's
    for kpi in KPIS.values():
        assert kpi.label in html
    data = chart_data(html, "tickets_opened")
    assert len(data["labels"]) == 12 and data["labels"][-1] == "Mar 2026"
    assert data["values"][-3:] == [3.0, 4.0, 1234.0]
    assert chart_data(html, "sla_met")["values"][-1] == 75.0
    assert chart_data(html, "sla_met")["values"][0] is None  # 0 of 0: no figure, not 0%
    # The table beside the chart holds the same figure, linked to the tickets behind it.
    url = KPIS["tickets_opened"].records_url(cast.wcc, MAR, datetime.date(2026, 3, 31))
    assert url.startswith(reverse("servicedesk:ticket_list"))
    assert f'href="{url.replace("&", "&amp;")}">1,234' in html
    assert "75.0%" in html and "No figure" in html
    assert 'data-concord-kpi-chart="chart-tickets_opened"' in html
    assert "reporting-chart.js" in html


def test_another_councils_dashboard_is_a_404_naming_nothing(cast, client_for, figures):
    lead = client_for(cast.wcc_lead)
    for scope in ("rbkc", "partnership", "nosuch"):
        response = lead.get(reverse("reporting:dashboard", args=[scope]))
        assert response.status_code == 404
        assert b"Kensington" not in response.content and b"7,777" not in response.content
        download = lead.get(reverse("reporting:dashboard_download", args=[scope]))
        assert download.status_code == 404


def test_the_partnership_only_where_shared_and_its_figures_are_every_councils(
    cast, client_for, figures
):
    lead = client_for(cast.wcc_lead)
    url = reverse("reporting:dashboard", args=["partnership"])
    assert lead.get(url).status_code == 404
    share(True)
    response = lead.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert chart_data(html, "tickets_opened")["values"][-1] == 1234 + 7777
    assert chart_data(html, "sla_met")["values"][-1] == 50.0  # 4 of 8
    assert "Kensington" not in html  # totals, never another council's own figures or name
    # Their ticket list would show Westminster's alone beside every council's total: no link.
    assert "/tickets/?" not in html
    assert "the figures here are not links" in html
    staff = client_for(cast.manager).get(url).content.decode()
    assert "/tickets/?" in staff
    index = lead.get(reverse("reporting:dashboards")).content.decode()
    assert "/reports/dashboards/partnership/" in index and "/reports/dashboards/rbkc/" not in index


def test_service_staff_choose_any_council_and_the_partnership(cast, client_for, figures):
    manager = client_for(cast.manager)
    index = manager.get(reverse("reporting:dashboards")).content.decode()
    for key in ("wcc", "rbkc", "lbhf", "partnership"):
        assert f"/reports/dashboards/{key}/" in index
    html = manager.get(reverse("reporting:dashboard", args=["rbkc"])).content.decode()
    assert chart_data(html, "tickets_opened")["values"][-1] == 7777.0
    assert "/reports/dashboards/wcc/" in html  # the chooser of the other dashboards


def test_who_reads_dashboards(cast, client_for):
    assert client_for(cast.wcc_staff).get(reverse("reporting:dashboards")).status_code == 403
    anonymous = client_for(None).get(reverse("reporting:dashboards"))
    assert anonymous.status_code == 302 and reverse("login") in anonymous["Location"]

    def labels(user: Any) -> list[str]:
        return [link.label for item in navigation(user, "/") for link in item.links]

    assert "Dashboards" in labels(cast.wcc_lead)
    assert "Dashboards" in labels(cast.manager)
    assert "Dashboards" not in labels(cast.wcc_staff)


def test_downloads_carry_the_tables_figures(cast, client_for, figures):
    lead = client_for(cast.wcc_lead)
    url = reverse("reporting:dashboard_download", args=["wcc"])
    response = lead.get(url, {"kpi": "tickets_opened", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="kpis-wcc-tickets')
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "KPI,Council,Month,Figure,Unit,Numerator,Denominator"
    assert len(lines) == 13
    assert lines[-1] == "Tickets opened,City of Westminster,2026-03-01,1234,count,1234,"

    from openpyxl import load_workbook

    every = lead.get(url, {"format": "xlsx"})
    assert every.status_code == 200
    sheet = load_workbook(io.BytesIO(every.content), read_only=True).worksheets[0]
    table = list(sheet.iter_rows(values_only=True))
    assert len(table) == 1 + 12 * len(KPIS)
    sla = [r for r in table if r[0] == "Resolved within the SLA" and r[2] == "2026-03-01"]
    assert sla and Decimal(str(sla[0][3])) == Decimal("75.0")
    assert {r[1] for r in table[1:]} == {"City of Westminster"}


def test_bad_download_parameters_are_named(cast, client_for):
    lead = client_for(cast.wcc_lead)
    url = reverse("reporting:dashboard_download", args=["wcc"])
    bad_format = lead.get(url, {"format": "pdf"})
    assert bad_format.status_code == 400 and bad_format.content.startswith(b"format:")
    bad_kpi = lead.get(url, {"kpi": "nosuch", "format": "csv"})
    assert bad_kpi.status_code == 400 and bad_kpi.content.startswith(b"kpi:")
