"""A council lead's journey through the sites pages, in a real (headless) browser.

wcc.lead signs in, opens the sites list, filters it, opens a site, renames it and sees the
change in its history; rbkc.lead then gets a 404 at that site's address. Every field is reached
by its label and every control by its accessible name, so the test also checks that they have
them. A failing test leaves a screenshot in /tmp (core.testing.browser.SCREENSHOT_DIR).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from core.tenancy.scoping import system_scope
from core.testing.browser import screenshot
from core.testing.cast import PASSWORD, Cast
from estate.models import Site, SiteType

pytestmark = [pytest.mark.browser]


@pytest.fixture
def page(request: pytest.FixtureRequest, live_server: Any, browser: Any) -> Iterator[Any]:
    """A fresh browser page, in a context of its own, on the live server; a screenshot is kept
    if the test fails."""
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    # conftest.py's pytest_runtest_makereport leaves the outcome on the test item.
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        path = screenshot(page, request.node.name)
        print(f"screenshot of the failed browser test: {path}")
    context.close()


def sign_in(page: Any, username: str) -> None:
    page.goto("/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert "/sign-in/" not in page.url, f"{username} could not sign in"


def test_lead_filters_edits_and_sees_history_other_council_gets_404(page: Any, cast: Cast) -> None:
    from playwright.sync_api import expect

    with system_scope("browser test data"):
        office = SiteType.objects.create(name="Office")
        depot = SiteType.objects.create(name="Depot")
        Site.objects.create(
            partner=cast.wcc, code="CH", name="Westminster City Hall", site_type=office
        )
        target = Site.objects.create(
            partner=cast.wcc, code="LG", name="Lisson Grove Depot", site_type=depot
        )
        Site.objects.create(
            partner=cast.rbkc, code="KTH", name="Kensington Town Hall", site_type=office
        )

    # Static files come from the live server: the GOV.UK stylesheet loads.
    css = page.request.get("/static/vendor/govuk-frontend/govuk-frontend.min.css")
    assert css.ok, "static files are not served: run `node scripts/build-static.mjs`"

    sign_in(page, "wcc.lead")
    menu = page.get_by_role("navigation", name="Menu")
    # Sites are in the "Councils and people" group, which opens (a <details>) to show them.
    menu.get_by_text("Councils and people").click()
    menu.get_by_role("link", name="Sites").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sites")
    results = page.locator("#concord-results")
    expect(results).to_contain_text("Westminster City Hall")
    expect(results).to_contain_text("Lisson Grove Depot")
    expect(results).not_to_contain_text("Kensington Town Hall")

    # Filter: by type, then search; the list narrows to the depot.
    page.get_by_label("Type of site").select_option(label="Depot")
    page.get_by_label("Search", exact=True).fill("Lisson")
    page.get_by_role("button", name="Apply filters").click()
    expect(results).not_to_contain_text("Westminster City Hall")
    expect(results).to_contain_text("Lisson Grove Depot")

    results.get_by_role("link", name=re.compile("Lisson Grove Depot")).click()
    expect(page).to_have_url(re.compile(rf"/sites/{target.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Lisson Grove Depot")

    page.get_by_role("link", name=re.compile(r"^Edit")).click()
    page.get_by_label("Name", exact=True).fill("Lisson Grove Works")
    page.get_by_role("button", name="Save changes").click()
    expect(page).to_have_url(re.compile(rf"/sites/{target.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Lisson Grove Works")

    page.get_by_role("link", name=re.compile(r"^History")).click()
    expect(page).to_have_url(re.compile(rf"/sites/{target.pk}/history/$"))
    timeline = page.locator("main")
    expect(timeline).to_contain_text("Lisson Grove Depot")
    expect(timeline).to_contain_text("Lisson Grove Works")
    expect(timeline).to_contain_text(f"by {cast.wcc_lead.display_name}")

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "rbkc.lead")
    response = page.goto(f"/sites/{target.pk}/")
    assert response is not None and response.status == 404
    expect(page.locator("main")).not_to_contain_text("Lisson Grove")


def test_manager_adds_a_site_from_a_council_and_sees_which_councils_a_list_shows(
    page: Any, cast: Cast
) -> None:
    """From a council's page, "Add site" opens "Add site" with that council chosen; with one
    council chosen at the top of the page and another in the list's filter (applied in place),
    the list says why nothing matches."""
    from playwright.sync_api import expect

    sign_in(page, "manager")
    page.goto(f"/partners/{cast.rbkc.pk}/")
    page.get_by_role("link", name="Add site", exact=True).click()
    expect(page).to_have_title(re.compile(r"^Add site"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Add site")
    council = page.get_by_label("Council", exact=True)
    expect(council).to_have_value(str(cast.rbkc.pk))
    page.get_by_label("Code", exact=True).fill("KTH")
    page.get_by_label("Name", exact=True).fill("Kensington Town Hall")
    page.get_by_role("button", name="Add site").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Kensington Town Hall")
    expect(page.locator("main")).to_contain_text(cast.rbkc.name)

    page.get_by_label("Councils shown").select_option(label=cast.wcc.name)
    page.get_by_role("button", name="Show").click()
    page.goto("/sites/")
    results = page.locator("#concord-results")
    expect(results).to_contain_text(f"Showing {cast.wcc.name} only")
    page.locator("#concord-filters, .moj-filter").get_by_label("Council").select_option(
        label=cast.rbkc.name
    )
    page.get_by_role("button", name="Apply filters").click()
    expect(results).to_contain_text(
        f"The council filter asks for {cast.rbkc.name}, which is not shown: nothing matches."
    )
    expect(page.locator("#concord-results-status")).to_contain_text("nothing matches")
