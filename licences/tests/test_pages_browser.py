"""The asset register's and the licences' own pages (reports, impact, a device with its
software), which the foundation's crawl of model pages does not reach, pass axe-core as each
role of the cast, in a real browser (core.testing.axe); each is saved as a screenshot to look
at (CONCORD_SCREENSHOT_DIR, /tmp by default)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse

from assets.tests.factories import asset, item, relate
from core.tenancy.scoping import system_scope
from core.testing.axe import axe_context, axe_violations
from core.testing.browser import screenshot
from core.testing.cast import PASSWORD
from licences.models import Installation
from licences.tests.factories import agreement, product

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROLES = ("wcc_staff", "wcc_lead", "wcc_auditor", "agent", "manager")


def estate(cast: Any) -> dict[str, Any]:
    """A little of everything the pages show: an out-of-support laptop with software on it,
    a service on a server, products two councils license separately."""
    laptop = asset(
        cast.wcc, asset_tag="WCC-LT-7", serial_number="SN7", os_name="Windows 7 Professional"
    )
    server = item(cast.wcc, "WCC-SQL-01", kind="server")
    crm = item({cast.wcc: 50, cast.rbkc: 50}, "Shared CRM")
    relate(crm, "runs_on", server)
    office = product("Orrery Office")
    agreement("W-OFF", {cast.wcc: 100}, quantity=5, of=office,
              renewal_on=datetime.date.today() + datetime.timedelta(days=60))  # fmt: skip
    agreement("R-OFF", {cast.rbkc: 100}, quantity=5, unit_cost="90.00", of=office)
    with system_scope("test data"):
        Installation.objects.create(partner=cast.wcc, device=laptop, product=office)
    return {"laptop": laptop, "server": server}


def test_the_apps_own_pages_pass_axe_as_each_role(cast, live_server, browser):
    made = estate(cast)
    urls = [
        reverse("assets:asset_detail", args=[made["laptop"].pk]),
        reverse("assets:end_of_support"),
        reverse("assets:stocktake_due"),
        reverse("assets:configurationitem_impact", args=[made["server"].pk]),
        reverse("licences:compliance"),
        reverse("licences:renewals"),
        reverse("licences:joint_licensing"),
    ]
    problems: list[str] = []
    for role in ROLES:
        context = axe_context(browser, live_server.url)
        page = context.new_page()
        try:
            page.goto("/sign-in/")
            page.fill("#id_username", getattr(cast, role).username)
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url("**/")
            for url in urls:
                response = page.goto(url)
                status = response.status if response else 0
                assert status in (200, 403, 404), f"{role} {url}: {status}"
                for violation in axe_violations(page):
                    problems.append(f"{role} {url} [{status}]: {violation}")
                screenshot(page, f"pages-{role}-{url.strip('/').replace('/', '-')}")
        finally:
            context.close()
    assert not problems, "axe-core violations:\n" + "\n".join(problems)
