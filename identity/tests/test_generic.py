"""The generic test families (core.testing.families) for the identity app's records: identity
providers are the shared-service manager's alone, and their client secret is never shown."""

from __future__ import annotations

from typing import Any

import pytest

from core.tenancy.scoping import system_scope
from core.testing.cast import Cast
from core.testing.families import ModelFamily, content_of, unscoped
from identity.models import IdentityProvider

pytestmark = pytest.mark.django_db

SECRET = "kept-in-the-database-only-s3cret"


@pytest.fixture(autouse=True)
def secrets_in_database(settings: Any) -> None:
    """The samples keep their secret in the database, to show no page or file ever shows it."""
    settings.IDENTITY_SECRETS_IN_DATABASE = True


class TestIdentityProvider(ModelFamily):
    """Only the manager sees and edits providers; a council's lead and the desk's agents see
    nothing of them (a provider decides who gets into a council)."""

    model = IdentityProvider
    permitted = "manager"
    denied = ()
    outsider = None
    list_queries = 4
    api_list_queries = 2

    def make(self, cast: Cast, partner: Any) -> IdentityProvider:
        n = self.seq()
        return IdentityProvider.objects.create(
            slug=f"idp-{n:03d}",
            name=f"Directory {n:03d}",
            issuer=f"https://login.example.org/tenant-{n:03d}/v2.0",
            client_id=f"client-{n:03d}",
            client_secret=SECRET,
            email_domains="westminster.gov.uk",
            group_roles="Concord desk = agent",
        )

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            "partner": cast.wcc.pk,
            "name": "Westminster's Entra ID",
            "slug": "wcc-entra",
            "issuer": "https://login.microsoftonline.com/0000-wcc/v2.0",
            "client_id": "wcc-client",
            "secret_env": "CONCORD_OIDC_WCC",
            "client_secret": "",
            "scopes": "openid email profile",
            "email_domains": "westminster.gov.uk",
            "group_roles": "Concord leads = lead",
            "groups_claim": "groups",
            "enabled": "on",
            "local_passwords": "on",
        }

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        return {
            **self.create_data(cast, partner),
            "partner": cast.wcc.code,
            "enabled": True,
            "local_passwords": True,
        }

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        return {
            "partner": obj.partner_id or "",
            "name": "Renamed directory",
            "slug": obj.slug,
            "issuer": obj.issuer,
            "client_id": obj.client_id,
            "secret_env": "CONCORD_OIDC_RENAMED",
            "client_secret": "",
            "scopes": obj.scopes,
            "email_domains": obj.email_domains,
            "group_roles": obj.group_roles,
            "groups_claim": obj.groups_claim,
            "enabled": "on",
            "local_passwords": "on",
        }

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        data = self.update_data(cast, obj)
        return {
            **data,
            "partner": obj.partner.code if obj.partner else None,
            "enabled": True,
            "local_passwords": True,
        }

    def secrets(self, cast: Cast, obj: Any) -> list[str]:
        return [SECRET]


def test_secret_never_shown_and_kept_when_left_empty(cast: Cast, client_for: Any) -> None:
    with system_scope("test data"):
        provider = TestIdentityProvider().make(cast, None)
    client = client_for(cast.manager)
    for url in (
        f"/identity-providers/{provider.pk}/",
        f"/identity-providers/{provider.pk}/edit/",
        "/identity-providers/export/?format=csv",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert SECRET not in content_of(response), url
    data = TestIdentityProvider().update_data(cast, provider)
    assert client.post(f"/identity-providers/{provider.pk}/edit/", data).status_code == 302
    assert unscoped(IdentityProvider).get(pk=provider.pk).client_secret == SECRET


def test_secrets_out_of_the_database_unless_settings_say(
    cast: Cast, client_for: Any, settings: Any
) -> None:
    settings.IDENTITY_SECRETS_IN_DATABASE = False
    data = {**TestIdentityProvider().create_data(cast, None), "client_secret": "typed-in"}
    response = client_for(cast.manager).post("/identity-providers/new/", data)
    assert "keeps secrets out of the database" in content_of(response)
    assert not unscoped(IdentityProvider).filter(slug="wcc-entra").exists()
    settings.IDENTITY_SECRETS_IN_DATABASE = True
    response = client_for(cast.manager).post("/identity-providers/new/", data)
    assert response.status_code == 302
    assert unscoped(IdentityProvider).get(slug="wcc-entra").client_secret == "typed-in"


def test_group_roles_must_name_roles(cast: Cast, client_for: Any) -> None:
    data = {**TestIdentityProvider().create_data(cast, None), "group_roles": "Leads = boss"}
    response = client_for(cast.manager).post("/identity-providers/new/", data)
    assert "Line 1: write a group" in content_of(response)
    service = {**data, "partner": "", "slug": "service", "group_roles": "desk = lead"}
    response = client_for(cast.manager).post("/identity-providers/new/", service)
    assert "agent, resolver" in content_of(response)


@pytest.mark.parametrize("name", ["agent", "wcc_lead", "wcc_auditor", "finance"])
def test_nobody_but_the_manager_sees_providers(cast: Cast, client_for: Any, name: str) -> None:
    with system_scope("test data"):
        provider = TestIdentityProvider().make(cast, None)
    client = client_for(getattr(cast, name))
    assert client.get("/identity-providers/").status_code in (403, 404)
    assert client.get(f"/identity-providers/{provider.pk}/").status_code in (403, 404)
