"""Every page template, crawled in a real browser as each role of the cast, passes axe-core.

axe-core (core.testing.axe) runs every one of its rules, best-practice and experimental ones
included, and the test fails on any violation, naming the role, the page and the rule. The
crawl visits, for every model with a test family (so every registered model): its list,
detail, add, edit, delete, history and import pages and its attachment upload; and the home
page, the change log, the council export page, the API's documentation, sign-in, and the
error pages (404 and 403 as served; 400, 500, CSRF and the locked-out page as drawn).

The service manager, who may open everything, visits every page of every model (every model's
own content: its fields, widgets, tables); each other role visits each kind of page of the
first model that offers it, so that every template is seen as each role (what the role may
do there, or its refusal). The manager's crawl is cut into parts, each a test of its own, so
that pytest-xdist's workers share it (every page is still visited, once). The whole crawl takes
about ten minutes on two busy cores.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.template import loader
from django.test import RequestFactory
from django.urls import reverse

from core.tenancy.scoping import system_scope
from core.testing.axe import axe_context, axe_violations
from core.testing.browser import screenshot
from core.testing.cast import PASSWORD
from core.testing.families.registry import declared_families, import_project_tests

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROLES = ("wcc_staff", "wcc_lead", "wcc_auditor", "agent", "finance", "manager")
MODEL_PAGES = ("list", "detail", "create", "update", "delete", "history", "import")
#: The manager visits every page of every model: a crawl as long as all the others together,
#: so it is cut into this many parts (the models dealt out in turn, each model's pages in one
#: part; the pages of no model in the first).
MANAGER_PARTS = 4
CRAWLS = [pytest.param(role, None, id=role) for role in ROLES if role != "manager"] + [
    pytest.param("manager", (part, MANAGER_PARTS), id=f"manager-{part + 1}of{MANAGER_PARTS}")
    for part in range(MANAGER_PARTS)
]


def sample_records(cast: Any) -> list[tuple[Any, Any]]:
    """(family, record) for every model a test family declares, one record each."""
    import_project_tests()
    records = []
    for family_class in declared_families():
        family = family_class()
        with system_scope("accessibility crawl sample data"):
            records.append((family, family.sample(cast)))
    return records


def model_urls(family: Any, obj: Any) -> dict[str, str]:
    """The pages of `obj`'s model that its family says it offers."""
    model = family.model
    urls = {}
    for view in MODEL_PAGES:
        if view not in family.pages or (view == "import" and not model.import_fields):
            continue
        args = [obj.pk] if view in ("detail", "update", "delete", "history") else []
        urls[view] = reverse(model.url_name(view), args=args)
    if getattr(model, "attachable", False) and "detail" in family.pages:
        meta = model._meta
        urls["attachment"] = reverse(
            "core:attachment_upload", args=[meta.app_label, meta.model_name, obj.pk]
        )
    return urls


def crawl_plan(
    records: list[tuple[Any, Any]], everything: bool, part: tuple[int, int] | None = None
) -> list[str]:
    """The addresses to visit: every model page (`everything`), or each kind of page once.
    Given a `part` (which, of how many), only that part of `everything`: the pages of every
    so-many-th model, and the pages of no model in part 0."""
    index, parts = part or (0, 1)
    own = index == 0
    plan = (
        ["/", reverse("core:change_list"), reverse("core:partner_export"), "/no-such-page/"]
        if own
        else []
    )
    seen_kinds: set[str] = set()
    for family, obj in records[index::parts] if everything else records:
        for view, url in model_urls(family, obj).items():
            if everything or view not in seen_kinds:
                plan.append(url)
                seen_kinds.add(view)
    if own:
        plan.append(reverse("api:docs"))
    return plan


def sign_in(page: Any, username: str) -> None:
    page.goto("/sign-in/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def check(page: Any, where: str, problems: list[str]) -> None:
    for violation in axe_violations(page):
        problems.append(f"{where}: {violation}")


@pytest.mark.parametrize(("role", "part"), CRAWLS)
def test_every_page_passes_axe_as_each_role(role, part, cast, live_server, browser):
    records = sample_records(cast)
    user = getattr(cast, role)
    context = axe_context(browser, live_server.url)
    page = context.new_page()
    problems: list[str] = []
    try:
        sign_in(page, user.username)
        for url in crawl_plan(records, everything=role == "manager", part=part):
            response = page.goto(url)
            status = response.status if response else 0
            assert status in (200, 403, 404), f"{role} {url}: {status}"
            if url == reverse("api:docs"):
                # Swagger UI draws the operations with its script: check what it drew, and an
                # operation opened (its parameters, responses and examples).
                page.locator("#swagger-ui .opblock-tag").first.wait_for()
                check(page, f"{role} {url} [{status}]", problems)
                page.locator("#swagger-ui .opblock-summary-control").first.click()
                page.locator("#swagger-ui .responses-table").first.wait_for()
                url += " (an operation open)"
            check(page, f"{role} {url} [{status}]", problems)
    except Exception:
        print("screenshot:", screenshot(page, f"axe-{role}"))
        raise
    finally:
        context.close()
    assert not problems, "axe-core violations:\n" + "\n".join(problems)


def test_sign_in_and_drawn_error_pages_pass_axe(cast, live_server, browser):
    """The pages of a visitor not signed in, and the error pages no crawl reaches (drawn as
    the server draws them, then shown from the live server's address so their styles load)."""
    from core.views import errors

    context = axe_context(browser, live_server.url)
    page = context.new_page()
    problems: list[str] = []
    try:
        page.goto("/sign-in/")
        check(page, "/sign-in/", problems)
        page.goto("/no-such-page/")
        check(page, "404 signed out", problems)
        request = RequestFactory().get("/")
        drawn = {
            "400": errors.bad_request(request, message="The request was not understood."),
            "500": errors.server_error(request),
            "csrf": errors.csrf_failure(request, reason="CSRF cookie not set."),
        }
        drawn_html = {name: r.content.decode() for name, r in drawn.items()}
        drawn_html["locked out"] = loader.render_to_string("registration/locked_out.html")
        for name, html in drawn_html.items():
            page.goto("/healthz")
            page.set_content(html)
            check(page, f"{name} page", problems)
    except Exception:
        print("screenshot:", screenshot(page, "axe-signed-out"))
        raise
    finally:
        context.close()
    assert not problems, "axe-core violations:\n" + "\n".join(problems)


def test_the_navigation_by_keyboard_and_without_javascript(cast, live_server, browser):
    """One tab stop per group; Enter opens a group and its links follow; Escape closes it
    (with JavaScript); and without JavaScript the groups still open and lead to their pages."""
    from playwright.sync_api import expect

    context = axe_context(browser, live_server.url)
    page = context.new_page()
    try:
        sign_in(page, "manager")
        page.locator("body.govuk-frontend-supported").wait_for(state="attached")
        menu = page.get_by_role("navigation", name="Menu")
        home = menu.get_by_role("link", name="Home")
        home.focus()
        summaries = menu.locator("summary")
        count = summaries.count()
        assert count >= 3
        for index in range(count):
            page.keyboard.press("Tab")
            expect(summaries.nth(index)).to_be_focused()
        # Enter opens the group; its links are the next tab stops.
        summaries.first.focus()
        page.keyboard.press("Enter")
        group = menu.locator("details").first
        expect(group).to_have_attribute("open", "")
        page.keyboard.press("Tab")
        expect(group.get_by_role("link").first).to_be_focused()
        assert not axe_violations(page)
        # Escape closes it and gives focus back to the group.
        page.keyboard.press("Escape")
        expect(group).not_to_have_attribute("open", "")
        expect(summaries.first).to_be_focused()
    except Exception:
        print("screenshot:", screenshot(page, "nav-keyboard"))
        raise
    finally:
        context.close()

    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, "wcc.lead")
        menu = page.get_by_role("navigation", name="Menu")
        menu.get_by_text("Councils and people").click()
        menu.get_by_role("link", name="Rooms").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Rooms")
        # The group of the page one is on is marked, and the page's link says it is current.
        active = menu.locator(".govuk-service-navigation__item--active")
        expect(active).to_contain_text("Councils and people")
        expect(active.locator('a[aria-current="page"]')).to_have_attribute("href", "/rooms/")
    except Exception:
        print("screenshot:", screenshot(page, "nav-no-js"))
        raise
    finally:
        context.close()


def test_the_parts_of_the_manager_crawl_visit_every_page_once(cast):
    """Cutting the manager's crawl into parts leaves out no page and visits none twice."""
    records = sample_records(cast)
    whole = crawl_plan(records, everything=True)
    parts = [
        url
        for index in range(MANAGER_PARTS)
        for url in crawl_plan(records, everything=True, part=(index, MANAGER_PARTS))
    ]
    assert sorted(parts) == sorted(whole)
    assert len(whole) > MANAGER_PARTS * 4, "each part has pages to visit"


def test_axe_comes_with_every_page_and_finds_what_breaks_a_rule(live_server, browser):
    """The crawl's context loads axe-core into each document it opens (``axe_context``), and
    axe run there reports a violation: a page that passes does so because nothing breaks a rule,
    not because axe was missing or quiet."""
    context = axe_context(browser, live_server.url)
    page = context.new_page()
    try:
        page.goto("/sign-in/")
        assert page.evaluate("typeof window.axe") == "object", "axe should come with the page"
        assert axe_violations(page) == []
        page.set_content(
            '<html lang="en"><head><title>Broken</title></head><body><main><h1>Broken</h1>'
            '<img src="/static/none.png"></main></body></html>'
        )
        found = axe_violations(page)
        assert any(line.startswith("image-alt ") for line in found), found
    finally:
        context.close()
