"""In-place updates (htmx) that go wrong, in a real browser: an expired session, a server error,
a dropped connection, a poll that fails; and the header's council filter after filtering in place.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from core.models import ImportJob, JobStatus
from core.tenancy.scoping import system_scope
from core.testing.browser import screenshot
from core.testing.cast import PASSWORD
from core.testing.sample.models import Room
from core.tests.test_views_browser import signed_in_page, wait_for_scripts

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SERVER_ERROR_TITLE = "Sorry, there is a problem with the service \u2013 Concord"


@pytest.fixture
def rooms(cast: Any) -> None:
    with system_scope("test data"):
        Room.objects.create(partner=cast.wcc, code="CH", name="City Hall")
        Room.objects.create(partner=cast.wcc, code="LIB", name="Library")
        Room.objects.create(partner=cast.rbkc, code="TH", name="Town Hall")


def is_htmx(request: Any) -> bool:
    return request.headers.get("hx-request") == "true"


def test_an_expired_session_shows_the_sign_in_page_and_comes_back(
    cast, rooms, live_server, browser
):
    from playwright.sync_api import expect

    page = signed_in_page(browser, live_server, "wcc.lead")
    try:
        page.goto("/rooms/")
        wait_for_scripts(page)
        page.context.clear_cookies()  # the session is gone, as when it expires
        page.get_by_label("Search", exact=True).fill("libr")
        page.get_by_role("button", name="Apply filters").click()
        # A whole page: the sign-in form, not an empty list titled "Sign in".
        page.wait_for_url(re.compile(r"/sign-in/\?next=/rooms/%3F.*q%3Dlibr"))
        expect(page).to_have_title("Sign in \u2013 Concord")
        expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Concord")
        page.fill("#id_username", "wcc.lead")
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        # Back on the list, filtered as asked.
        page.wait_for_url(re.compile(r"/rooms/\?.*q=libr"))
        expect(page.locator("#concord-results")).to_contain_text("Library")
        expect(page.locator("#concord-results")).not_to_contain_text("City Hall")
    except Exception:
        print("screenshot:", screenshot(page, "htmx-expired-session"))
        raise


def test_a_server_error_while_filtering_in_place_shows_the_error_page(
    cast, rooms, live_server, browser, monkeypatch
):
    from playwright.sync_api import expect

    from core.views.pages import ModelListView

    # The live server runs in this process: this search fails on the server, in place or not.
    shown = ModelListView.get

    def fails_on_boom(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        if request.GET.get("q") == "boom":
            raise RuntimeError("a fault injected by the test")
        return shown(self, request, *args, **kwargs)

    monkeypatch.setattr(ModelListView, "get", fails_on_boom)
    page = signed_in_page(browser, live_server, "wcc.lead")
    htmx_answers: list[int] = []
    page.on("response", lambda r: htmx_answers.append(r.status) if is_htmx(r.request) else None)
    try:
        page.goto("/rooms/")
        wait_for_scripts(page)
        page.get_by_label("Search", exact=True).fill("boom")
        page.get_by_role("button", name="Apply filters").click()
        # The in-place request failed, and the form was sent again as a page.
        page.wait_for_url(re.compile(r"/rooms/\?.*q=boom"))
        expect(page).to_have_title(SERVER_ERROR_TITLE)
        assert htmx_answers == [500]
    except Exception:
        print("screenshot:", screenshot(page, "htmx-server-error"))
        raise


def test_a_dropped_connection_while_filtering_falls_back_to_a_page_load(
    cast, rooms, live_server, browser
):
    from playwright.sync_api import expect

    page = signed_in_page(browser, live_server, "wcc.lead")
    in_place: list[str] = []

    def drop_htmx(route: Any) -> None:
        if is_htmx(route.request):
            in_place.append(route.request.url)
            route.abort("internetdisconnected")
        else:
            route.continue_()

    page.route(re.compile(r"/rooms/\?"), drop_htmx)
    try:
        page.goto("/rooms/")
        wait_for_scripts(page)
        page.evaluate("window.concordSamePage = true")
        page.get_by_label("Search", exact=True).fill("libr")
        page.get_by_role("button", name="Apply filters").click()
        page.wait_for_url(re.compile(r"/rooms/\?.*q=libr"))
        expect(page.locator("#concord-results")).to_contain_text("Library")
        expect(page.locator("#concord-results")).not_to_contain_text("City Hall")
        assert len(in_place) == 1
        # A new page, not the old one with its address changed.
        assert page.evaluate("window.concordSamePage") is None
    except Exception:
        print("screenshot:", screenshot(page, "htmx-send-error"))
        raise


def test_the_import_progress_polls_through_a_dropped_connection_and_reloads_on_an_error(
    cast, live_server, browser
):
    from playwright.sync_api import expect

    job = ImportJob.objects.create(
        user=cast.wcc_lead,
        model_label="sample.Room",
        filename="big.csv",
        status=JobStatus.CHECKING,
        rows_total=1000,
    )
    job_url = f"/rooms/import/?job={job.token}"
    page = signed_in_page(browser, live_server, "wcc.lead")
    polls: list[str] = []
    # How many polls had been made when each whole page was asked for.
    page_loads: list[int] = []

    def first_drop_then_fail(route: Any) -> None:
        if not is_htmx(route.request):
            page_loads.append(len(polls))
            route.continue_()
            return
        polls.append(route.request.url)
        if len(polls) == 1:
            route.abort("internetdisconnected")
        elif len(polls) == 2:
            route.fulfill(status=500, content_type="text/html", body="<p>Server error</p>")
        else:
            route.continue_()

    page.route(re.compile(r"/rooms/import/\?job="), first_drop_then_fail)
    try:
        page.goto(job_url)
        wait_for_scripts(page)
        page.evaluate("window.concordSamePage = true")
        with page.expect_event("load", timeout=15_000):
            pass  # two polls, 2 s apart: the first dropped, the second answered 500
        # Polling went on through the dropped connection; the error answer reloaded the page.
        assert page_loads == [0, 2]
        assert page.evaluate("window.concordSamePage") is None
        expect(page.locator("#import-progress")).to_contain_text("Checking the file")
        # The progress is drawn once, not the page inside itself.
        expect(page.locator("h1")).to_have_count(1)
    except Exception:
        print("screenshot:", screenshot(page, "htmx-poll-errors"))
        raise


def test_the_council_filter_keeps_the_filters_applied_in_place(cast, rooms, live_server, browser):
    from playwright.sync_api import expect

    page = signed_in_page(browser, live_server, "manager")
    try:
        page.goto("/rooms/")
        wait_for_scripts(page)
        page.get_by_label("Search", exact=True).fill("hall")
        with page.expect_response(lambda r: "q=hall" in r.url and is_htmx(r.request)):
            page.get_by_role("button", name="Apply filters").click()
        expect(page).to_have_url(re.compile(r"/rooms/\?.*q=hall"))
        address = page.evaluate("location.pathname + location.search")
        expect(page.locator("#concord-partner-filter-next")).to_have_value(address)
        page.get_by_label("Councils shown").select_option(value="wcc")
        page.get_by_role("button", name="Show").click()
        page.wait_for_load_state()
        expect(page).to_have_url(re.compile(r"/rooms/\?.*q=hall"))
        expect(page.get_by_label("Search", exact=True)).to_have_value("hall")
        results = page.locator("#concord-results")
        expect(results).to_contain_text("City Hall")
        expect(results).not_to_contain_text("Town Hall")  # another council's
        expect(results).not_to_contain_text("Library")  # filtered out by the search
    except Exception:
        print("screenshot:", screenshot(page, "htmx-council-filter-next"))
        raise
