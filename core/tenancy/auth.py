"""Sign-in rules: a council person whose councils have all left can no longer sign in; a
person whose councils sign them in through their own identity provider cannot use a password
(the rules apps add to `PASSWORD_RULES` at start-up); the client's address that sign-in
lock-outs and the token endpoint's rate limit count by."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from core.tenancy.access import council_access_ended, user_with_access

#: Rules that may refuse a person a sign-in by password (the page's form and the API's token
#: endpoint alike), filled at start-up by the apps that know why (the identity app: a council
#: that signs its people in through its own provider). Each takes the person and returns True
#: to refuse. The kernel names no app: it only asks.
PASSWORD_RULES: list[Callable[[Any], bool]] = []


def password_refused(user: Any) -> bool:
    """Whether any rule of `PASSWORD_RULES` refuses `user` a sign-in by password."""
    return any(rule(user) for rule in PASSWORD_RULES)


class ConcordBackend(ModelBackend):
    """Django's model backend, refusing people whose access ended with their council's, and a
    password to people who must sign in through their council's identity provider.

    A refused password is a failed sign-in like a wrong one (counted towards the lock-out, and
    said in the same words), so that the answer never tells a stranger whose account it is.
    """

    def authenticate(
        self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None and password_refused(user):
            return None
        return user

    def user_can_authenticate(self, user: Any) -> bool:
        if not super().user_can_authenticate(user):
            return False
        return not council_access_ended(user)

    def get_user(self, user_id: Any) -> Any:
        """The signed-in person of a session, read with their access in one query."""
        try:
            user, _ = user_with_access(pk=user_id)
        except (TypeError, ValueError):
            return None
        if user is None:
            return None
        return user if self.user_can_authenticate(user) else None


class ConcordTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`, with the same rule as signing in."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        """DRF's checks (an unknown key, an inactive person), with the person and their access
        read together with the token in one query (`user_with_access`)."""
        model = self.get_model()
        user, (created,) = _user_by_token(model, key)
        if user is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        if council_access_ended(user):
            raise exceptions.AuthenticationFailed("This council has left the partnership.")
        token: Any = model.from_db(
            model._default_manager.db, ["key", "user_id", "created"], [key, user.pk, created]
        )
        token.user = user
        return user, token


def _user_by_token(model: Any, key: str) -> tuple[Any, tuple[Any]]:
    name = model._meta.get_field("user").remote_field.get_accessor_name()
    user, also = user_with_access(also=(f"{name}__created",), **{f"{name}__key": key})
    return (user, (also[0],)) if user is not None else (None, (None,))


def lockout_username(request: Any, credentials: dict[str, Any] | None) -> str | None:
    """The username django-axes keeps with a failed sign-in (settings.AXES_USERNAME_CALLABLE).

    As typed, but cut to one character more than a username can have, so it still names
    nobody (and never shares a real person's lock-out). The lock-out records keep at most 255
    characters: PostgreSQL refused a longer one, failing the sign-in page and the token
    endpoint with a server error instead of "wrong username or password".
    """
    from core.tenancy.models import User

    if credentials:
        value = credentials.get("username")
    else:
        data = getattr(request, "data", None) or getattr(request, "POST", {})
        value = data.get("username")
    if value is None:
        return None
    limit = User._meta.get_field("username").max_length or 150
    return str(value)[: limit + 1]


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def client_address(request: Any) -> str | None:
    """The address of the client that sent `request`: the one function that decides it, for
    sign-in lock-outs (settings.AXES_CLIENT_IP_CALLABLE) and the token endpoint's rate limit.

    The connection's address (``REMOTE_ADDR``), unless the connection comes from a proxy that
    ``settings.TRUSTED_PROXIES`` names: then ``X-Forwarded-For`` is read from the right, each
    proxy having appended the address it saw, past every address that is itself a trusted
    proxy, and the first one that is not is the client. Whatever stands left of it the client
    wrote itself, and is never believed. An entry that is not an address where a trusted proxy
    should have written one ends the walk at the last trusted hop; every chain of only trusted
    addresses ends at its left-most. None when the connection has no address.
    """
    remote = _address(request.META.get("REMOTE_ADDR", ""))
    if remote is None:
        return None
    trusted = settings.TRUSTED_PROXIES
    client = remote
    if _is_trusted(client, trusted):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        for entry in reversed(forwarded.split(",") if forwarded else []):
            hop = _address(entry)
            if hop is None:
                break
            client = hop
            if not _is_trusted(hop, trusted):
                break
    return str(client)


def _address(text: str) -> IPAddress | None:
    """An address as a proxy may write it (with a port, or IPv6 in brackets), or None."""
    text = text.strip()
    if text.startswith("["):  # [2001:db8::1]:443
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:  # 203.0.113.7:5678
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _is_trusted(address: IPAddress, trusted: Any) -> bool:
    return any(address.version == net.version and address in net for net in trusted)
