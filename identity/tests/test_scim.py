"""SCIM 2.0 provisioning per council: scim2-tester's whole check of the running server (a live
server, over HTTP) with no failure, a council's token reaching its own people only, groups
giving roles in that council, and a person switched off by SCIM refused at their next request,
page and API alike, everything in the change log."""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

import pytest
import requests
from django.test import Client
from scim2_client.client import BaseSyncSCIMClient
from scim2_tester import Status, check_server

from core.models import ChangeRecord
from core.tenancy.choices import CouncilRole
from core.tenancy.models import Membership
from core.tenancy.scoping import system_scope
from core.testing.cast import Cast
from identity.models import IdentityProvider, ScimResource
from identity.scim import new_token

SCIM = "application/scim+json"


class RequestsSCIMClient(BaseSyncSCIMClient):
    """scim2-client over `requests`, against a server's SCIM base address."""

    def __init__(self, base_url: str, token: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.base_url = base_url.rstrip("/") + "/"
        self.session = requests.Session()
        self.session.headers.update({"Authorization": f"Bearer {token}", "Accept": SCIM})

    def _stays_under_base_url(self, endpoint: str) -> bool:
        return urljoin(self.base_url, endpoint.lstrip("/")).startswith(self.base_url)

    def _parse_json(self, response: Any) -> Any:
        return response.json()

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        full = urljoin(self.base_url, url.lstrip("/"))
        return self.session.request(method, full, timeout=30, **kwargs)


def make_provider(partner: Any, slug: str, roles: str = "") -> IdentityProvider:
    with system_scope("test data"):
        return IdentityProvider.objects.create(
            partner=partner,
            slug=slug,
            name=partner.name,
            issuer=f"https://login.example.org/{slug}/v2.0",
            client_id=slug,
            secret_env="CONCORD_OIDC_TEST",
            email_domains="example.org",
            group_roles=roles,
        )


def token_for(provider: IdentityProvider) -> str:
    with system_scope("test data"):
        return new_token(provider)


@pytest.mark.scim
@pytest.mark.django_db(transaction=True)
def test_scim2_tester_finds_no_failure(cast: Cast, live_server: Any) -> None:
    provider = make_provider(cast.wcc, "wcc")
    client = RequestsSCIMClient(f"{live_server.url}/scim/v2/", token_for(provider))
    results = check_server(client)
    failed = [r for r in results if r.status not in (Status.SUCCESS, Status.SKIPPED)]
    assert results and not failed, "\n".join(f"{r.title}: {r.reason}" for r in failed)
    # Every check ran and succeeded (135 with scim2-tester 0.5.2), none skipped.
    assert all(r.status == Status.SUCCESS for r in results), len(results)
    assert len(results) > 100


def scim(token: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def post(client: Client, path: str, data: dict[str, Any]) -> Any:
    return client.post(f"/scim/v2/{path}", data, content_type=SCIM)


def user_payload(name: str, **extra: Any) -> dict[str, Any]:
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": name,
        "name": {"givenName": "Dee", "familyName": "Moss"},
        "emails": [{"value": name, "primary": True}],
        "active": True,
        **extra,
    }


@pytest.mark.django_db
def test_without_a_token_or_with_a_wrong_one_401(cast: Cast) -> None:
    make_provider(cast.wcc, "wcc")
    assert Client().get("/scim/v2/Users").status_code == 401
    assert scim("scim_not-a-token").get("/scim/v2/Users").status_code == 401


@pytest.mark.django_db
def test_a_councils_token_reaches_its_own_people_only(cast: Cast) -> None:
    wcc, rbkc = make_provider(cast.wcc, "wcc"), make_provider(cast.rbkc, "rbkc")
    wcc_client, rbkc_client = scim(token_for(wcc)), scim(token_for(rbkc))
    created = post(wcc_client, "Users", user_payload("dee@westminster.gov.uk")).json()
    assert rbkc_client.get(f"/scim/v2/Users/{created['id']}").status_code == 404
    assert rbkc_client.get("/scim/v2/Users").json()["totalResults"] == 0
    gone = rbkc_client.delete(f"/scim/v2/Users/{created['id']}")
    assert gone.status_code == 404
    assert wcc_client.get(f"/scim/v2/Users/{created['id']}").status_code == 200
    # The same userName in another council is another person.
    assert post(rbkc_client, "Users", user_payload("dee@westminster.gov.uk")).status_code == 201
    assert post(wcc_client, "Users", user_payload("DEE@westminster.gov.uk")).status_code == 409


@pytest.mark.django_db
def test_groups_give_roles_in_the_council_and_a_filter_finds_people(cast: Cast) -> None:
    wcc = make_provider(cast.wcc, "wcc", roles="Concord leads = lead\nConcord users = requester")
    client = scim(token_for(wcc))
    dee = post(client, "Users", user_payload("dee@westminster.gov.uk")).json()
    group = post(
        client,
        "Groups",
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "Concord leads",
            "members": [{"value": dee["id"]}],
        },
    ).json()
    with system_scope("test"):
        account = ScimResource.objects.get(scim_id=dee["id"]).user
        assert {(m.partner_id, m.role) for m in Membership.objects.filter(user=account)} == {
            (cast.wcc.pk, CouncilRole.LEAD)
        }
    found = client.get('/scim/v2/Users?filter=userName eq "dee@westminster.gov.uk"').json()
    assert found["totalResults"] == 1 and found["Resources"][0]["groups"][0]["display"] == (
        "Concord leads"
    )
    # Taken out of the group: the role goes.
    patch = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "remove", "path": f'members[value eq "{dee["id"]}"]'}],
    }
    response = client.patch(f"/scim/v2/Groups/{group['id']}", patch, content_type=SCIM)
    assert response.status_code == 200, response.content
    with system_scope("test"):
        assert not Membership.objects.filter(user=account).exists()
    bad = client.get('/scim/v2/Users?filter=userName eq "unterminated')
    assert bad.status_code == 400 and bad.json()["scimType"] == "invalidFilter"


@pytest.mark.django_db
def test_switched_off_by_scim_refused_at_next_request(cast: Cast) -> None:
    wcc = make_provider(cast.wcc, "wcc", roles="Concord users = requester")
    client = scim(token_for(wcc))
    dee = post(client, "Users", user_payload("dee@westminster.gov.uk")).json()
    with system_scope("test"):
        account = ScimResource.objects.get(scim_id=dee["id"]).user
    assert account is not None
    browser = Client()
    browser.force_login(account)
    assert browser.get("/").status_code == 200
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=account)
    patch = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "active", "value": False}],
    }
    response = client.patch(f"/scim/v2/Users/{dee['id']}", patch, content_type=SCIM)
    assert response.status_code == 200 and response.json()["active"] is False
    response = browser.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/")
    api = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/v1/sites/").status_code == 401
    logged = ChangeRecord.objects.unscoped("test").filter(object_id=account.pk)
    assert logged.filter(action="update", actor_label="scim:wcc").exists()
    # Deleted: switched off, no role left in the council, gone from SCIM.
    assert client.delete(f"/scim/v2/Users/{dee['id']}").status_code == 204
    assert client.get(f"/scim/v2/Users/{dee['id']}").status_code == 404


@pytest.mark.django_db
def test_manager_makes_a_token_on_the_providers_page(cast: Cast) -> None:
    provider = make_provider(cast.wcc, "wcc")
    manager = Client()
    manager.force_login(cast.manager)
    page = manager.get(f"/identity-providers/{provider.pk}/").content.decode()
    assert "Make a new SCIM token" in page and "It has no token yet" in page
    response = manager.post(f"/identity-providers/{provider.pk}/scim-token/")
    assert response.status_code == 200
    key = response.content.decode().split('id="scim-token">')[1].split("<")[0]
    assert scim(key).get("/scim/v2/Users").status_code == 200
    lead = Client()
    lead.force_login(cast.wcc_lead)
    assert lead.post(f"/identity-providers/{provider.pk}/scim-token/").status_code == 404
