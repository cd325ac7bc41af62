"""Helpers for API tests: clients signed in by token or session."""

from __future__ import annotations

from typing import Any

from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

SESSION_BACKEND = "core.tenancy.auth.ConcordBackend"


def api_client(user: Any = None, *, auth: str = "token", csrf: bool = False) -> APIClient:
    """An API client for `user`: ``auth`` is "token" (Authorization header) or "session"
    (signed in as the browser is, with CSRF checks when `csrf`)."""
    client = APIClient(enforce_csrf_checks=csrf)
    if user is None:
        return client
    if auth == "token":
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    elif auth == "session":
        client.force_login(user, backend=SESSION_BACKEND)
    else:
        raise ValueError(f"unknown auth {auth!r}")
    return client
