"""The second factor of shared-service staff who sign in with a password: added at the first
sign-in (QR code, then a code from the app, then recovery codes shown once), asked at every
sign-in after, a code never accepted twice, recovery codes used once, too many wrong codes
start the sign-in again, and the API's token endpoint refuses such an account a token."""

from __future__ import annotations

import re
import time
from typing import Any

import pyotp
import pytest
from django.test import Client

from core.models import ChangeRecord
from core.testing.cast import PASSWORD, Cast
from core.testing.families import content_of
from identity import sealed
from identity.models import RecoveryCode, SecondFactor

pytestmark = pytest.mark.django_db

STEP = "/sign-in/second-factor/"


@pytest.fixture(autouse=True)
def second_factor_on(settings: Any) -> None:
    settings.IDENTITY_STAFF_SECOND_FACTOR = True


def password(client: Client, username: str, next_url: str = "") -> Any:
    data = {"username": username, "password": PASSWORD, "next": next_url}
    return client.post("/sign-in/", data)


def signed_in(client: Client) -> bool:
    return bool(client.get("/").wsgi_request.user.is_authenticated)


def enrol(client: Client) -> tuple[str, list[str]]:
    """Add an authenticator on the step's page: its secret and the recovery codes shown
    (the code it was confirmed with in `enrol.used`)."""
    page = content_of(client.get(STEP))
    secret = re.search(r'id="secret">([A-Z2-7]+)<', page).group(1)  # type: ignore[union-attr]
    assert "<svg" in page
    enrol.used = pyotp.TOTP(secret).now()  # type: ignore[attr-defined]
    response = client.post(STEP, {"code": enrol.used})  # type: ignore[attr-defined]
    assert response.status_code == 200
    codes = re.findall(r"<li><code>([0-9a-f]{6}-[0-9a-f]{6})</code></li>", content_of(response))
    return secret, codes


def test_council_people_are_not_asked(cast: Cast) -> None:
    client = Client()
    assert password(client, "wcc.lead").status_code == 302 and signed_in(client)


def test_staff_add_an_authenticator_then_are_asked_for_it(cast: Cast) -> None:
    client = Client()
    response = password(client, "agent", next_url="/sites/")
    assert response.status_code == 302 and response["Location"] == STEP
    assert not signed_in(client)  # the password alone signs nobody in
    secret, codes = enrol(client)
    assert len(codes) == 10 and signed_in(client)
    stored = SecondFactor.objects.get(user=cast.agent).secret
    assert stored.startswith("sealed$") and secret not in stored  # never kept in clear
    assert sealed.unseal(stored) == secret
    assert ChangeRecord.objects.unscoped("test").filter(object_repr="second factor of agent")
    client.post("/sign-out/")

    # The next sign-in asks for a code; the one already used is refused (replay).
    used = enrol.used  # type: ignore[attr-defined]
    password(client, "agent")
    response = client.post(STEP, {"code": used})
    assert response.status_code == 400 and "Enter the 6-digit code" in content_of(response)
    assert not signed_in(client)
    later = pyotp.TOTP(secret).at(time.time() + 30)
    if later == used:  # the same step still (a code repeats only by chance)
        later = pyotp.TOTP(secret).at(time.time() + 60)
    response = client.post(STEP, {"code": later})
    assert response.status_code == 302 and signed_in(client)


def test_recovery_codes_work_once(cast: Cast) -> None:
    client = Client()
    password(client, "manager")
    _secret, codes = enrol(client)
    for attempt in (1, 2):
        client.post("/sign-out/")
        password(client, "manager")
        response = client.post(STEP, {"code": codes[0]})
        assert (response.status_code == 302) is (attempt == 1)
    assert RecoveryCode.objects.filter(user=cast.manager, used_at__isnull=False).count() == 1


def test_too_many_wrong_codes_start_again(cast: Cast) -> None:
    client = Client()
    password(client, "agent")
    enrol(client)
    client.post("/sign-out/")
    password(client, "agent")
    for _ in range(4):
        assert client.post(STEP, {"code": "000000"}).status_code == 400
    response = client.post(STEP, {"code": "000000"})
    assert response.status_code == 302 and response["Location"] == "/sign-in/"
    assert client.get(STEP).status_code == 302  # the pending sign-in is gone


def test_the_step_without_a_password_first_goes_back(cast: Cast) -> None:
    response = Client().get(STEP)
    assert response.status_code == 302 and response["Location"] == "/sign-in/"


def test_token_endpoint_refuses_staff_who_need_a_factor(cast: Cast) -> None:
    def token(username: str) -> Any:
        return Client().post(
            "/api/v1/auth/token/",
            {"username": username, "password": PASSWORD},
            content_type="application/json",
        )

    assert token("agent").status_code == 403
    assert token("wcc.lead").status_code == 200


def test_manager_removes_a_lost_authenticator(cast: Cast) -> None:
    client = Client()
    password(client, "agent")
    enrol(client)
    manager = Client()
    manager.force_login(cast.manager)
    page = content_of(manager.get(f"/people/{cast.agent.pk}/switch-off/"))
    assert "Remove their authenticator" in page
    assert manager.post(f"/people/{cast.agent.pk}/authenticator/remove/").status_code == 302
    assert not SecondFactor.objects.filter(user=cast.agent).exists()
    assert not RecoveryCode.objects.filter(user=cast.agent).exists()


def test_a_seed_sealed_under_an_old_key_opens_with_the_fallback_and_is_sealed_again(
    cast: Cast, settings: Any
) -> None:
    client = Client()
    password(client, "agent")
    secret, _codes = enrol(client)
    client.post("/sign-out/")
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "a-new-key-" + "x" * 50, [old_key]
    assert not sealed.sealed_under_current_key(SecondFactor.objects.get(user=cast.agent).secret)

    password(client, "agent")
    code = pyotp.TOTP(secret).at(time.time() + 30)
    response = client.post(STEP, {"code": code})
    assert response.status_code == 302 and signed_in(client)
    # Sealed again under the new key: the old one can be dropped from the fallbacks.
    stored = SecondFactor.objects.get(user=cast.agent).secret
    assert sealed.sealed_under_current_key(stored) and sealed.unseal(stored) == secret


def test_a_seed_no_key_opens_refuses_app_codes_but_a_recovery_code_signs_in(
    cast: Cast, settings: Any, caplog: Any
) -> None:
    client = Client()
    password(client, "agent")
    secret, codes = enrol(client)
    client.post("/sign-out/")
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "a-new-key-" + "y" * 50, []

    password(client, "agent")
    response = client.post(STEP, {"code": pyotp.TOTP(secret).at(time.time() + 30)})
    assert response.status_code == 400 and not signed_in(client)
    assert "cannot be read" in caplog.text
    response = client.post(STEP, {"code": codes[0]})
    assert response.status_code == 302 and signed_in(client)


def test_the_migration_seals_seeds_kept_in_clear(cast: Cast) -> None:
    from importlib import import_module

    from django.apps import apps

    migration = import_module("identity.migrations.0002_sealed_second_factor")
    SecondFactor.objects.create(
        user=cast.agent, secret="JBSWY3DPEHPK3PXP", confirmed_at="2026-01-05T09:00Z"
    )
    migration.seal_existing(apps, None)
    stored = SecondFactor.objects.get(user=cast.agent).secret
    assert stored.startswith("sealed$") and sealed.unseal(stored) == "JBSWY3DPEHPK3PXP"
    migration.seal_existing(apps, None)  # already sealed: left as it is
    assert SecondFactor.objects.get(user=cast.agent).secret == stored
    migration.unseal_existing(apps, None)
    assert SecondFactor.objects.get(user=cast.agent).secret == "JBSWY3DPEHPK3PXP"
