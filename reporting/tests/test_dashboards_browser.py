"""The dashboards in a real browser: each KPI's chart is drawn by Chart.js from the page's JSON
data block, the table of the same figures is there without JavaScript, and the dashboards and
packs pages pass axe-core as a council's lead and as the shared service's manager
(core.testing.axe). Each page is saved as a screenshot to look at (CONCORD_SCREENSHOT_DIR,
/tmp by default)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from core.testing.axe import axe_context, axe_violations
from core.testing.browser import screenshot
from core.testing.cast import PASSWORD
from reporting import packs
from reporting.tests.test_dashboards import rows

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Any, user: Any) -> None:
    page.goto("/sign-in/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


@pytest.fixture
def figures(cast):
    today = timezone.localdate()
    last = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    rows(
        (cast.wcc, today, "tickets_opened", 41, None),
        (cast.wcc, last, "tickets_opened", 57, None),
        (cast.wcc, today, "sla_met", 30, 40),
        (cast.rbkc, today, "tickets_opened", 12, None),
    )
    packs.make_pack(cast.wcc, last)
    packs.make_pack(None, last)


def test_the_dashboards_draw_their_charts_and_pass_axe(cast, figures, live_server, browser):
    pages = {
        "wcc_lead": ["/reports/dashboards/", "/reports/dashboards/wcc/", "/reports/packs/"],
        "manager": [
            "/reports/dashboards/partnership/",
            "/reports/packs/",
            "/reports/packs/partnership/",
        ],
    }
    problems: list[str] = []
    for role, urls in pages.items():
        context = axe_context(browser, live_server.url)
        page = context.new_page()
        try:
            sign_in(page, getattr(cast, role))
            for url in urls:
                response = page.goto(url)
                assert response is not None and response.status == 200, f"{role} {url}"
                if "/dashboards/" in url and url != "/reports/dashboards/":
                    page.wait_for_selector("[data-concord-chart-drawn] canvas", timeout=10000)
                    drawn = page.evaluate(
                        "() => Array.from(document.querySelectorAll("
                        "'[data-concord-kpi-chart] canvas')).filter("
                        "c => window.Chart && window.Chart.getChart(c)).length"
                    )
                    holders = page.locator("[data-concord-kpi-chart]").count()
                    assert drawn == holders and drawn > 0, f"{role} {url}: {drawn}/{holders}"
                for violation in axe_violations(page):
                    problems.append(f"{role} {url}: {violation}")
                name = url.strip("/").replace("/", "-")
                screenshot(page, f"reporting-{name}-{role}")
        finally:
            context.close()
    assert not problems, "axe-core violations:\n" + "\n".join(problems)


def test_without_javascript_the_tables_carry_the_figures(cast, figures, live_server, browser):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, cast.wcc_lead)
        page.goto("/reports/dashboards/wcc/")
        assert page.locator("canvas").count() == 0
        table = page.locator("section[aria-labelledby='kpi-tickets_opened'] table")
        assert table.locator("tbody tr").count() == 12
        last_row = table.locator("tbody tr").last
        assert "41" in last_row.inner_text()
        link = last_row.locator("a")
        assert "/tickets/" in (link.get_attribute("href") or "")
        screenshot(page, "reporting-dashboard-no-js")
    finally:
        context.close()
