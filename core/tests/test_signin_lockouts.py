"""Sign-in lock-outs: the time one ends (said on the sign-in page and by the token endpoint, and
not moved by attempts during it), and lifting one (a council's lead for its people, the
shared-service manager for anyone; pages and API; change-logged)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from core.api.testing import api_client
from core.models import ChangeRecord, ChangeRecordPartner
from core.signin import when_in_words
from core.tenancy.lockouts import lockout_ends, lockouts_visible_to
from core.testing.cast import PASSWORD

pytestmark = pytest.mark.django_db

SIGN_IN = "/sign-in/"
TOKEN = "/api/v1/auth/token/"
LOCKOUTS = "/sign-in-lockouts/"
API_LOCKOUTS = "/api/v1/sign-in-lockouts/"
# Thursday 3 December 2026, 14:30 UTC: Greenwich Mean Time, UK time is UTC.
WINTER = datetime.datetime(2026, 12, 3, 14, 30, tzinfo=datetime.UTC)
# Friday 3 July 2026, 14:30 UTC: British Summer Time, UK time is an hour ahead.
SUMMER = datetime.datetime(2026, 7, 3, 14, 30, tzinfo=datetime.UTC)


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


def sign_in(client: Client, username: str, password: str, remote: str, xff: str = "") -> Any:
    extra: dict[str, Any] = {"REMOTE_ADDR": remote}
    if xff:
        extra["HTTP_X_FORWARDED_FOR"] = xff
    return client.post(SIGN_IN, {"username": username, "password": password}, **extra)


def lock_out(username: str, remote: str = "203.0.113.9", xff: str = "") -> None:
    client = Client()
    for _ in range(5):
        sign_in(client, username, "wrong password", remote, xff)


def attempt(
    username: str | None, ip: str, failures: int = 5, at: Any = None, browser: str = "test"
) -> AccessAttempt:
    """A lock-out as django-axes records one."""
    row = AccessAttempt.objects.create(
        username=username,
        ip_address=ip,
        user_agent=browser,
        get_data="",
        post_data="",
        http_accept="*/*",
        path_info=SIGN_IN,
        failures_since_start=failures,
    )
    if at is not None:  # the field is set on creation: when, then
        AccessAttempt.objects.filter(pk=row.pk).update(attempt_time=at)
        row.refresh_from_db()
    return row


# When the lock-out ends ---------------------------------------------------------------------


def test_the_lock_out_page_says_when_to_try_again_in_uk_time(cast):
    with time_machine.travel(WINTER, tick=False):
        lock_out("wcc.lead")
        response = sign_in(Client(), "wcc.lead", PASSWORD, "203.0.113.9")
    assert response.status_code == 429
    text = response.content.decode()
    # Locked out at 14:30 for 15 minutes: held until 14:45 inclusive.
    assert "You can try again from" in text
    assert "2:46pm on Thursday 3 December 2026" in text
    assert int(response["Retry-After"]) == 16 * 60


def test_in_summer_the_time_is_british_summer_time(cast):
    with time_machine.travel(SUMMER, tick=False):
        lock_out("wcc.lead")
        response = sign_in(Client(), "wcc.lead", PASSWORD, "203.0.113.9")
    assert "3:46pm on Friday 3 July 2026" in response.content.decode()


def test_attempts_during_the_lock_out_leave_its_end_unchanged(cast):
    cool_off = datetime.timedelta(minutes=15)
    with time_machine.travel(WINTER, tick=False):
        lock_out("wcc.lead")
    ends = lockout_ends("wcc.lead", "203.0.113.9", now=WINTER)
    assert ends == WINTER + cool_off
    client = Client()
    for minutes in (1, 5, 10, 14):
        with time_machine.travel(WINTER + datetime.timedelta(minutes=minutes), tick=False):
            assert sign_in(client, "wcc.lead", "wrong", "203.0.113.9").status_code == 429
            response = sign_in(client, "wcc.lead", PASSWORD, "203.0.113.9")
            assert response.status_code == 429
            assert "2:46pm on Thursday 3 December 2026" in response.content.decode()
            assert lockout_ends("wcc.lead", "203.0.113.9") == ends
    assert AccessAttempt.objects.get().failures_since_start == 5
    with time_machine.travel(ends + datetime.timedelta(seconds=1), tick=False):
        assert sign_in(client, "wcc.lead", PASSWORD, "203.0.113.9").status_code == 302


def test_the_token_endpoint_says_when_to_try_again(cast):
    client = APIClient()
    body = {"username": "wcc.lead", "password": "wrong"}
    with time_machine.travel(WINTER, tick=False):
        for _ in range(5):
            client.post(TOKEN, body, REMOTE_ADDR="203.0.113.9")
    with time_machine.travel(WINTER + datetime.timedelta(minutes=10), tick=False):
        response = client.post(TOKEN, {**body, "password": PASSWORD}, REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 429
    error = response.json()["errors"][0]
    assert error["code"] == "locked_out"
    assert "2:46pm on Thursday 3 December 2026" in error["message"]
    assert "2026-12-03T14:46:00+00:00" in error["message"]
    assert int(response["Retry-After"]) == 6 * 60
    assert lockout_ends("wcc.lead", "203.0.113.9", now=WINTER) == WINTER + datetime.timedelta(
        minutes=15
    )


def test_the_end_is_when_the_rows_still_counting_fall_below_the_limit(cast):
    # Two browsers: 3 failures at 14:20 and 2 at 14:30. From 14:35 the first stops counting,
    # leaving 2 of 5: the lock-out ends at 14:35.
    attempt("wcc.lead", "203.0.113.9", 3, WINTER - datetime.timedelta(minutes=10))
    attempt("wcc.lead", "203.0.113.9", 2, WINTER, browser="another browser")
    assert lockout_ends("wcc.lead", "203.0.113.9", now=WINTER) == WINTER + datetime.timedelta(
        minutes=5
    )
    assert when_in_words(WINTER) == "2:30pm on Thursday 3 December 2026"
    noon = datetime.datetime(2026, 7, 3, 11, tzinfo=datetime.UTC)
    assert when_in_words(noon) == "midday on Friday 3 July 2026"


def councils_of(record: ChangeRecord) -> set[int]:
    """Whose change logs `record` is in."""
    links = ChangeRecordPartner.objects.filter(change_id=record.pk)
    return set(links.values_list("partner_id", flat=True))


# Lifting a lock-out: pages ------------------------------------------------------------------


def test_a_lead_sees_and_lifts_only_their_councils_lock_outs(cast, client_for):
    own = attempt("wcc.staff", "203.0.113.9")
    other = attempt("rbkc.staff", "203.0.113.9")
    nobody = attempt("no.such.person", "203.0.113.9")
    lead = client_for(cast.wcc_lead)
    page = lead.get(LOCKOUTS)
    assert page.status_code == 200
    text = page.content.decode()
    assert "wcc.staff" in text
    assert "rbkc.staff" not in text and "no.such.person" not in text
    # Another council's person's lock-out does not exist for them.
    assert lead.post(f"{LOCKOUTS}{other.pk}/lift/").status_code == 404
    assert lead.post(f"{LOCKOUTS}{nobody.pk}/lift/").status_code == 404
    assert AccessAttempt.objects.filter(pk__in=[other.pk, nobody.pk]).count() == 2
    response = lead.post(f"{LOCKOUTS}{own.pk}/lift/", follow=True)
    assert response.status_code == 200
    assert "The lock-out of wcc.staff from 203.0.113.9 is lifted" in response.content.decode()
    assert not AccessAttempt.objects.filter(pk=own.pk).exists()
    # The person signs in at once from there.
    assert sign_in(Client(), "wcc.staff", PASSWORD, "203.0.113.9").status_code == 302
    # Lifted already: gone.
    assert lead.post(f"{LOCKOUTS}{own.pk}/lift/").status_code == 404


def test_the_manager_sees_and_lifts_anyones_lock_out(cast, client_for):
    wcc = attempt("wcc.staff", "203.0.113.9")
    rbkc = attempt("rbkc.staff", "198.51.100.4")
    nobody = attempt("no.such.person", "192.0.2.1")
    manager = client_for(cast.manager)
    text = manager.get(LOCKOUTS).content.decode()
    for name in ("wcc.staff", "rbkc.staff", "no.such.person", "Names nobody"):
        assert name in text
    for row in (wcc, rbkc, nobody):
        assert manager.post(f"{LOCKOUTS}{row.pk}/lift/").status_code == 302
    assert not AccessAttempt.objects.exists()
    assert "Nobody you can see is locked out now" in manager.get(LOCKOUTS).content.decode()


def test_others_may_not_see_lock_outs(cast, client_for):
    row = attempt("wcc.staff", "203.0.113.9")
    for user in (cast.wcc_staff, cast.wcc_auditor, cast.agent, cast.finance):
        client = client_for(user)
        assert client.get(LOCKOUTS).status_code == 403, user
        assert client.post(f"{LOCKOUTS}{row.pk}/lift/").status_code == 404, user
    anonymous = Client().get(LOCKOUTS)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(SIGN_IN)
    assert AccessAttempt.objects.filter(pk=row.pk).exists()


def test_the_list_shows_only_lock_outs_in_force(cast, client_for):
    attempt("wcc.staff", "203.0.113.9", failures=4)  # not yet locked out
    attempt("wcc.colleague", "203.0.113.9", at=timezone.now() - datetime.timedelta(minutes=16))
    assert lockouts_visible_to(cast.manager) == []
    text = client_for(cast.wcc_lead).get(LOCKOUTS).content.decode()
    assert "Nobody you can see is locked out now" in text


def test_a_lifted_lock_out_is_in_the_change_log(cast, client_for):
    row = attempt("wcc.staff", "203.0.113.9")
    lead = client_for(cast.wcc_lead)
    assert lead.post(f"{LOCKOUTS}{row.pk}/lift/").status_code == 302
    kind = ContentType.objects.get_for_model(AccessAttempt)
    with_scope = ChangeRecord.objects.visible_to(cast.manager).filter(content_type=kind)
    record = with_scope.get()
    assert record.action == "delete"
    assert record.actor == cast.wcc_lead
    assert record.object_id == row.pk
    assert record.object_repr == "Sign-in lock-out of wcc.staff from 203.0.113.9"
    assert record.before["username"] == "wcc.staff"
    assert record.before["ip_address"] == "203.0.113.9"
    assert record.before["failures"] == 5
    assert record.before["locked_until"]
    assert record.after is None
    assert record.request_id
    assert councils_of(record) == {cast.wcc.pk}
    # The council's change log shows it to its lead and auditor, never to another council.
    assert ChangeRecord.objects.visible_to(cast.wcc_auditor).filter(pk=record.pk).exists()
    assert not ChangeRecord.objects.visible_to(cast.rbkc_lead).filter(pk=record.pk).exists()
    page = lead.get("/changes/", {"model": "axes.accessattempt"})
    assert page.status_code == 200
    assert "Sign-in lock-out of wcc.staff from 203.0.113.9" in page.content.decode()
    api = api_client(cast.wcc_auditor).get(
        "/api/v1/changes/", {"content_type": "axes.accessattempt"}
    )
    assert api.status_code == 200, api.json()
    assert [c["object_repr"] for c in api.json()["results"]] == [record.object_repr]


# Lifting a lock-out: the API ----------------------------------------------------------------


def test_the_api_lists_and_lifts_a_leads_own_councils_lock_outs(cast):
    own = attempt("wcc.staff", "203.0.113.9")
    other = attempt("rbkc.staff", "203.0.113.9")
    client = api_client(cast.wcc_lead)
    listed = client.get(API_LOCKOUTS)
    assert listed.status_code == 200
    (only,) = listed.json()
    assert only["id"] == own.pk
    assert only["username"] == only["person"] == "wcc.staff"
    assert only["ip_address"] == "203.0.113.9"
    assert only["failures"] == 5
    assert only["retry_from"] > only["ends_at"]
    assert client.get(f"{API_LOCKOUTS}{own.pk}/").status_code == 200
    assert client.get(f"{API_LOCKOUTS}{other.pk}/").status_code == 404
    assert client.delete(f"{API_LOCKOUTS}{other.pk}/").status_code == 404
    assert AccessAttempt.objects.filter(pk=other.pk).exists()
    assert client.delete(f"{API_LOCKOUTS}{own.pk}/").status_code == 204
    assert not AccessAttempt.objects.filter(pk=own.pk).exists()
    assert client.delete(f"{API_LOCKOUTS}{own.pk}/").status_code == 404
    for no_such in ("0", "99999999999999999999999", f"{2**63}"):
        assert client.get(f"{API_LOCKOUTS}{no_such}/").status_code == 404
        assert client.delete(f"{API_LOCKOUTS}{no_such}/").status_code == 404
    assert client.get(f"{API_LOCKOUTS}abc/").status_code == 404
    record = ChangeRecord.objects.visible_to(cast.wcc_lead).get(object_repr__contains="lock-out")
    assert record.actor == cast.wcc_lead


def test_the_api_lets_the_manager_lift_anyones_and_nobody_else(cast):
    rbkc = attempt("rbkc.staff", "203.0.113.9")
    nobody = attempt("no.such.person", "203.0.113.9")
    for user in (cast.agent, cast.wcc_auditor, cast.wcc_staff):
        client = api_client(user)
        assert client.get(API_LOCKOUTS).status_code == 403
        assert client.delete(f"{API_LOCKOUTS}{rbkc.pk}/").status_code == 404
    assert APIClient().get(API_LOCKOUTS).status_code == 401
    manager = api_client(cast.manager)
    listed = manager.get(API_LOCKOUTS).json()
    assert {row["username"] for row in listed} == {"rbkc.staff", "no.such.person"}
    assert {row["person"] for row in listed} == {"rbkc.staff", None}
    assert manager.delete(f"{API_LOCKOUTS}{nobody.pk}/").status_code == 204
    assert manager.delete(f"{API_LOCKOUTS}{rbkc.pk}/").status_code == 204
    assert not AccessAttempt.objects.exists()
    records = ChangeRecord.objects.visible_to(cast.manager).filter(
        object_repr__startswith="Sign-in lock-out"
    )
    assert records.count() == 2
    # The made-up username's is in the service's change log only.
    unnamed = records.get(object_repr__contains="no.such.person")
    assert councils_of(unnamed) == set()
    assert not ChangeRecord.objects.visible_to(cast.rbkc_lead).filter(pk=unnamed.pk).exists()


def test_a_lock_out_lifted_meanwhile_is_not_lifted_twice(cast):
    from core.signin import lift_lockout

    attempt("wcc.staff", "203.0.113.9")
    (seen_by_lead,) = lockouts_visible_to(cast.wcc_lead)
    (seen_by_manager,) = lockouts_visible_to(cast.manager)
    assert lift_lockout(seen_by_manager) is True
    assert lift_lockout(seen_by_lead) is False
    assert (
        ChangeRecord.objects.visible_to(cast.manager)
        .filter(object_repr__startswith="Sign-in lock-out")
        .count()
        == 1
    )
