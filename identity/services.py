"""Signing in through a council's identity provider (OpenID Connect, authorization code with
PKCE), the memberships its claims give, the refusal of passwords where a council says so, and
ending a person's access at once.

The flow: `begin` sends the person to the provider chosen, keeping in their session a state,
a nonce and a PKCE verifier bound to that provider; `complete` takes the provider's answer on
that provider's own callback, refuses a state made for another, exchanges the code, checks the
ID token (signature by the provider's published keys, issuer, audience, expiry, nonce) and
`provision`s the person: found by the provider's subject for them (never by email), a member of
the provider's council only, with the roles its groups map to.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from importlib import import_module
from typing import Any
from urllib.parse import urlencode

import requests
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from core.context import acting_as
from core.signin import SignInChoice
from core.tenancy.access import council_access_ended
from core.tenancy.choices import ServiceRole
from core.tenancy.models import Membership, User
from core.tenancy.scoping import system_scope
from identity.models import ExternalIdentity, IdentityProvider, PersonSession

#: Where a flow in progress is kept in the session: {state: {...}}.
SESSION_KEY = "identity.flows"
#: A flow older than this (seconds) is forgotten: the person took too long at the provider.
FLOW_LIFETIME = 600
#: At most this many flows in progress per session (several tabs), the oldest dropped.
MAX_FLOWS = 5
#: Signing algorithms accepted in ID tokens: asymmetric only ("none" and HS* never).
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
#: Leeway for the clocks of the provider and of this server, in seconds.
LEEWAY = 60
#: Service roles by precedence, when a person's groups give several.
SERVICE_PRECEDENCE = [
    ServiceRole.MANAGER,
    ServiceRole.RESOLVER,
    ServiceRole.AGENT,
    ServiceRole.FINANCE,
    ServiceRole.PROCUREMENT,
]


class SignInError(Exception):
    """A sign-in refused, with what to do in plain words (`advice`); `reason` is for the log."""

    def __init__(self, advice: str, reason: str = "") -> None:
        super().__init__(reason or advice)
        self.advice = advice
        self.reason = reason or advice


@dataclass(frozen=True)
class SignedIn:
    """The outcome of a completed sign-in: the person, and where to send them."""

    user: Any
    next_url: str


# The sign-in page and passwords --------------------------------------------------------------


def sign_in_choices(request: Any) -> list[SignInChoice]:
    """A button for each enabled provider: councils by name, the shared service's last."""
    with system_scope("the sign-in page lists every provider"):
        providers = list(
            IdentityProvider.objects.filter(enabled=True)
            .select_related("partner")
            .order_by(F("partner_id").asc(nulls_last=True), "name")
        )
    choices = []
    for provider in providers:
        if provider.partner is not None and provider.partner.has_left():
            continue
        hint = "For the shared service's own staff." if provider.is_service else ""
        url = reverse("identity:start", kwargs={"slug": provider.slug})
        choices.append(SignInChoice(f"Sign in with {provider.name}", url, hint))
    return choices


def password_refused(user: Any) -> bool:
    """Whether `user` may not sign in with a password (core.tenancy.auth.PASSWORD_RULES).

    Superusers never are (break-glass). Shared-service staff are when the shared service's
    own provider says so. A council's person is when every council they hold a role in has a
    provider that refuses passwords; one council that allows them is enough.
    """
    if user.is_superuser:
        return False
    with system_scope("whether a password sign-in is allowed"):
        providers = IdentityProvider.objects.filter(enabled=True)
        if user.service_role:
            service = providers.filter(partner__isnull=True).first()
            return service is not None and not service.local_passwords
        councils = set(
            Membership.objects.filter(user_id=user.pk).values_list("partner_id", flat=True)
        )
        if not councils:
            return False
        refusing = set(
            providers.filter(partner_id__in=councils, local_passwords=False).values_list(
                "partner_id", flat=True
            )
        )
    return councils <= refusing


# The provider's metadata and keys ------------------------------------------------------------


def _get_json(url: str) -> dict[str, Any]:
    try:
        response = requests.get(url, timeout=settings.IDENTITY_HTTP_TIMEOUT)
        response.raise_for_status()
        data = response.json()
    except (requests.RequestException, ValueError) as error:
        raise SignInError(
            "Your organisation's sign-in service did not answer. Try again in a few minutes; "
            "if it goes on, tell the service desk.",
            f"{url}: {error}",
        ) from error
    if not isinstance(data, dict):
        raise SignInError("Your organisation's sign-in service gave an answer Concord cannot read.")
    return data


def metadata(provider: IdentityProvider) -> dict[str, Any]:
    """The provider's OpenID configuration (discovery), cached for an hour; its issuer must be
    the one configured."""
    key = f"identity:metadata:{provider.pk}:{provider.issuer}"
    data = cache.get(key)
    if data is None:
        url = provider.issuer.rstrip("/") + "/.well-known/openid-configuration"
        data = _get_json(url)
        if data.get("issuer") != provider.issuer:
            raise SignInError(
                "Concord's settings for your organisation's sign-in do not match it. Tell the "
                "service desk.",
                f"{provider.slug}: discovery names issuer {data.get('issuer')!r}",
            )
        cache.set(key, data, 3600)
    return data


def signing_keys(provider: IdentityProvider, refresh: bool = False) -> KeySet:
    """The provider's published keys (its JWKS), cached for an hour, fetched again on demand
    (a key the provider has just rotated in)."""
    key = f"identity:jwks:{provider.pk}:{provider.issuer}"
    data = None if refresh else cache.get(key)
    if data is None:
        data = _get_json(metadata(provider)["jwks_uri"])
        cache.set(key, data, 3600)
    return KeySet.import_key_set(data)  # type: ignore[arg-type]


def client_secret(provider: IdentityProvider) -> str:
    """The provider's client secret: from the environment variable it names, else (where the
    settings keep secrets in the database) from the record."""
    import os

    if provider.secret_env:
        value = os.environ.get(provider.secret_env, "")
        if value:
            return value
    if provider.client_secret:
        return provider.client_secret
    raise SignInError(
        "Sign-in through your organisation is not set up completely. Tell the service desk.",
        f"{provider.slug}: no client secret ({provider.secret_env or 'no variable named'})",
    )


def redirect_uri(request: Any, provider: IdentityProvider) -> str:
    """The address the provider sends the person back to: one per provider."""
    return request.build_absolute_uri(reverse("identity:callback", kwargs={"slug": provider.slug}))


# The flow ------------------------------------------------------------------------------------


def begin(request: Any, provider: IdentityProvider, next_url: str = "") -> str:
    """Start a sign-in through `provider`: the address to send the person to."""
    meta = metadata(provider)
    state = secrets.token_urlsafe(32)
    nonce = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)
    flows = dict(request.session.get(SESSION_KEY, {}))
    flows[state] = {
        "provider": provider.pk,
        "issuer": provider.issuer,
        "nonce": nonce,
        "verifier": verifier,
        "next": next_url,
        "at": int(time.time()),
    }
    kept = sorted(flows.items(), key=lambda item: item[1]["at"])[-MAX_FLOWS:]
    request.session[SESSION_KEY] = dict(kept)
    query = {
        "response_type": "code",
        "client_id": provider.client_id,
        "redirect_uri": redirect_uri(request, provider),
        "scope": provider.scopes,
        "state": state,
        "nonce": nonce,
        "code_challenge": create_s256_code_challenge(verifier),
        "code_challenge_method": "S256",
    }
    return f"{meta['authorization_endpoint']}?{urlencode(query)}"


def _take_flow(request: Any, provider: IdentityProvider, state: str) -> dict[str, Any]:
    """The flow `state` names, removed from the session (a state is used once); refused when
    there is none, it is too old, or it was started for another provider."""
    flows = dict(request.session.get(SESSION_KEY, {}))
    flow = flows.pop(state, None) if state else None
    request.session[SESSION_KEY] = flows
    if flow is None:
        raise SignInError(
            "Your sign-in could not be finished: it was started in another browser, or "
            "already used. Go back to the sign-in page and choose your organisation again.",
            f"{provider.slug}: unknown state",
        )
    if flow["provider"] != provider.pk or flow["issuer"] != provider.issuer:
        raise SignInError(
            "Your sign-in came back from a different organisation's sign-in than the one you "
            "chose. Go back to the sign-in page and choose your organisation again.",
            f"{provider.slug}: state of provider {flow['provider']}",
        )
    if time.time() - flow["at"] > FLOW_LIFETIME:
        raise SignInError(
            "Your sign-in took too long. Go back to the sign-in page and try again.",
            f"{provider.slug}: state expired",
        )
    return flow


def complete(request: Any, provider: IdentityProvider, params: Any) -> SignedIn:
    """Finish a sign-in on `provider`'s callback with the query `params` it sent back."""
    flow = _take_flow(request, provider, params.get("state", ""))
    if params.get("error"):
        raise SignInError(
            "Your organisation's sign-in did not let you in. If you chose the wrong "
            "organisation, go back and choose yours; otherwise ask your IT team.",
            f"{provider.slug}: {params.get('error')} {params.get('error_description', '')}",
        )
    code = params.get("code", "")
    if not code:
        raise SignInError("Your sign-in came back incomplete. Go back and try again.")
    meta = metadata(provider)
    try:
        response = requests.post(
            meta["token_endpoint"],
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri(request, provider),
                "code_verifier": flow["verifier"],
            },
            auth=(provider.client_id, client_secret(provider)),
            timeout=settings.IDENTITY_HTTP_TIMEOUT,
        )
        tokens = response.json()
    except (requests.RequestException, ValueError) as error:
        raise SignInError(
            "Your organisation's sign-in service did not answer. Try again in a few minutes.",
            f"{provider.slug}: token endpoint: {error}",
        ) from error
    if response.status_code != 200 or "id_token" not in tokens:
        raise SignInError(
            "Your organisation's sign-in did not confirm who you are. Go back to the sign-in "
            "page and try again.",
            f"{provider.slug}: token endpoint {response.status_code}: {tokens.get('error')}",
        )
    claims = verify_id_token(provider, tokens["id_token"], flow["nonce"])
    user = provision(provider, claims)
    return SignedIn(user, flow.get("next", ""))


def verify_id_token(provider: IdentityProvider, token: str, nonce: str) -> dict[str, Any]:
    """The claims of `token` if it is an ID token `provider` signed for Concord (its client),
    unexpired, carrying `nonce`; otherwise SignInError."""
    refused = SignInError(
        "Concord could not confirm who you are from your organisation's answer. Go back to "
        "the sign-in page and try again.",
        f"{provider.slug}: ID token refused",
    )
    try:
        keys = signing_keys(provider)
        try:
            decoded = jwt.decode(token, keys, algorithms=ALGORITHMS)
        except JoseError:
            decoded = jwt.decode(token, signing_keys(provider, refresh=True), algorithms=ALGORITHMS)
        registry = jwt.JWTClaimsRegistry(
            leeway=LEEWAY,
            iss={"essential": True, "value": provider.issuer},
            aud={"essential": True, "value": provider.client_id},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        registry.validate(decoded.claims)
    except (JoseError, ValueError, KeyError) as error:
        refused.reason = f"{refused.reason}: {error}"
        raise refused from error
    claims = dict(decoded.claims)
    audience = claims["aud"]
    if isinstance(audience, list) and len(audience) > 1 and claims.get("azp") != provider.client_id:
        raise refused
    return claims


# What the claims make a person ---------------------------------------------------------------


def roles_from(provider: IdentityProvider, claims: dict[str, Any]) -> list[str]:
    """The roles `provider`'s role map gives the groups in `claims` (its groups claim)."""
    groups = claims.get(provider.groups_claim) or []
    if isinstance(groups, str):
        groups = [groups]
    mapping = provider.role_map()
    return sorted({mapping[g] for g in groups if isinstance(g, str) and g in mapping})


def unique_username(provider: IdentityProvider, email: str) -> str:
    """A username no account has yet: the council's code, a dot, the address's local part."""
    local = "".join(c for c in email.split("@", 1)[0].lower() if c.isalnum() or c in "._-+")
    local = local or "person"
    prefix = provider.partner.code if provider.partner is not None else "service"
    base = f"{prefix}.{local}"[:140]
    candidate, n = base, 1
    while User.objects.filter(username=candidate).exists():
        n += 1
        candidate = f"{base}{n}"
    return candidate


@transaction.atomic
def provision(provider: IdentityProvider, claims: dict[str, Any]) -> Any:
    """The person `claims` name at `provider`, created or brought up to date: found by the
    provider's subject for them; a member of the provider's council with exactly the roles its
    groups give (their roles in other councils untouched), or, through the shared service's
    own provider, shared-service staff with the service role its groups give."""
    email = str(claims.get("email") or claims.get("preferred_username") or "").strip().lower()
    domain = email.rpartition("@")[2]
    if not email or "@" not in email or domain not in provider.domains():
        raise SignInError(
            f"Your account's email address is not one {provider.name} signs in to Concord "
            "with. Sign in with your work account, or ask your IT team.",
            f"{provider.slug}: email {email!r} outside the allowed domains",
        )
    roles = roles_from(provider, claims)
    if not roles:
        raise SignInError(
            f"{provider.name} has not given you a role in Concord. Ask your IT team to add you "
            "to one of the groups that give access to Concord.",
            f"{provider.slug}: no mapped group",
        )
    label = f"sign-in:{provider.slug}"
    with acting_as(label=label), system_scope("provisioning a person from their provider"):
        link = (
            ExternalIdentity.objects.select_related("user")
            .filter(provider=provider, subject=str(claims["sub"]))
            .first()
        )
        if link is None:
            user = _scim_account(provider, claims, email)
            if user is None:
                user = User(username=unique_username(provider, email), email=email)
                user.set_unusable_password()
                _set_names(user, claims)
                user.save()
            link = ExternalIdentity.objects.create(
                provider=provider, subject=str(claims["sub"]), user=user
            )
        user = link.user
        if not user.is_active:
            raise SignInError(
                "Your Concord account has been switched off. If you think that is wrong, ask "
                "your IT team.",
                f"{provider.slug}: {user.username} is inactive",
            )
        changed = user.email != email
        user.email = email
        changed = _set_names(user, claims) or changed
        if provider.is_service:
            role = next(r for r in SERVICE_PRECEDENCE if r in roles)
            changed = changed or user.service_role != role
            user.service_role = role
        if changed:
            user.save()
        if provider.partner is not None:
            set_memberships(user, provider.partner, roles)
        link.last_signed_in = timezone.now()
        link.save(update_fields=["last_signed_in"])
    if council_access_ended(user):
        raise SignInError(
            f"{provider.name} has left the partnership, so its people can no longer sign in.",
            f"{provider.slug}: council left",
        )
    return user


def _scim_account(provider: IdentityProvider, claims: dict[str, Any], email: str) -> Any:
    """The account this provider's council provisioned by SCIM for the person signing in for
    the first time: its directory's object ID (Entra ID's ``oid``, SCIM's externalId) or its
    userName. Only among this provider's own SCIM people: never another council's."""
    from django.db.models import Q

    from identity.models import ScimResource

    match = Q(name_key=email)
    if claims.get("preferred_username"):
        match |= Q(name_key=str(claims["preferred_username"]).lower())
    if claims.get("oid"):
        match |= Q(external_id=str(claims["oid"]))
    found = (
        ScimResource.objects.filter(provider=provider, kind=ScimResource.USER, user__isnull=False)
        .filter(match)
        .select_related("user")
        .first()
    )
    return found.user if found is not None else None


def _set_names(user: Any, claims: dict[str, Any]) -> bool:
    first = str(claims.get("given_name") or "")[:150]
    last = str(claims.get("family_name") or "")[:150]
    if not first and not last and claims.get("name"):
        first, _, last = str(claims["name"]).partition(" ")
    changed = (user.first_name, user.last_name) != (first, last)
    user.first_name, user.last_name = first, last
    return changed


def set_memberships(user: Any, partner: Any, roles: list[str]) -> None:
    """Exactly `roles` in `partner` for `user`: each added or removed one change-logged."""
    held = {m.role: m for m in Membership.objects.filter(user=user, partner=partner)}
    for role in roles:
        if role not in held:
            Membership.objects.create(user=user, partner=partner, role=role)
    for role, membership in held.items():
        if role not in roles:
            membership.delete()


# Ending access -------------------------------------------------------------------------------


def end_sessions(user: Any) -> int:
    """End every session `user` holds (those signed in since this app kept them): how many."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    keys = list(PersonSession.objects.filter(user=user).values_list("session_key", flat=True))
    for key in keys:
        store(session_key=key).delete()
    PersonSession.objects.filter(user=user).delete()
    return len(keys)


@transaction.atomic
def deactivate(user: Any) -> None:
    """Switch `user`'s account off: at once, their sessions end (and every request of a
    session not known here is refused, as the backend refuses an inactive person) and their API
    tokens are deleted. Change-logged as a change of the account."""
    from rest_framework.authtoken.models import Token

    if user.is_active:
        user.is_active = False
        user.save()
    Token.objects.filter(user=user).delete()
    end_sessions(user)
