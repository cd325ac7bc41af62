"""A lock-out in a real browser, with JavaScript off: the person is told when to try again, their
council's lead lifts it on the lock-outs page, and they sign in."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.hashers import make_password

from core.testing.browser import screenshot
from core.testing.cast import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def quick_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    from core.tests.test_security import QuickArgon2

    quick = make_password(PASSWORD, hasher=QuickArgon2())
    monkeypatch.setattr("core.testing.cast.password_hash", lambda: quick)


def sign_in(page: Any, username: str, password: str) -> None:
    page.goto("/sign-in/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")


def test_a_lead_lifts_a_lock_out_without_javascript(cast, live_server, browser):
    person = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    lead = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = person.new_page()
    try:
        for _ in range(5):
            sign_in(page, "wcc.staff", "wrong password")
        assert "You cannot sign in for now" in page.inner_text("h1")
        assert "You can try again from" in page.inner_text("#retry-from")
        assert "(UK time)" in page.inner_text("#retry-from")

        lead_page = lead.new_page()
        sign_in(lead_page, "wcc.lead", PASSWORD)
        lead_page.goto("/sign-in-lockouts/")
        row = lead_page.locator("tr", has_text="wcc.staff")
        assert "203.0.113" not in row.inner_text()  # the live server's own address
        assert "127.0.0.1" in row.inner_text()
        row.get_by_role("button", name="Lift").click()
        assert "The lock-out of wcc.staff from 127.0.0.1 is lifted" in lead_page.inner_text(
            ".govuk-notification-banner"
        )
        assert "Nobody you can see is locked out now" in lead_page.inner_text("main")

        sign_in(page, "wcc.staff", PASSWORD)
        assert page.url == f"{live_server.url}/"
    except Exception:
        print(f"screenshot: {screenshot(page, 'signin-lockout-failed')}")
        raise
    finally:
        person.close()
        lead.close()
