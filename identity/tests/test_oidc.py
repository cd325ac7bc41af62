"""Signing in through councils' identity providers, against real OpenID providers on loopback
(node oidc-provider: identity/tests/provider.py): sign-in, roles from groups, a council's
answer refused for another council, tampered and expired ID tokens refused, sign-out, and a
person switched off refused at their next request."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests
from joserfc import jwt

from core.tenancy.choices import CouncilRole, ServiceRole
from core.tenancy.models import Membership, User
from core.tenancy.scoping import system_scope
from core.testing.cast import Cast
from identity import services
from identity.models import ExternalIdentity, PersonSession
from identity.tests.conftest import local, sign_in_at_provider

pytestmark = [pytest.mark.django_db, pytest.mark.oidc]


def start(client: Any, slug: str, next_url: str = "") -> str:
    """Choose `slug`'s button on the sign-in page: the provider's authorization address."""
    response = client.get(f"/sign-in/with/{slug}/" + (f"?next={next_url}" if next_url else ""))
    assert response.status_code == 302
    return response["Location"]


def sign_in(client: Any, slug: str, login: str, next_url: str = "") -> Any:
    """The whole round trip: Concord's answer on the callback."""
    back = sign_in_at_provider(start(client, slug, next_url), login)
    return client.get(local(back))


def memberships(user: Any) -> set[tuple[str, str]]:
    with system_scope("test"):
        return {(m.partner.code, m.role) for m in Membership.objects.filter(user=user)}


def person(email: str) -> User:
    return User.objects.get(email=email)


def test_sign_in_page_offers_each_provider_by_name(client: Any, providers: Any) -> None:
    text = client.get("/sign-in/").content.decode()
    assert "Sign in with City of Westminster" in text
    assert "Sign in with Kensington and Chelsea" in text
    assert "Sign in with the shared service" in text
    assert "Use a password instead" in text


def test_sign_in_through_wcc_makes_a_wcc_lead_and_nothing_else(client: Any, providers: Any) -> None:
    response = sign_in(client, "wcc", "ana", next_url="/sites/")
    assert response.status_code == 302 and response["Location"] == "/sites/"
    ana = person("ana.lopez@westminster.gov.uk")
    assert ana.username == "wcc.ana.lopez" and ana.get_full_name() == "Ana Lopez"
    assert not ana.has_usable_password() and not ana.service_role
    assert memberships(ana) == {("wcc", CouncilRole.LEAD)}
    assert client.get("/").status_code == 200
    assert ExternalIdentity.objects.get(user=ana).subject == "ana"
    assert PersonSession.objects.filter(user=ana).count() == 1


def test_roles_follow_the_groups_each_time(client: Any, providers: Any) -> None:
    sign_in(client, "wcc", "ben")
    ben = person("ben@westminster.gov.uk")
    assert memberships(ben) == {("wcc", CouncilRole.REQUESTER)}
    # The council changes its mapping: the next sign-in brings the roles up to date.
    with system_scope("test"):
        wcc = providers["wcc"]
        wcc.group_roles = "Concord users = auditor"
        wcc.save()
    client.post("/sign-out/")
    sign_in(client, "wcc", "ben")
    assert memberships(ben) == {("wcc", CouncilRole.AUDITOR)}


def test_a_group_of_another_councils_mapping_gives_nothing(client: Any, providers: Any) -> None:
    """mal's provider (wcc's) sends the group that makes rbkc's leads: wcc does not map it, and
    rbkc's mapping is never read for wcc's provider."""
    response = sign_in(client, "wcc", "mal")
    assert response.status_code == 403
    assert "has not given you a role in Concord" in response.content.decode()
    assert not User.objects.filter(email="mal@westminster.gov.uk").exists()


def test_no_mapped_group_and_wrong_domain_are_refused_in_plain_words(
    client: Any, providers: Any
) -> None:
    response = sign_in(client, "wcc", "cy")
    assert response.status_code == 403
    assert "Ask your IT team to add you" in response.content.decode()
    response = sign_in(client, "wcc", "eve")
    assert response.status_code == 403
    assert "is not one City of Westminster signs in to Concord with" in response.content.decode()
    assert not client.get("/").wsgi_request.user.is_authenticated


def test_rbkc_people_land_in_rbkc_only(client: Any, providers: Any) -> None:
    sign_in(client, "rbkc", "rosa")
    assert memberships(person("rosa@rbkc.gov.uk")) == {("rbkc", CouncilRole.LEAD)}


def test_shared_service_staff_get_their_service_role(client: Any, providers: Any) -> None:
    sign_in(client, "service", "sam")
    sam = person("sam@shared.example.org")
    assert sam.service_role == ServiceRole.AGENT and memberships(sam) == set()


def test_wcc_answer_refused_on_rbkc_callback(client: Any, providers: Any) -> None:
    """The code and state wcc's provider sent back, brought to rbkc's callback: refused, as
    the state was made for wcc; nobody is signed in, and the state cannot be used again."""
    back = sign_in_at_provider(start(client, "wcc"), "ana")
    forged = local(back).replace("/sign-in/with/wcc/", "/sign-in/with/rbkc/")
    response = client.get(forged)
    assert response.status_code == 403
    assert "different organisation" in response.content.decode()
    assert not User.objects.filter(email="ana.lopez@westminster.gov.uk").exists()
    assert client.get(local(back)).status_code == 403  # used once


def real_id_token(client: Any, providers: Any, slug: str, login: str) -> tuple[str, str]:
    """An ID token the provider really issued to Concord's client (exchanged here with the
    PKCE verifier Concord kept), and the nonce it carries."""
    back = sign_in_at_provider(start(client, slug), login)
    state = dict(p.split("=", 1) for p in back.split("?", 1)[1].split("&"))["state"]
    flow = client.session[services.SESSION_KEY][state]
    code = dict(p.split("=", 1) for p in back.split("?", 1)[1].split("&"))["code"]
    provider = providers[slug]
    meta = services.metadata(provider)
    tokens = requests.post(
        meta["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": f"http://testserver/sign-in/with/{slug}/callback/",
            "code_verifier": flow["verifier"],
        },
        auth=(provider.client_id, services.client_secret(provider)),
        timeout=10,
    ).json()
    return tokens["id_token"], flow["nonce"]


def test_id_tokens_checked(client: Any, providers: Any, loopback_providers: Any) -> None:
    token, nonce = real_id_token(client, providers, "wcc", "ana")
    claims = services.verify_id_token(providers["wcc"], token, nonce)
    assert claims["sub"] == "ana" and claims["groups"] == ["Concord IT leads", "All staff"]
    # wcc's real token, shown to rbkc: another issuer, another audience, another key.
    with pytest.raises(services.SignInError):
        services.verify_id_token(providers["rbkc"], token, nonce)
    # Tampered: the payload's groups changed, the signature kept.
    head, _payload, signature = token.split(".")
    forged = jwt.encode(
        {"alg": "RS256"}, {**claims, "groups": ["Concord IT leads"]}, loopback_providers["rbkc"].key
    )
    tampered = ".".join([head, forged.split(".")[1], signature])
    with pytest.raises(services.SignInError):
        services.verify_id_token(providers["wcc"], tampered, nonce)
    # The wrong nonce (a token replayed into another sign-in).
    with pytest.raises(services.SignInError):
        services.verify_id_token(providers["wcc"], token, "another nonce")


def test_expired_or_foreign_signed_id_tokens_refused(
    providers: Any, loopback_providers: Any
) -> None:
    wcc = loopback_providers["wcc"]
    now = int(time.time())
    claims = {
        "iss": wcc.issuer,
        "aud": wcc.client_id,
        "sub": "ana",
        "nonce": "n",
        "iat": now - 7200,
        "exp": now - 3600,
    }
    header = {"alg": "RS256", "kid": wcc.key.kid}
    expired = jwt.encode(header, claims, wcc.key)
    with pytest.raises(services.SignInError):
        services.verify_id_token(providers["wcc"], expired, "n")
    fresh = jwt.encode(header, {**claims, "iat": now, "exp": now + 600}, wcc.key)
    assert services.verify_id_token(providers["wcc"], fresh, "n")["sub"] == "ana"
    # Signed by rbkc's provider, claiming to be wcc's: its key is not wcc's.
    rbkc = loopback_providers["rbkc"]
    foreign = jwt.encode(
        {"alg": "RS256", "kid": rbkc.key.kid}, {**claims, "exp": now + 600}, rbkc.key
    )
    with pytest.raises(services.SignInError):
        services.verify_id_token(providers["wcc"], foreign, "n")
    # Unsigned ("alg": "none") is never accepted.
    none_token = ".".join([*jwt.encode(header, claims, wcc.key).split(".")[:2], ""])
    with pytest.raises(services.SignInError):
        services.verify_id_token(providers["wcc"], none_token, "n")


def test_sign_out(client: Any, providers: Any) -> None:
    sign_in(client, "wcc", "ana")
    assert client.get("/").status_code == 200
    client.post("/sign-out/")
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/")
    assert not PersonSession.objects.exists()


def test_person_switched_off_is_refused_at_their_next_request(
    client: Any, providers: Any, api_client_for: Any
) -> None:
    from rest_framework.authtoken.models import Token

    sign_in(client, "wcc", "ana")
    ana = person("ana.lopez@westminster.gov.uk")
    token = Token.objects.create(user=ana)
    api = api_client_for(None)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/v1/sites/").status_code == 200
    assert client.get("/").status_code == 200
    services.deactivate(ana)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/")
    assert api.get("/api/v1/sites/").status_code == 401
    assert not PersonSession.objects.filter(user=ana).exists()
    # Their council's provider still knows them: Concord does not let them back in.
    response = sign_in(client, "wcc", "ana")
    assert response.status_code == 403
    assert "switched off" in response.content.decode()


def test_left_council_not_offered_and_refused(client: Any, cast: Cast, providers: Any) -> None:
    with system_scope("test"):
        cast.wcc.left_on = cast.wcc.joined_on
        cast.wcc.save()
    text = client.get("/sign-in/").content.decode()
    assert "Sign in with City of Westminster" not in text
    assert client.get("/sign-in/with/wcc/").status_code == 302  # a provider still works...
    response = sign_in(client, "wcc", "ana")
    assert response.status_code == 403  # ...but a council that left lets nobody in
    assert "has left the partnership" in response.content.decode()


def test_person_provisioned_then_removed_by_scim(client: Any, providers: Any) -> None:
    """wcc's directory provisions Ana by SCIM; her first sign-in through wcc's provider is
    that account; wcc's directory then switches her off, and her next request is refused."""
    from identity.models import ScimResource
    from identity.scim import new_token

    with system_scope("test"):
        key = new_token(providers["wcc"])
    directory = type(client)(HTTP_AUTHORIZATION=f"Bearer {key}")
    created = directory.post(
        "/scim/v2/Users",
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "ana.lopez@westminster.gov.uk",
            "active": True,
        },
        content_type="application/scim+json",
    ).json()
    with system_scope("test"):
        provisioned = ScimResource.objects.get(scim_id=created["id"]).user
    assert provisioned is not None
    sign_in(client, "wcc", "ana")
    assert client.get("/").wsgi_request.user.pk == provisioned.pk
    patch = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "value": {"active": False}}],
    }
    response = directory.patch(
        f"/scim/v2/Users/{created['id']}", patch, content_type="application/scim+json"
    )
    assert response.status_code == 200
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/")
    assert sign_in(client, "wcc", "ana").status_code == 403
