"""In a real browser: signing in through a council's provider on loopback (its cookies and
redirects as a browser follows them), and the identity pages checked by axe-core: the sign-in
page offering providers, a refused sign-in, adding an authenticator, the recovery codes."""

from __future__ import annotations

from typing import Any

import pyotp
import pytest

from core.tenancy.choices import CouncilRole
from core.tenancy.models import Membership, User
from core.tenancy.scoping import system_scope
from core.testing.axe import axe_context, axe_violations
from core.testing.browser import screenshot
from core.testing.cast import PASSWORD, Cast
from identity.loopback import start_provider
from identity.models import IdentityProvider

pytestmark = [pytest.mark.browser, pytest.mark.oidc, pytest.mark.django_db(transaction=True)]


def test_sign_in_through_the_councils_provider_in_a_browser(
    cast: Cast, live_server: Any, browser: Any, settings: Any
) -> None:
    settings.IDENTITY_SECRETS_IN_DATABASE = True
    accounts = {
        "ana": {
            "email": "ana@westminster.gov.uk",
            "name": "Ana Lopez",
            "groups": ["Concord IT leads"],
        }
    }
    loop = start_provider(
        "concord-wcc", [f"{live_server.url}/sign-in/with/wcc/callback/"], accounts
    )
    try:
        with system_scope("test data"):
            IdentityProvider.objects.create(
                partner=cast.wcc,
                slug="wcc",
                name="City of Westminster",
                issuer=loop.issuer,
                client_id=loop.client_id,
                client_secret=loop.client_secret,
                scopes="openid email profile groups",
                email_domains="westminster.gov.uk",
                group_roles="Concord IT leads = lead",
            )
        context = axe_context(browser, live_server.url)
        page = context.new_page()
        problems: list[str] = []
        try:
            page.goto("/sign-in/")
            problems += [f"sign-in: {v}" for v in axe_violations(page)]
            page.get_by_role("button", name="Sign in with City of Westminster").click()
            page.fill("input[name=login]", "ana")
            page.fill("input[name=password]", "anything")
            page.click("button[type=submit]")
            page.wait_for_url(f"{live_server.url}/")
            assert "Ana Lopez" in page.inner_text("body")
            page.get_by_role("button", name="Sign out").click()
            page.wait_for_url(f"{live_server.url}/sign-in/")
            page.goto("/sign-in/with/wcc/callback/?state=made-up")
            assert "You could not be signed in" in page.inner_text("h1")
            problems += [f"refused: {v}" for v in axe_violations(page)]
        except Exception:
            print("screenshot:", screenshot(page, "identity-sign-in"))
            raise
        finally:
            context.close()
        ana = User.objects.get(email="ana@westminster.gov.uk")
        with system_scope("test"):
            assert set(Membership.objects.filter(user=ana).values_list("role", flat=True)) == {
                CouncilRole.LEAD
            }
        assert not problems, "axe-core violations:\n" + "\n".join(problems)
    finally:
        loop.stop()


def test_second_factor_pages_pass_axe(
    cast: Cast, live_server: Any, browser: Any, settings: Any
) -> None:
    settings.IDENTITY_STAFF_SECOND_FACTOR = True
    context = axe_context(browser, live_server.url)
    page = context.new_page()
    problems: list[str] = []
    try:
        page.goto("/sign-in/")
        page.fill("#id_username", "agent")
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/sign-in/second-factor/")
        problems += [f"adding: {v}" for v in axe_violations(page)]
        page.fill("#id_code", "12")
        page.click("button[type=submit]")
        problems += [f"wrong code: {v}" for v in axe_violations(page)]
        secret = page.inner_text("#secret")
        page.fill("#id_code", pyotp.TOTP(secret).now())
        page.click("button[type=submit]")
        assert "Your recovery codes" in page.inner_text("h1")
        problems += [f"recovery codes: {v}" for v in axe_violations(page)]
    except Exception:
        print("screenshot:", screenshot(page, "identity-second-factor"))
        raise
    finally:
        context.close()
    assert not problems, "axe-core violations:\n" + "\n".join(problems)
