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


def wait_for_scripts(page: Any) -> None:
    """Wait until app.js has run (htmx, loaded before it, has too).

    Not with ``page.wait_for_function``: when its condition is not yet true it polls through
    ``eval``, which the page's Content-Security-Policy refuses, so the test fails at random.
    """
    page.locator("body.govuk-frontend-supported").wait_for(state="attached")
    assert page.evaluate("typeof window.htmx") == "object"


def test_scripts_run_under_the_csp_and_the_filter_updates_in_place(cast, live_server, browser):
    from django.contrib.staticfiles import finders
    from playwright.sync_api import expect

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
        wait_for_scripts(page)
        page.fill("#id_q", "libr")
        with page.expect_response(lambda r: "q=libr" in r.url):
            page.click("text=Apply filters")
        expect(page.locator("#concord-results")).not_to_contain_text("City Hall")
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


def signed_in_page(browser: Any, live_server: Any, username: str) -> Any:
    page = browser.new_page(base_url=live_server.url)
    page.set_default_timeout(10_000)
    page.goto("/sign-in/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return page


def test_the_header_council_filter_waits_for_its_button(cast, live_server, browser):
    """Arrow keys on the "Councils shown" select change nothing until "Show" (WCAG 3.2.2)."""
    from playwright.sync_api import expect

    with system_scope("test data"):
        Site.objects.create(partner=cast.wcc, code="CH", name="City Hall")
        Site.objects.create(partner=cast.rbkc, code="TH", name="Town Hall")
    page = signed_in_page(browser, live_server, "manager")
    try:
        page.goto("/sites/")
        wait_for_scripts(page)
        # Anything that submits a form is noted before the key press returns, where a page
        # loaded by the submission can still read it.
        page.evaluate(
            "document.addEventListener('submit', () => sessionStorage.setItem('submitted', 'yes'))"
        )
        select = page.get_by_label("Councils shown")
        select.focus()
        select.press("ArrowDown")
        assert select.input_value() != "", "the arrow key did not move the selection"
        assert page.evaluate("sessionStorage.getItem('submitted')") is None
        assert page.url == f"{live_server.url}/sites/"
        expect(page.locator("#concord-results")).to_contain_text("Town Hall")
        # The button applies the choice.
        chosen = select.input_value()
        page.get_by_role("button", name="Show").click()
        page.wait_for_load_state()
        expect(page.get_by_label("Councils shown")).to_have_value(chosen)
        expect(page.locator("main")).to_contain_text("only")
    except Exception:
        print("screenshot:", screenshot(page, "views-browser-header-filter"))
        raise
