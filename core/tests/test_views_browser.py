"""The pages in a real browser: scripts load under the strict CSP, htmx filters in place."""

from __future__ import annotations

from typing import Any

import pytest

from core.tenancy.scoping import system_scope
from core.testing.browser import screenshot
from core.testing.cast import PASSWORD
from core.testing.sample.models import Room

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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
        Room.objects.create(partner=cast.wcc, code="CH", name="City Hall")
        Room.objects.create(partner=cast.wcc, code="LIB", name="Library")
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
        page.goto("/rooms/")
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
        # The type-ahead for the type of room builds under the CSP too.
        page.goto("/rooms/new/")
        page.wait_for_selector("input#id_room_type")
        assert page.locator("select#id_room_type-select").count() == 1
        assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p]
        # Without JavaScript's help the same form still works (a plain GET).
        page.goto("/rooms/?q=city")
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


def test_a_bad_filter_in_place_is_explained_and_takes_focus(cast, live_server, browser):
    """A list filtered in place (htmx) says which filter is wrong, as the full page does."""
    from playwright.sync_api import expect

    from core.testing.sample.models import RoomType

    with system_scope("test data"):
        Room.objects.create(partner=cast.wcc, code="CH", name="City Hall")
        gone = RoomType.objects.create(name="Kiosk")
    page = signed_in_page(browser, live_server, "wcc.lead")
    try:
        page.goto("/rooms/")
        wait_for_scripts(page)
        # The type of room goes while the page is open: choosing it is now a bad filter.
        with system_scope("test data"):
            gone.delete()
        page.get_by_label("Type of room").select_option(label="Kiosk")
        with page.expect_response(lambda r: "room_type=" in r.url):
            page.get_by_role("button", name="Apply filters").click()
        summary = page.locator("#concord-filter-errors .govuk-error-summary")
        expect(summary).to_be_visible()
        # GOV.UK's error summary takes focus, as it does on a page that loads with errors.
        expect(summary).to_be_focused()
        link = summary.get_by_role("link")
        expect(link).to_have_attribute("href", "#id_room_type")
        # The field says what is wrong with it, and the list was filtered in place.
        expect(page.locator("#id_room_type-error")).to_be_visible()
        expect(page.get_by_label("Type of room")).to_have_attribute(
            "aria-describedby", "id_room_type-error"
        )
        expect(page).to_have_title("Error: Rooms \u2013 Concord")
        expect(page.locator("#concord-results-status")).to_have_text(
            "Correct the filters to see rooms."
        )
        assert page.evaluate("document.querySelectorAll('h1').length") == 1
        # The summary's link leads to the field.
        link.click()
        expect(page.get_by_label("Type of room")).to_be_focused()
        # Put right, the errors go and focus stays on the button that applied the filters.
        page.get_by_label("Type of room").select_option(label="Any")
        with page.expect_response(lambda r: "room_type=&" in r.url or r.url.endswith("room_type=")):
            page.get_by_role("button", name="Apply filters").click()
        expect(page.locator("#concord-results")).to_contain_text("City Hall")
        expect(summary).to_have_count(0)
        expect(page.locator(".govuk-form-group--error")).to_have_count(0)
        expect(page).to_have_title("Rooms \u2013 Concord")
        expect(page.locator("#concord-results-status")).to_have_text("Showing 1 room.")
        expect(page.get_by_role("button", name="Apply filters")).to_be_focused()
        # The form drawn again still filters in place.
        page.get_by_label("Search", exact=True).fill("nothing like it")
        with page.expect_response(lambda r: "q=nothing" in r.url):
            page.get_by_label("Search", exact=True).press("Enter")
        expect(page.locator("#concord-results-status")).to_have_text(
            "No rooms match these filters."
        )
        expect(page.get_by_label("Search", exact=True)).to_be_focused()
    except Exception:
        print("screenshot:", screenshot(page, "views-browser-filter-errors"))
        raise


def test_the_header_council_filter_waits_for_its_button(cast, live_server, browser):
    """Arrow keys on the "Councils shown" select change nothing until "Show" (WCAG 3.2.2)."""
    from playwright.sync_api import expect

    with system_scope("test data"):
        Room.objects.create(partner=cast.wcc, code="CH", name="City Hall")
        Room.objects.create(partner=cast.rbkc, code="TH", name="Town Hall")
    page = signed_in_page(browser, live_server, "manager")
    try:
        page.goto("/rooms/")
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
        assert page.url == f"{live_server.url}/rooms/"
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
