"""A signed-in person is read with their access in one query, and it is the same access."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.tenancy.access import Access, access_for, user_with_access
from core.tenancy.auth import ConcordBackend
from core.tenancy.choices import CouncilRole
from core.tenancy.models import Membership, User
from core.tenancy.scoping import system_scope

pytestmark = pytest.mark.django_db


def fresh(user: User) -> User:
    with system_scope("test"):
        return User.objects.get(pk=user.pk)


def same_access(one: Access, other: Access) -> None:
    assert one.user_id == other.user_id
    assert one.service_role == other.service_role
    assert one.is_superuser == other.is_superuser
    assert one.roles_by_partner == other.roles_by_partner
    assert one.access_ended == other.access_ended
    assert one.left_partner_ids == other.left_partner_ids


@pytest.mark.parametrize(
    "who", ["wcc_lead", "wcc_staff", "rbkc_lead", "lbhf_lead", "agent", "manager", "finance"]
)
def test_one_query_gives_the_access_access_for_works_out(cast, who):
    person = getattr(cast, who)
    with CaptureQueriesContext(connection) as captured:
        user, also = user_with_access(pk=person.pk)
    assert len(captured) == 1
    assert also == ()
    assert user.pk == person.pk and user.username == person.username
    assert user.password == person.password  # the session's hash check needs it
    same_access(access_for(user), access_for(fresh(person)))


def test_a_person_of_two_councils_keeps_both_and_every_role(cast):
    with system_scope("test data"):
        Membership.objects.create(user=cast.wcc_lead, partner=cast.rbkc, role=CouncilRole.AUDITOR)
        Membership.objects.create(user=cast.wcc_lead, partner=cast.wcc, role=CouncilRole.FINANCE)
    user, _ = user_with_access(pk=cast.wcc_lead.pk)
    access = access_for(user)
    assert access.roles_by_partner == {
        cast.wcc.pk: {CouncilRole.LEAD, CouncilRole.FINANCE},
        cast.rbkc.pk: {CouncilRole.AUDITOR},
    }
    same_access(access, access_for(fresh(cast.wcc_lead)))


def test_a_former_partners_person_is_refused_by_the_session_backend(cast):
    assert cast.lbhf.left_on is not None and cast.lbhf.left_on <= datetime.date.today()
    user, _ = user_with_access(pk=cast.lbhf_lead.pk)
    assert access_for(user).access_ended
    assert ConcordBackend().get_user(cast.lbhf_lead.pk) is None
    assert ConcordBackend().get_user(cast.wcc_lead.pk) == cast.wcc_lead


def test_an_inactive_or_unknown_person_is_nobody(cast):
    with system_scope("test data"):
        cast.wcc_staff.is_active = False
        cast.wcc_staff.save()
    assert ConcordBackend().get_user(cast.wcc_staff.pk) is None
    assert ConcordBackend().get_user(987654) is None
    assert ConcordBackend().get_user("not a number") is None
    assert user_with_access(pk=987654) == (None, ())
