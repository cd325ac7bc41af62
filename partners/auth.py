"""Sign-in rules: a council person whose councils have all left can no longer sign in."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from partners.access import council_access_ended


class ConcordBackend(ModelBackend):
    """Django's model backend, refusing people whose access ended with their council's."""

    def user_can_authenticate(self, user: Any) -> bool:
        if not super().user_can_authenticate(user):
            return False
        return not council_access_ended(user)


class ConcordTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`, with the same rule as signing in."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        user, token = super().authenticate_credentials(key)
        if council_access_ended(user):
            raise exceptions.AuthenticationFailed("This council has left the partnership.")
        return user, token
