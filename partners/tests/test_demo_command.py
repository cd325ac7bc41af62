"""`concord demo`: the demo partnership, loaded once for this module's tests.

Each test runs in a savepoint of one run of the command (core/testing/shared_data.py), as a
person would find the demo after `make demo`; a test that runs the command again sees what a
second run does to the first one's records, and its changes are rolled back after it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import override_settings

from core.demo import DEMO_PASSWORD
from core.tenancy.choices import CouncilRole
from core.tenancy.models import Membership, Partner, User
from core.tenancy.scoping import system_scope
from core.testing.shared_data import kept_for_module
from partners.tests.test_commands import changes, run, sign_in

pytestmark = [pytest.mark.django_db]


@pytest.fixture(scope="module")
def demo(django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any) -> Iterator[str]:
    """What one `concord demo` printed, its records kept for the module's tests, its files in
    a folder of the module's."""
    media = tmp_path_factory.mktemp("media")
    with (
        override_settings(MEDIA_ROOT=str(media)),
        kept_for_module(django_db_blocker, lambda: run("demo")) as out,
    ):
        yield out


def test_demo_loads_the_partnership_and_prints_the_accounts(demo: str) -> None:
    out = demo

    with system_scope("test"):
        partners = {p.code: p for p in Partner.objects.all()}
        assert set(partners) == {"wcc", "rbkc", "lbhf"}
        assert partners["wcc"].name == "City of Westminster"
        assert partners["wcc"].gss_code == "E09000033"
        assert partners["rbkc"].gss_code == "E09000020"
        assert partners["lbhf"].gss_code == "E09000013"
        assert partners["lbhf"].left_on == datetime.date(2018, 3, 31)
        assert partners["wcc"].left_on is None
        assert {p.joined_on for p in partners.values()} == {datetime.date(2011, 4, 1)}
        assert {p.nation for p in partners.values()} == {"ENG"}

        roles = {
            (m.user.username, m.partner.code, m.role)
            for m in Membership.objects.select_related("user", "partner")
        }
    for code in ("wcc", "rbkc", "lbhf"):
        assert (f"{code}.staff", code, CouncilRole.REQUESTER) in roles
        assert (f"{code}.lead", code, CouncilRole.LEAD) in roles
        assert (f"{code}.auditor", code, CouncilRole.AUDITOR) in roles
        assert (f"{code}.finance", code, CouncilRole.FINANCE) in roles

    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert User.objects.get(username="manager").service_role == "manager"
    assert User.objects.get(username="agent").service_role == "agent"
    assert User.objects.get(username="finance").service_role == "finance"
    assert not User.objects.get(username="wcc.lead").service_role

    for username in (
        "admin",
        "manager",
        "agent",
        "finance",
        "wcc.staff",
        "rbkc.lead",
        "lbhf.auditor",
        "wcc.finance",
        "rbkc.finance",
    ):
        assert username in out
    assert DEMO_PASSWORD in out
    assert "Who they are" in out


def test_demo_passwords_are_argon2_and_work_except_for_the_former_partner(demo: str) -> None:
    for user in User.objects.all():
        # A password is Argon2's, or none at all (the desk's requesters and resolvers, who
        # never sign in: Django's unusable password, which no password matches).
        assert user.password.startswith("argon2$") or not user.has_usable_password(), user.username
    assert User.objects.filter(password__startswith="argon2$").count() >= 10
    assert sign_in("wcc.lead", DEMO_PASSWORD) is not None
    assert sign_in("manager", DEMO_PASSWORD) is not None
    assert sign_in("wcc.finance", DEMO_PASSWORD) is not None
    assert sign_in("finance", DEMO_PASSWORD) is not None
    # Hammersmith and Fulham left in 2018: its people cannot sign in.
    assert sign_in("lbhf.lead", DEMO_PASSWORD) is None


def test_demo_twice_duplicates_nothing_and_logs_no_second_set_of_changes(demo: str) -> None:
    with system_scope("test"):
        counts = (Partner.objects.count(), Membership.objects.count())
    users = User.objects.count()
    logged = len(changes("command:demo"))
    assert logged > 0

    out = run("demo")

    with system_scope("test"):
        assert (Partner.objects.count(), Membership.objects.count()) == counts
    assert User.objects.count() == users
    assert len(changes("command:demo")) == logged
    assert "nothing to add" in out
    assert "wcc.lead" in out


def test_demo_records_its_changes_under_its_label(demo: str) -> None:
    records = changes("command:demo")
    assert records
    assert {r.actor_id for r in records} == {None}
    assert len({r.request_id for r in records}) == 1  # one run, one id
    kinds = {r.content_type.model for r in records}
    assert {"partner", "membership"} <= kinds


def test_demo_keeps_a_changed_password_unless_asked_to_reset_it(demo: str) -> None:
    user = User.objects.get(username="wcc.lead")
    user.set_password("a-new-secret-passphrase")
    user.save()
    run("demo")
    assert sign_in("wcc.lead", DEMO_PASSWORD) is None
    out = run("demo", "--reset-passwords")
    assert "Reset the password of 16 demo account(s)" in out
    assert sign_in("wcc.lead", DEMO_PASSWORD) is not None
