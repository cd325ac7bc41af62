"""Passwords per council: a council whose provider refuses them refuses its people a password
(on the page and at the token endpoint alike, in the words of a wrong password), a person who
is also in a council that allows them may still use one, and the page offers each provider."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from core.tenancy.choices import CouncilRole
from core.tenancy.models import Membership
from core.tenancy.scoping import system_scope
from core.testing.cast import PASSWORD, Cast, make_user
from core.testing.families import content_of
from identity.models import IdentityProvider

pytestmark = pytest.mark.django_db


def provider(partner: Any, slug: str, local_passwords: bool, **extra: Any) -> IdentityProvider:
    with system_scope("test data"):
        return IdentityProvider.objects.create(
            partner=partner,
            slug=slug,
            name=partner.name if partner else "the shared service",
            issuer=f"https://login.example.org/{slug}/v2.0",
            client_id=slug,
            secret_env="CONCORD_OIDC_TEST",
            email_domains="example.org",
            group_roles="",
            local_passwords=local_passwords,
            **extra,
        )


def password_sign_in(username: str) -> Any:
    return Client().post("/sign-in/", {"username": username, "password": PASSWORD})


def test_without_providers_the_page_is_a_password_form(cast: Cast) -> None:
    text = content_of(Client().get("/sign-in/"))
    assert "Use a password instead" not in text and 'name="password"' in text
    assert password_sign_in("wcc.lead").status_code == 302


def test_each_provider_by_name_and_a_password_where_allowed(cast: Cast) -> None:
    provider(cast.wcc, "wcc", local_passwords=True)
    provider(cast.rbkc, "rbkc", local_passwords=True, enabled=False)
    text = content_of(Client().get("/sign-in/?next=/sites/"))
    assert "Sign in with City of Westminster" in text
    assert "/sign-in/with/wcc/?next=%2Fsites%2F" in text
    assert "Kensington" not in text  # switched off: not offered
    assert "Use a password instead" in text


def test_a_council_that_refuses_passwords_refuses_its_people(cast: Cast) -> None:
    provider(cast.wcc, "wcc", local_passwords=False)
    response = password_sign_in("wcc.lead")
    assert response.status_code == 200
    assert "use its button instead" in content_of(response)
    assert password_sign_in("rbkc.lead").status_code == 302  # rbkc allows them
    api = Client().post(
        "/api/v1/auth/token/",
        {"username": "wcc.lead", "password": PASSWORD},
        content_type="application/json",
    )
    assert api.status_code == 400


def test_one_council_allowing_passwords_is_enough(cast: Cast) -> None:
    provider(cast.wcc, "wcc", local_passwords=False)
    with system_scope("test data"):
        Membership.objects.create(user=cast.wcc_lead, partner=cast.rbkc, role=CouncilRole.LEAD)
    assert password_sign_in("wcc.lead").status_code == 302


def test_the_shared_service_can_refuse_its_staff_passwords_but_not_superusers(cast: Cast) -> None:
    provider(None, "service", local_passwords=False)
    assert password_sign_in("agent").status_code == 200
    assert password_sign_in("wcc.lead").status_code == 302
    make_user("breakglass", is_superuser=True)
    assert password_sign_in("breakglass").status_code == 302


def test_a_refused_password_counts_towards_the_lock_out(cast: Cast, settings: Any) -> None:
    from axes.models import AccessAttempt

    provider(cast.wcc, "wcc", local_passwords=False)
    password_sign_in("wcc.lead")
    assert AccessAttempt.objects.filter(username="wcc.lead").exists()
