"""The pages in a real browser: scripts load under the strict CSP, htmx filters in place."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from core.scoping import system_scope
from core.testing.browser import launch_chromium, require_browser, screenshot
from core.testing.cast import PASSWORD
from partners.models import Site

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser() -> Iterator[Any]:
    require_browser()
    with launch_chromium() as chromium:
        yield chromium


def test_scripts_run_under_the_csp_and_the_filter_updates_in_place(cast, live_server, browser):
    from django.contrib.staticfiles import finders

    if not finders.find("vendor/govuk-frontend/govuk-frontend.min.js"):
        pytest.fail("static/vendor is not built: run `make static`", pytrace=False)
    with system_scope("test data"):
        Site.objects.create(partner=cast.wcc, code="CH", name="City Hall")
        Site.objects.create(partner=cast.wcc, code="LIB", name="Library")
    page = browser.new_page(base_url=live_server.url)
    problems: list[str] = []
    page.on(
        "console",
        lambda msg: problems.append(msg.text) if msg.type in ("error", "warning") else None,
    )
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    try:
        page.goto("/sign-in/")
        page.fill("#id_username", "wcc.lead")
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        page.goto("/sites/")
        # app.js ran: GOV.UK Frontend's components are switched on.
        page.wait_for_function("document.body.classList.contains('govuk-frontend-supported')")
        page.wait_for_function("window.htmx !== undefined")
        page.fill("#id_q", "libr")
        with page.expect_response(lambda r: "q=libr" in r.url):
            page.click("text=Apply filters")
        page.wait_for_function(
            "!document.querySelector('#concord-results').textContent.includes('City Hall')"
        )
        assert "Library" in page.inner_text("#concord-results")
        assert "q=libr" in page.url  # the address bar follows the filter
        # The selected filters and the download links follow too.
        assert "libr" in page.inner_text("#concord-selected-filters")
        assert "q=libr" in (page.get_attribute("a:has-text('Download CSV')", "href") or "")
        # No script or style was refused by the Content-Security-Policy, nothing failed.
        assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p]
        assert not [p for p in problems if "Error" in p], problems
        # The type-ahead for the type of site builds under the CSP too.
        page.goto("/sites/new/")
        page.wait_for_selector("input#id_site_type")
        assert page.locator("select#id_site_type-select").count() == 1
        assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p]
        # Without JavaScript's help the same form still works (a plain GET).
        page.goto("/sites/?q=city")
        assert "City Hall" in page.inner_text("#concord-results")
    except Exception:
        print("screenshot:", screenshot(page, "views-browser"))
        raise
