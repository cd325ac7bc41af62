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
    assert SecondFactor.objects.get(user=cast.agent).secret == secret
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
