"""The joint roadmap in a real browser: with JavaScript, roadmap.js draws the items of the page's
JSON data block as a timeline (a bar or marker per item, each a link to its record); without
it, the tables by quarter carry the same items; both pass axe-core as a council's lead. Each
page is saved as a screenshot to look at (CONCORD_SCREENSHOT_DIR, /tmp by default)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from core.tenancy.scoping import system_scope
from core.testing.axe import axe_context, axe_violations
from core.testing.browser import screenshot
from core.testing.cast import PASSWORD
from portfolio.models import Milestone
from portfolio.tests.factories import project

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Any, user: Any) -> None:
    page.goto("/sign-in/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


@pytest.fixture
def roadmap(cast: Any) -> Any:
    today = timezone.localdate()
    joint = project(
        "TL-JOINT",
        {cast.wcc: 50, cast.rbkc: 50},
        name="Data centre move",
        start_date=today - datetime.timedelta(days=30),
        end_date=today + datetime.timedelta(days=200),
    )
    project("TL-RBKC", {cast.rbkc: 100}, name="Kensington only", start_date=today)
    with system_scope("test data"):
        Milestone.objects.create(
            project=joint, name="Cut-over", due_date=today + datetime.timedelta(days=40)
        )
    return joint


def test_the_roadmap_draws_a_timeline_and_passes_axe(cast, roadmap, live_server, browser):
    context = axe_context(browser, live_server.url)
    try:
        page = context.new_page()
        sign_in(page, cast.wcc_lead)
        response = page.goto("/portfolio/roadmap/")
        assert response is not None and response.status == 200
        page.wait_for_selector("#roadmap-timeline:not([hidden]) .concord-roadmap__bar")
        bars = page.locator("#roadmap-timeline .concord-roadmap__bar")
        labels = [bars.nth(i).get_attribute("aria-label") or "" for i in range(bars.count())]
        assert any("Data centre move" in label for label in labels), labels
        assert any("Cut-over" in label for label in labels), labels
        assert not any("Kensington only" in label for label in labels)  # another council's
        assert page.locator("#roadmap-quarters table").count() > 0  # the tables stay
        chosen = page.locator("#id_council option:checked").inner_text()
        assert chosen == "All your councils together"
        problems = axe_violations(page)
        screenshot(page, "portfolio-roadmap-wcc_lead")
        assert not problems, "axe-core violations:\n" + "\n".join(map(str, problems))
    finally:
        context.close()


def test_without_javascript_the_tables_carry_the_roadmap(cast, roadmap, live_server, browser):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, cast.wcc_lead)
        page.goto("/portfolio/roadmap/")
        assert not page.locator("#roadmap-timeline").is_visible()
        quarters = page.locator("#roadmap-quarters").inner_text()
        assert "Data centre move" in quarters or "TL-JOINT" in quarters
        assert "Cut-over" in quarters and "Kensington only" not in quarters
        screenshot(page, "portfolio-roadmap-no-js")
    finally:
        context.close()
