"""Fixtures of the identity tests: real OpenID providers on loopback (node oidc-provider), one
for Westminster, one for Kensington and Chelsea, one for the shared service, started once for
the test run, and the Concord records that point at them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
import requests

from core.tenancy.scoping import system_scope
from core.testing.cast import Cast
from identity.loopback import LoopbackProvider, start_provider
from identity.models import IdentityProvider

WCC_ACCOUNTS = {
    "ana": {
        "email": "ana.lopez@westminster.gov.uk",
        "given_name": "Ana",
        "family_name": "Lopez",
        "groups": ["Concord IT leads", "All staff"],
    },
    "ben": {"email": "ben@westminster.gov.uk", "name": "Ben Okafor", "groups": ["Concord users"]},
    "cy": {"email": "cy@westminster.gov.uk", "name": "Cy Norton", "groups": ["All staff"]},
    "eve": {"email": "eve@example.com", "name": "Eve Outside", "groups": ["Concord users"]},
    # Sends the group that makes someone a lead in rbkc: it must count for nothing in wcc.
    "mal": {"email": "mal@westminster.gov.uk", "name": "Mal", "groups": ["rbkc-leads"]},
}
RBKC_ACCOUNTS = {
    "rosa": {"email": "rosa@rbkc.gov.uk", "name": "Rosa Patel", "groups": ["rbkc-leads"]},
}
SERVICE_ACCOUNTS = {
    "sam": {"email": "sam@shared.example.org", "name": "Sam Hughes", "groups": ["desk"]},
}


def callback_uri(slug: str) -> str:
    return f"http://testserver/sign-in/with/{slug}/callback/"


@pytest.fixture(scope="session")
def loopback_providers() -> Iterator[dict[str, LoopbackProvider]]:
    started: dict[str, LoopbackProvider] = {}
    try:
        started["wcc"] = start_provider("concord-wcc", [callback_uri("wcc")], WCC_ACCOUNTS)
        started["rbkc"] = start_provider("concord-rbkc", [callback_uri("rbkc")], RBKC_ACCOUNTS)
        started["service"] = start_provider(
            "concord-service", [callback_uri("service")], SERVICE_ACCOUNTS
        )
        yield started
    finally:
        for provider in started.values():
            provider.stop()


@pytest.fixture
def providers(
    cast: Cast, loopback_providers: dict[str, LoopbackProvider], monkeypatch: Any
) -> dict[str, IdentityProvider]:
    """The three providers as Concord's records, their secrets in environment variables."""
    rows = {
        "wcc": (
            cast.wcc,
            "City of Westminster",
            "westminster.gov.uk",
            "Concord IT leads = lead\nConcord users = requester",
        ),
        "rbkc": (cast.rbkc, "Kensington and Chelsea", "rbkc.gov.uk", "rbkc-leads = lead"),
        "service": (
            None,
            "the shared service",
            "shared.example.org",
            "desk = agent\nmanagers = manager",
        ),
    }
    made = {}
    with system_scope("test data"):
        for slug, (partner, name, domain, roles) in rows.items():
            loop = loopback_providers[slug]
            env = f"CONCORD_TEST_OIDC_{slug.upper()}"
            monkeypatch.setenv(env, loop.client_secret)
            made[slug] = IdentityProvider.objects.create(
                partner=partner,
                slug=slug,
                name=name,
                issuer=loop.issuer,
                client_id=loop.client_id,
                secret_env=env,
                scopes="openid email profile groups",
                email_domains=domain,
                group_roles=roles,
            )
    return made


def sign_in_at_provider(authorize_url: str, login: str) -> str:
    """Sign in as `login` on the loopback provider's own pages (as a browser would, with its
    cookies): the address it sends the person back to, on Concord."""
    browser = requests.Session()
    url = authorize_url
    for _ in range(10):
        if url.startswith("http://testserver"):
            return url
        response = browser.get(url, allow_redirects=False, timeout=10)
        if response.is_redirect:
            url = urljoin(url, response.headers["Location"])
            continue
        form = re.search(r'<form[^>]*action="([^"]+)"', response.text)
        prompt = re.search(r'name="prompt" value="([^"]+)"', response.text)
        assert form and prompt, response.text[:500]
        data = {"prompt": prompt.group(1), "login": login, "password": "any"}
        response = browser.post(
            urljoin(url, form.group(1)), data=data, allow_redirects=False, timeout=10
        )
        assert response.is_redirect, response.text[:500]
        url = urljoin(url, response.headers["Location"])
    raise AssertionError(f"the provider never sent the person back: {url}")


def local(url: str) -> str:
    """The path and query of an address on the test server."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"
