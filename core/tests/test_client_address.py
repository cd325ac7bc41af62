"""The client's address that sign-in lock-outs and the token endpoint's rate limit count by:
the connection's, or from X-Forwarded-For only when the connection comes from a trusted proxy
(settings.TRUSTED_PROXIES), so a client cannot escape either by naming another address."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.hashers import make_password
from django.core.cache import cache
from django.test import Client, RequestFactory, override_settings
from rest_framework.test import APIClient

from core.tenancy.auth import client_address
from core.testing.cast import PASSWORD

pytestmark = pytest.mark.django_db

SIGN_IN = "/sign-in/"
TOKEN = "/api/v1/auth/token/"
PROXY = "10.0.0.2"
PROXIES = ("10.0.0.0/24",)


@pytest.fixture(autouse=True)
def quick_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    from core.tests.test_security import QuickArgon2

    quick = make_password(PASSWORD, hasher=QuickArgon2())
    monkeypatch.setattr("core.testing.cast.password_hash", lambda: quick)


@pytest.fixture(autouse=True)
def fresh_throttles() -> Any:
    cache.clear()  # the token endpoint's rate limit counts in the cache
    yield
    cache.clear()


def networks(*items: str) -> tuple[Any, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in items)


def sign_in(client: Client, username: str, password: str, remote: str, xff: str = "") -> Any:
    extra: dict[str, Any] = {"REMOTE_ADDR": remote}
    if xff:
        extra["HTTP_X_FORWARDED_FOR"] = xff
    return client.post(SIGN_IN, {"username": username, "password": password}, **extra)


# The client's address -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("remote", "xff", "seen"),
    [
        # Not from a trusted proxy: its X-Forwarded-For is the client's own claim.
        ("203.0.113.9", "198.51.100.1", "203.0.113.9"),
        ("203.0.113.9", "", "203.0.113.9"),
        # From the proxy: the address it added (the right-most).
        (PROXY, "198.51.100.1", "198.51.100.1"),
        (PROXY, "192.0.2.66, 198.51.100.1", "198.51.100.1"),
        # Past every trusted proxy in the chain, to the first address that is not one.
        (PROXY, "192.0.2.66, 198.51.100.1, 10.0.0.7", "198.51.100.1"),
        # Only proxies: the furthest.
        (PROXY, "10.0.0.8, 10.0.0.7", "10.0.0.8"),
        # Nothing forwarded: the proxy itself.
        (PROXY, "", PROXY),
        # Not an address where the proxy should have written one: the last trusted hop.
        (PROXY, "198.51.100.1, not-an-address", PROXY),
        (PROXY, "198.51.100.1, not-an-address, 10.0.0.7", "10.0.0.7"),
        # As proxies may write them: a port, IPv6 in brackets, IPv4 mapped into IPv6.
        (PROXY, "198.51.100.1:5678", "198.51.100.1"),
        (PROXY, "[2001:db8::1]:443", "2001:db8::1"),
        (PROXY, "2001:db8::1", "2001:db8::1"),
        ("::ffff:10.0.0.2", "198.51.100.1", "198.51.100.1"),
        ("not an address", "198.51.100.1", None),
    ],
)
def test_the_client_address_believes_only_trusted_proxies(remote, xff, seen):
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=xff)
    with override_settings(TRUSTED_PROXIES=networks(*PROXIES)):
        assert client_address(request) == seen


def test_no_proxy_is_trusted_by_default():
    from django.conf import settings

    assert settings.TRUSTED_PROXIES == ()
    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_address(request) == "127.0.0.1"


def test_axes_and_the_token_throttle_read_the_one_function():
    from django.conf import settings

    from core.api.auth import ClientAddressRateThrottle, ObtainTokenView

    assert settings.AXES_CLIENT_IP_CALLABLE == "core.tenancy.auth.client_address"
    assert ObtainTokenView.throttle_classes == (ClientAddressRateThrottle,)


@pytest.fixture
def token_rate() -> Any:
    """The token endpoint's rate set to 3 a minute (DRF reads rates into the class)."""
    from rest_framework.throttling import ScopedRateThrottle

    original = ScopedRateThrottle.THROTTLE_RATES
    ScopedRateThrottle.THROTTLE_RATES = {**original, "token": "3/min"}
    yield
    ScopedRateThrottle.THROTTLE_RATES = original


def token(remote: str, xff: str = "") -> int:
    extra: dict[str, Any] = {"REMOTE_ADDR": remote}
    if xff:
        extra["HTTP_X_FORWARDED_FOR"] = xff
    body = {"username": "agent", "password": PASSWORD}
    return APIClient().post(TOKEN, body, **extra).status_code


def test_a_spoofed_forwarded_for_does_not_move_the_token_rate_limit(cast, token_rate):
    # One client, a new made-up address each time: still one client.
    codes = [token("203.0.113.9", f"198.51.100.{n}") for n in range(4)]
    assert codes == [200, 200, 200, 429]
    # Another connection is another client.
    assert token("203.0.113.10", "198.51.100.1") == 200


def test_behind_a_trusted_proxy_the_token_rate_limit_counts_each_client(cast, token_rate):
    with override_settings(TRUSTED_PROXIES=networks(*PROXIES)):
        # Four people behind the one proxy: none held back by the others.
        assert [token(PROXY, f"198.51.100.{n}") for n in range(4)] == [200] * 4
        # One of them, whatever they claim before the proxy's entry, is counted as themself.
        codes = [token(PROXY, f"192.0.2.{n}, 198.51.100.50") for n in range(4)]
        assert codes == [200, 200, 200, 429]


def test_a_spoofed_forwarded_for_does_not_escape_the_lock_out(cast):
    client = Client()
    for n in range(5):
        sign_in(client, "wcc.lead", "wrong", "203.0.113.9", f"198.51.100.{n}")
    response = sign_in(client, "wcc.lead", PASSWORD, "203.0.113.9", "198.51.100.99")
    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.9"}
    # Nor does it lock anyone else out: the address is the connection's.
    assert sign_in(Client(), "wcc.lead", PASSWORD, "203.0.113.10").status_code == 302


def test_behind_a_trusted_proxy_the_lock_out_is_the_clients(cast):
    with override_settings(TRUSTED_PROXIES=networks(*PROXIES)):
        client = Client()
        for _ in range(5):
            sign_in(client, "wcc.lead", "wrong", PROXY, "198.51.100.7")
        assert sign_in(client, "wcc.lead", PASSWORD, PROXY, "198.51.100.7").status_code == 429
        assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["198.51.100.7"]
        # Someone else behind the same proxy signs in as usual.
        assert sign_in(Client(), "wcc.lead", PASSWORD, PROXY, "198.51.100.8").status_code == 302
