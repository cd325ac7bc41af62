"""Helpers for API tests: clients signed in by token or session, and sample records."""

from __future__ import annotations

from typing import Any

from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core.tenancy.scoping import system_scope

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


def make_sites(cast: Any, per_partner: int = 3, site_type: Any = None) -> dict[str, list[Any]]:
    """`per_partner` sites for each of wcc, rbkc and lbhf, made as the system."""
    from estate.models import Site

    made: dict[str, list[Any]] = {}
    with system_scope("test data"):
        for partner in (cast.wcc, cast.rbkc, cast.lbhf):
            made[partner.code] = [
                Site.objects.create(
                    partner=partner,
                    code=f"{partner.code.upper()}-{i:03d}",
                    name=f"{partner.name} site {i:03d}",
                    site_type=site_type,
                    postcode=f"SW1A {i}AA",
                )
                for i in range(per_partner)
            ]
    return made
