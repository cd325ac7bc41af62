"""Security settings and sign-in rules: Argon2, throttled sign-in, production mode, headers,
and the end of access for the people of a council that has left the partnership."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import Argon2PasswordHasher, identify_hasher, make_password
from django.test import Client, RequestFactory
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from core.tenancy.access import access_for
from core.tenancy.auth import ConcordTokenAuthentication
from core.tenancy.models import Membership, User
from core.tenancy.scoping import system_scope
from core.testing.cast import PASSWORD
from core.testing.migrated import fresh_env, run_python
from core.testing.sample.models import Pact, Room

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parents[2]
SIGN_IN = "/sign-in/"
# A moment well after lbhf left (2018-03-31); wcc leaves on LEAVING in some tests below.
LEAVING = datetime.date(2030, 6, 30)


def at(day: datetime.date, hour: int = 12) -> Any:
    """Freeze time at midday (UK) on `day`."""
    return time_machine.travel(
        datetime.datetime(day.year, day.month, day.day, hour, tzinfo=datetime.UTC), tick=False
    )


def authenticates(username: str, password: str = PASSWORD) -> bool:
    """Would Django's sign-in (with axes and ConcordBackend) accept these credentials?"""
    request = RequestFactory().post(SIGN_IN, REMOTE_ADDR="10.0.0.9")
    return authenticate(request, username=username, password=password) is not None


def post_sign_in(client: Client, username: str, password: str) -> Any:
    return client.post(SIGN_IN, {"username": username, "password": password})


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


# Passwords -----------------------------------------------------------------------------


class QuickArgon2(Argon2PasswordHasher):
    """Argon2 at tiny cost: the same algorithm and format, checked in microseconds.

    A stored Argon2 hash carries its own cost, so the cast signs in quickly in these tests
    (which sign in many times); a successful sign-in upgrades the hash to the full cost, as in
    production.
    """

    time_cost = 1
    memory_cost = 64
    parallelism = 1


@pytest.fixture(autouse=True)
def quick_cast_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    quick = make_password(PASSWORD, hasher=QuickArgon2())
    monkeypatch.setattr("core.testing.cast.password_hash", lambda: quick)


def test_argon2_is_the_first_password_hasher():
    assert settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert make_password("anything at all").startswith("argon2$")


def test_cast_and_demo_passwords_are_stored_as_argon2(cast):
    from core.demo import load_demo

    load_demo()  # tops up the cast's councils with the demo's people
    users = list(User.objects.all())
    assert len(users) >= 12
    for user in users:
        # Argon2, or no password at all (the desk's demo requesters and resolvers, who never
        # sign in: Django's unusable password, which no password matches).
        assert user.password.startswith("argon2$") or not user.has_usable_password(), user.username
    assert sum(user.password.startswith("argon2$") for user in users) >= 12


def test_an_older_hash_is_upgraded_to_argon2_on_sign_in(cast):
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    cast.wcc_lead.password = PBKDF2PasswordHasher().encode(PASSWORD, "somesalt1234", 1000)
    cast.wcc_lead.save()
    assert authenticates("wcc.lead")
    cast.wcc_lead.refresh_from_db()
    assert identify_hasher(cast.wcc_lead.password).algorithm == "argon2"
    assert not Argon2PasswordHasher().must_update(cast.wcc_lead.password)


def test_a_cheaper_argon2_hash_is_brought_to_full_cost_on_sign_in(cast):
    assert Argon2PasswordHasher().must_update(cast.wcc_lead.password)  # the quick test hash
    assert authenticates("wcc.lead")
    cast.wcc_lead.refresh_from_db()
    assert not Argon2PasswordHasher().must_update(cast.wcc_lead.password)


# Throttled sign-in (django-axes) -------------------------------------------------------------


def test_the_sign_in_page_signs_people_in(cast, client):
    response = post_sign_in(client, "wcc.lead", PASSWORD)
    assert response.status_code == 302
    assert signed_in(client)


def test_the_sign_in_page_locks_out_after_five_failures(cast, client):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(4):
        response = post_sign_in(client, "wcc.lead", "wrong password")
        assert response.status_code == 200  # the form again, with its error
        assert not signed_in(client)
    response = post_sign_in(client, "wcc.lead", "wrong password")
    assert response.status_code == 429
    # Locked: even the right password is refused now.
    response = post_sign_in(client, "wcc.lead", PASSWORD)
    assert response.status_code == 429
    assert not signed_in(client)
    # The lock is on that username from that address; someone else can still sign in.
    other = Client()
    assert post_sign_in(other, "rbkc.lead", PASSWORD).status_code == 302


def test_the_lockout_ends_after_the_cool_off(cast, client):
    start = datetime.datetime(2026, 1, 5, 9, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            post_sign_in(client, "wcc.lead", "wrong password")
        assert post_sign_in(client, "wcc.lead", PASSWORD).status_code == 429
    cool_off = datetime.timedelta(minutes=settings.AXES_COOLOFF_TIME * 60)
    with time_machine.travel(start + cool_off + datetime.timedelta(minutes=1), tick=False):
        assert post_sign_in(client, "wcc.lead", PASSWORD).status_code == 302
        assert signed_in(client)


def test_a_successful_sign_in_resets_the_count(cast, client):
    for _ in range(4):
        assert post_sign_in(client, "wcc.lead", "wrong").status_code == 200
    assert post_sign_in(client, "wcc.lead", PASSWORD).status_code == 302
    client.post("/sign-out/")
    for _ in range(4):
        assert post_sign_in(client, "wcc.lead", "wrong").status_code == 200
    assert post_sign_in(client, "wcc.lead", PASSWORD).status_code == 302


def test_throttling_works_with_the_concord_backend(cast):
    assert settings.AUTHENTICATION_BACKENDS == [
        "axes.backends.AxesStandaloneBackend",
        "core.tenancy.auth.ConcordBackend",
    ]
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"
    for _ in range(5):
        assert not authenticates("rbkc.staff", "wrong")
    assert not authenticates("rbkc.staff")


# Production mode -----------------------------------------------------------------------------


def production_env(**extra: str) -> dict[str, str]:
    """An environment for a fresh Python process in production mode."""
    env = fresh_env()
    env.update(
        DJANGO_SETTINGS_MODULE="concord.settings",
        CONCORD_ENV="production",
        CONCORD_VAR_DIR=str(BASE_DIR / "var"),
        **extra,
    )
    return env


SETUP = ["-c", "import django; django.setup(); print('started')"]
SECRET = "x7#Qm2!vR9pL4zT8wK1nB6yH3sD5fG0jC2eA7uI9oP4lM8qW1rE6tY3"


def test_production_refuses_to_start_without_a_secret_key():
    result = run_python(SETUP, production_env(CONCORD_ALLOWED_HOSTS="concord.example.gov.uk"))
    assert result.returncode != 0
    assert "CONCORD_SECRET_KEY" in result.stderr
    assert "started" not in result.stdout


def test_production_refuses_a_short_secret_key():
    env = production_env(CONCORD_SECRET_KEY="short", CONCORD_ALLOWED_HOSTS="concord.example")
    result = run_python(SETUP, env)
    assert result.returncode != 0
    assert "CONCORD_SECRET_KEY" in result.stderr


@pytest.mark.parametrize("value", ["Production", "prod", "live", ""])
def test_a_mistyped_environment_is_refused_rather_than_run_as_development(value):
    env = production_env(CONCORD_SECRET_KEY=SECRET, CONCORD_ALLOWED_HOSTS="concord.example")
    env["CONCORD_ENV"] = value
    result = run_python(SETUP, env)
    assert result.returncode != 0
    assert "CONCORD_ENV must be one of development, production" in result.stderr
    assert "started" not in result.stdout


def test_production_refuses_a_secret_key_of_few_different_characters():
    env = production_env(CONCORD_SECRET_KEY="a" * 60, CONCORD_ALLOWED_HOSTS="concord.example")
    result = run_python(SETUP, env)
    assert result.returncode != 0
    assert "CONCORD_SECRET_KEY" in result.stderr


def test_production_refuses_to_allow_every_host():
    env = production_env(CONCORD_SECRET_KEY=SECRET, CONCORD_ALLOWED_HOSTS="concord.example,*")
    result = run_python(SETUP, env)
    assert result.returncode != 0
    assert "not allow every host" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = run_python(SETUP, production_env(CONCORD_SECRET_KEY=SECRET))
    assert result.returncode != 0
    assert "CONCORD_ALLOWED_HOSTS" in result.stderr


def test_production_refuses_debug():
    env = production_env(
        CONCORD_SECRET_KEY=SECRET,
        CONCORD_ALLOWED_HOSTS="concord.example.gov.uk",
        CONCORD_DEBUG="true",
    )
    result = run_python(SETUP, env)
    assert result.returncode != 0
    assert "CONCORD_DEBUG" in result.stderr


def test_production_with_its_settings_passes_check_deploy_with_no_warnings():
    env = production_env(CONCORD_SECRET_KEY=SECRET, CONCORD_ALLOWED_HOSTS="concord.example.gov.uk")
    assert "started" in run_python(SETUP, env).stdout
    result = run_python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_production_turns_on_secure_cookies_and_hsts():
    env = production_env(CONCORD_SECRET_KEY=SECRET, CONCORD_ALLOWED_HOSTS="concord.example.gov.uk")
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, "
        "s.SECURE_HSTS_SECONDS >= 31536000, s.SECURE_HSTS_INCLUDE_SUBDOMAINS)"
    )
    result = run_python(["-c", script], env)
    assert result.stdout.split() == ["False", "True", "True", "True", "True", "True"], result.stderr


def test_sessions_are_read_through_the_cache_only_when_it_is_shared():
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_ENGINE.rsplit('.', 1)[1], s.CACHES['default']['BACKEND'].split('.')[-1])"
    )
    env = production_env(CONCORD_SECRET_KEY=SECRET, CONCORD_ALLOWED_HOSTS="concord.example")
    assert run_python(["-c", script], env).stdout.split() == ["sessions", "LocMemCache"]
    env["REDIS_URL"] = "redis://127.0.0.1:6379/0"
    assert run_python(["-c", script], env).stdout.split() == ["cached_db", "RedisCache"]


@pytest.mark.parametrize("module", ["concord.wsgi", "concord.asgi"])
def test_the_server_entry_points_freeze_what_they_loaded(module):
    env = production_env(CONCORD_SECRET_KEY=SECRET, CONCORD_ALLOWED_HOSTS="concord.example")
    # Every app's URLs (and the views and serializers they import) are loaded before the freeze,
    # not on the first request.
    script = (
        f"import gc, sys, {module}; "
        "print(gc.get_freeze_count() > 10000, 'concord.api_urls' in sys.modules)"
    )
    result = run_python(["-c", script], env)
    assert result.stdout.split() == ["True", "True"], result.stderr


def test_with_no_settings_at_all_concord_is_production_and_refuses_to_start():
    # Fails closed: development mode must be asked for (core/tests/test_production_settings.py).
    env = production_env()
    env.pop("CONCORD_ENV")
    result = run_python(SETUP, env)
    assert result.returncode != 0
    assert "CONCORD_SECRET_KEY" in result.stderr
    assert "started" not in result.stdout


# Response headers ----------------------------------------------------------------------------


def assert_security_headers(response: Any) -> None:
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "http:" not in csp and "https:" not in csp  # nothing from elsewhere, no CDN
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Request-ID"]


def test_security_headers_on_the_sign_in_page(client):
    response = client.get(SIGN_IN)
    assert response.status_code == 200
    assert_security_headers(response)


def test_security_headers_on_pages_redirects_and_errors(cast, client, client_for):
    assert_security_headers(client_for(cast.wcc_lead).get("/"))
    assert_security_headers(client.get("/"))  # a redirect to sign in
    assert_security_headers(client_for(cast.wcc_lead).get("/no-such-page/"))


def test_security_headers_on_the_api(cast, client):
    response = client.get("/api/v1/rooms/")
    assert response.status_code in (401, 403)
    assert_security_headers(response)


def test_session_cookie_is_http_only():
    assert settings.SESSION_COOKIE_HTTPONLY is True


# A partner that has left ---------------------------------------------------------------------


def test_the_former_partners_people_cannot_sign_in(cast, client):
    assert not authenticates("lbhf.lead")
    response = post_sign_in(client, "lbhf.lead", PASSWORD)
    assert response.status_code == 200
    assert not signed_in(client)


def test_sign_in_ends_on_the_day_the_council_leaves(cast):
    cast.wcc.left_on = LEAVING
    cast.wcc.save()
    with at(LEAVING - datetime.timedelta(days=1)):
        assert authenticates("wcc.lead")
    with at(LEAVING):
        assert not authenticates("wcc.lead")
        assert not authenticates("wcc.staff")
        # Shared-service staff and the other council are untouched.
        assert authenticates("manager")
        assert authenticates("agent")
        assert authenticates("rbkc.lead")


def test_someone_in_two_councils_keeps_signing_in_while_one_remains(cast):
    with system_scope("test"):
        Membership.objects.create(user=cast.lbhf_lead, partner=cast.rbkc, role="requester")
    assert authenticates("lbhf.lead")
    access = access_for(cast.lbhf_lead)
    assert set(access.roles_by_partner) == {cast.rbkc.pk}  # nothing through lbhf


def test_token_authentication_refuses_the_former_partners_people(cast):
    former = Token.objects.create(user=cast.lbhf_lead)
    current = Token.objects.create(user=cast.wcc_lead)
    auth = ConcordTokenAuthentication()

    def request(token: Token) -> Any:
        return RequestFactory().get("/api/v1/", HTTP_AUTHORIZATION=f"Token {token.key}")

    result = auth.authenticate(request(current))
    assert result is not None and result[0] == cast.wcc_lead
    with pytest.raises(AuthenticationFailed, match="left the partnership"):
        auth.authenticate(request(former))

    cast.wcc.left_on = LEAVING
    cast.wcc.save()
    with at(LEAVING), pytest.raises(AuthenticationFailed):
        auth.authenticate(request(current))


def test_token_requests_of_the_former_partners_people_get_401(cast, client):
    token = Token.objects.create(user=cast.lbhf_lead)
    response = client.get("/api/v1/rooms/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 401
    assert response.json()["errors"][0]["message"]


def test_an_existing_session_ends_when_the_council_leaves(cast, client_for):
    cast.wcc.left_on = LEAVING
    cast.wcc.save()
    # 21:00 in London on the eve, then 01:30 on the day: the same (8-hour) session, across
    # the UK midnight (BST), which is when access ends, not midnight UTC.
    eve = datetime.datetime(2030, 6, 29, 20, 0, tzinfo=datetime.UTC)
    with time_machine.travel(eve, tick=False):
        lead = client_for(cast.wcc_lead)
        manager = client_for(cast.manager)
        assert lead.get("/").status_code == 200
        assert manager.get("/").status_code == 200
    with time_machine.travel(eve + datetime.timedelta(hours=4, minutes=30), tick=False):
        response = lead.get("/")
        assert response.status_code == 302
        assert response["Location"].startswith(SIGN_IN)
        # Signed out: the session's user is refused (ConcordBackend.get_user, then
        # AccessEndedMiddleware for anyone it still lets through).
        assert not response.wsgi_request.user.is_authenticated
        assert lead.get("/api/v1/rooms/").status_code in (401, 403)
        # Shared-service staff carry on.
        assert manager.get("/").status_code == 200


def test_the_former_partners_records_stay_read_only_for_shared_service_staff(cast):
    with system_scope("test data"):
        hall = Room.objects.create(partner=cast.lbhf, code="HTH", name="Hammersmith Town Hall")
    for staff in (cast.manager, cast.agent):
        assert hall in Room.objects.visible_to(staff)
        access = access_for(staff)
        assert access.can("view", Room.area, hall.owning_partner_ids())
        assert access.can("export", Room.area, hall.owning_partner_ids())
        assert access.can("history", Room.area, hall.owning_partner_ids())
        for action in ("change", "delete", "import"):
            assert not access.can(action, Room.area, hall.owning_partner_ids()), action
    # Nobody else sees it: not its own former people, not another council.
    assert hall not in Room.objects.visible_to(cast.lbhf_lead)
    assert hall not in Room.objects.visible_to(cast.wcc_lead)
    assert list(Room.objects.visible_to(cast.manager, "change").filter(pk=hall.pk)) == [hall]
    assert not access_for(cast.manager).can("change", Room.area, [cast.lbhf.pk])


def test_a_co_owned_record_stays_writable_while_one_owner_remains(cast):
    from decimal import Decimal

    from core.services import set_owner_shares

    with system_scope("test data"):
        tri = Pact.objects.create(
            reference="TRI", title="Tri-borough", starts_on=datetime.date(2011, 4, 1)
        )
        set_owner_shares(
            tri, {cast.wcc: Decimal("34"), cast.rbkc: Decimal("33"), cast.lbhf: Decimal("33")}
        )
    owners = tri.owning_partner_ids()
    assert access_for(cast.manager).can("change", Pact.area, owners)
    assert access_for(cast.wcc_lead).can("change", Pact.area, owners)


def test_former_partner_pages_are_read_only_for_staff(cast, client_for):
    from django.urls import NoReverseMatch, reverse

    with system_scope("test data"):
        hall = Room.objects.create(partner=cast.lbhf, code="HTH", name="Hammersmith Town Hall")
    try:
        detail = reverse("sample:room_detail", args=[hall.pk])
        edit = reverse("sample:room_update", args=[hall.pk])
        delete = reverse("sample:room_delete", args=[hall.pk])
    except NoReverseMatch:
        pytest.skip("the room pages are not mounted yet")
    manager = client_for(cast.manager)
    assert manager.get(detail).status_code == 200
    assert manager.get(edit).status_code == 403
    assert manager.post(edit, {"code": "X", "name": "Renamed"}).status_code == 403
    assert manager.post(delete).status_code == 403
    hall.refresh_from_db()
    assert hall.name == "Hammersmith Town Hall"
    # Another council's person gets a 404, as for any record they cannot see.
    assert client_for(cast.wcc_lead).get(detail).status_code == 404


def test_access_ended_middleware_signs_out_a_session_it_is_handed(cast):
    # The second line of defence: a request whose user is still set (a backend that does not
    # refuse them itself) is signed out and its session flushed.
    from django.contrib.sessions.backends.db import SessionStore
    from django.http import HttpResponse

    from core.tenancy.middleware import AccessEndedMiddleware

    seen: list[bool] = []

    def view(request: Any) -> HttpResponse:
        seen.append(request.user.is_authenticated)
        return HttpResponse()

    def request_as(user: User) -> Any:
        request = RequestFactory().get("/")
        request.session = SessionStore()
        request.session["_auth_user_id"] = str(user.pk)
        request.session.save()
        request.user = user
        return request

    middleware = AccessEndedMiddleware(view)
    former = request_as(cast.lbhf_lead)
    middleware(former)
    current = request_as(cast.wcc_lead)
    middleware(current)
    staff = request_as(cast.manager)
    middleware(staff)
    assert seen == [False, True, True]
    assert "_auth_user_id" not in former.session
    assert "_auth_user_id" in current.session


@pytest.fixture
def token_client(db: None) -> Client:
    from django.core.cache import cache

    cache.clear()  # the token endpoint's own rate limit counts in the cache
    return Client()


def get_token(client: Client, username: str, password: str = PASSWORD) -> Any:
    return client.post(
        "/api/v1/auth/token/",
        {"username": username, "password": password},
        content_type="application/json",
    )


def test_the_token_endpoint_refuses_the_former_partners_people(cast, token_client):
    assert get_token(token_client, "wcc.lead").status_code == 200
    response = get_token(token_client, "lbhf.lead")
    assert response.status_code == 400
    assert "token" not in response.json()


def test_the_token_endpoint_locks_out_after_five_failures(cast, token_client):
    for _ in range(4):
        assert get_token(token_client, "wcc.lead", "wrong").status_code == 400
    assert get_token(token_client, "wcc.lead", "wrong").status_code == 429  # the fifth
    response = get_token(token_client, "wcc.lead")  # even the right password, now
    assert response.status_code == 429
    assert response.json()["errors"][0]["code"] == "locked_out"
