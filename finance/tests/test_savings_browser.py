"""The budget-against-actual page draws its chart (Chart.js, from the page's JSON data block,
no inline script) and, with the target-against-realised page, passes axe-core as a council's
finance reader and the shared service's, in a real browser (core.testing.axe). Each page is
saved as a screenshot to look at (CONCORD_SCREENSHOT_DIR, /tmp by default)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from core.tenancy.scoping import system_scope
from core.testing.axe import axe_context, axe_violations
from core.testing.browser import screenshot
from core.testing.cast import PASSWORD
from finance import savings_services as services
from finance.models.savings import RealisedSaving, SavingsTarget
from finance.tests.savings_factories import case_of
from finance.tests.test_budget_report import books

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROLES = ("wcc_lead", "finance", "manager")


def sign_in(page: Any, user: Any) -> None:
    page.goto("/sign-in/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def test_the_budget_page_draws_its_chart_and_the_pages_pass_axe(cast, live_server, browser):
    fy = books(cast)
    case = case_of(cast.wcc, cast.rbkc)
    with system_scope("test data"):
        services.set_splits(case, {cast.wcc: Decimal("50"), cast.rbkc: Decimal("50")})
        SavingsTarget.objects.create(business_case=case, year=fy, cashable=Decimal("500000"))
        RealisedSaving.objects.create(
            business_case=case, partner=cast.wcc, year=fy, cashable=Decimal("1000"), evidence="x"
        )
    measured = services.measure_saving(case, cast.wcc, fy)
    assert measured is not None
    budget = f"{reverse('finance:budget')}?year={fy.pk}"
    urls = [
        budget,
        reverse("finance:businesscase_savings", args=[case.pk]),
        reverse("finance:businesscase_detail", args=[case.pk]),
        reverse("finance:realisedsaving_detail", args=[measured.pk]),
    ]
    problems: list[str] = []
    for role in ROLES:
        context = axe_context(browser, live_server.url)
        page = context.new_page()
        try:
            sign_in(page, getattr(cast, role))
            for url in urls:
                response = page.goto(url)
                status = response.status if response else 0
                assert status == 200, f"{role} {url}: {status}"
                if url == budget:
                    page.wait_for_selector("[data-concord-chart-drawn] canvas", timeout=10000)
                    drawn = page.evaluate(
                        "() => { const c = document.querySelector('[data-concord-chart] canvas');"
                        " return !!(c && window.Chart && window.Chart.getChart(c)); }"
                    )
                    assert drawn, f"{role}: the chart was not drawn"
                for violation in axe_violations(page):
                    problems.append(f"{role} {url}: {violation}")
                name = url.strip("/").split("?")[0].replace("/", "-")
                screenshot(page, f"finance-{name}-{role}")
        finally:
            context.close()
    assert not problems, "axe-core violations:\n" + "\n".join(problems)
