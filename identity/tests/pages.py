"""The identity app's pages beyond its generic ones, for the page template checks
(core.testing.visits): a refused sign-in, the second factor (adding one, with a wrong code, and
the recovery codes), a new SCIM token, and switching a person off."""

from __future__ import annotations

import re
from typing import Any

import pyotp
from django.test import Client, override_settings

from core.tenancy.scoping import system_scope
from core.testing.cast import PASSWORD
from identity.models import IdentityProvider

STEP = "/sign-in/second-factor/"


def page_visits(cast: Any, client_for: Any) -> list[tuple[str, Any]]:
    with system_scope("test data"):
        provider = IdentityProvider.objects.create(
            partner=cast.rbkc,
            slug="pages-rbkc",
            name="Kensington and Chelsea",
            issuer="https://login.example.org/pages/v2.0",
            client_id="pages",
            secret_env="CONCORD_OIDC_PAGES",
            email_domains="rbkc.gov.uk",
        )
    manager = client_for(cast.manager)
    staff = Client()

    def second_factor(code: str | None = None) -> Any:
        with override_settings(IDENTITY_STAFF_SECOND_FACTOR=True):
            if code is None:
                staff.post("/sign-in/", {"username": "agent", "password": PASSWORD})
                return staff.get(STEP)
            if code == "right":
                page = staff.get(STEP).content.decode()
                secret = re.search(r'id="secret">([A-Z2-7]+)<', page)
                assert secret is not None
                code = pyotp.TOTP(secret.group(1)).now()
            return staff.post(STEP, {"code": code})

    return [
        (
            "sign-in refused",
            lambda: Client().get(f"/sign-in/with/{provider.slug}/callback/", {"state": "x"}),
        ),
        ("second factor, adding", second_factor),
        ("second factor, wrong code", lambda: second_factor("000000")),
        ("recovery codes", lambda: second_factor("right")),
        ("scim token", lambda: manager.post(f"/identity-providers/{provider.pk}/scim-token/")),
        ("switch off", lambda: manager.get(f"/people/{cast.wcc_staff.pk}/switch-off/")),
    ]
