"""The published register's page in a browser: reached from the contracts list, passing
axe-core, its downloads plain links that work without JavaScript."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from contracts.tests.test_publishing import contract, settings_for
from core.testing.axe import axe_context, axe_violations
from core.testing.browser import screenshot
from core.testing.cast import PASSWORD, Cast

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Any, username: str) -> None:
    page.goto("/sign-in/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def test_a_lead_downloads_the_register(
    cast: Cast, live_server: Any, browser: Any, tmp_path: Path
) -> None:
    settings_for(cast.wcc, "ocds-b5fd17-wcc")
    contract("WCC-NET-1", {cast.wcc: 100})
    contract("JOINT-1", {cast.wcc: 50, cast.rbkc: 50})
    context = axe_context(browser, live_server.url)
    page = context.new_page()
    try:
        sign_in(page, cast.wcc_lead.username)
        page.goto("/contracts/")
        page.get_by_role("link", name="Publish the contracts register").click()
        page.wait_for_url("**/contracts/register/")
        assert page.get_by_role("heading", level=1).inner_text() == (
            "Publish the contracts register"
        )
        assert axe_violations(page) == []
        page.screenshot(path=str(tmp_path / "register.png"), full_page=True)
        with page.expect_download() as downloading:
            page.get_by_role(
                "link", name=f"Download the OCDS release package of {cast.wcc.name}"
            ).click()
        saved = tmp_path / "wcc.json"
        downloading.value.save_as(saved)
        package = json.loads(saved.read_text(encoding="utf-8"))
        assert len(package["releases"]) == 2
    except Exception:
        print("screenshot:", screenshot(page, "publishing-register"))
        raise
    finally:
        context.close()
