"""The signed-in person and their access, read with a statement compiled once
(core.tenancy.access.user_with_access): the same answer as the ORM's, every time."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from core.tenancy.access import (
    ADD,
    AREAS,
    CHANGE,
    grant_columns,
    user_with_access,
    writable_partner,
    writable_partners,
)
from core.tenancy.conditions import CANNOT_SAY
from core.tenancy.models import Partner, User

pytestmark = pytest.mark.django_db


def orm_answer(**lookup: Any) -> list[tuple[Any, ...]]:
    names = [f.attname for f in User._meta.concrete_fields]
    grants = [f"memberships__{column}" for column in grant_columns()]
    return list(User._default_manager.filter(**lookup).order_by().values_list(*names, *grants))


def compiles(monkeypatch: Any) -> list[int]:
    calls: list[int] = []
    original = SQLCompiler.as_sql

    def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", counted)
    return calls


def test_the_person_and_their_access_are_the_orm_s_with_no_statement_compiled_again(
    cast, monkeypatch
):
    people = [cast.wcc_lead, cast.agent, cast.wcc_staff, cast.manager]
    expected = {person.pk: orm_answer(pk=person.pk) for person in people}
    names = [f.attname for f in User._meta.concrete_fields]
    user_with_access(pk=cast.wcc_lead.pk)  # compiled here, once for this connection
    calls = compiles(monkeypatch)
    for person in people:
        for key in (person.pk, str(person.pk)):  # a session holds the id as text
            user, more = user_with_access(pk=key)
            assert user is not None and more == ()
            rows = expected[person.pk]
            assert [getattr(user, name) for name in names] == list(rows[0][: len(names)])
            assert user._concord_access.roles_by_partner == _roles(rows)
    assert calls == []
    assert user_with_access(pk=10**9) == (None, ())
    with pytest.raises(ValueError):
        user_with_access(pk="not a number")


def test_a_token_finds_its_person_and_when_it_was_made(cast, monkeypatch):
    token = Token.objects.create(user=cast.wcc_lead)
    lookup = {"auth_token__key": token.key}
    user, (created,) = user_with_access(also=("auth_token__created",), **lookup)
    assert user.pk == cast.wcc_lead.pk and created == token.created
    calls = compiles(monkeypatch)
    again, (created_again,) = user_with_access(also=("auth_token__created",), **lookup)
    assert again.pk == user.pk and created_again == token.created
    assert user_with_access(also=("auth_token__created",), auth_token__key="x" * 40) == (
        None,
        (),
    )
    assert calls == []
    assert connection.vendor in ("sqlite", "postgresql")


def _roles(rows: list[tuple[Any, ...]]) -> dict[int, set[str]]:
    roles: dict[int, set[str]] = {}
    columns = grant_columns()
    at_partner = columns.index("partner__id")
    for row in rows:
        grant = row[-len(columns) :]
        role, partner = grant[0], grant[at_partner]
        if partner is not None:
            roles.setdefault(partner, set()).add(role)
    return roles


def test_a_council_s_leaving_date_is_read_as_a_date(cast):
    """On SQLite the row holds text: the ORM's converters run on the compiled statement's rows."""
    import datetime

    from core.tenancy.scoping import system_scope

    user_with_access(pk=cast.rbkc_lead.pk)
    with system_scope("test data"):
        cast.rbkc.left_on = datetime.date(2020, 1, 1)
        cast.rbkc.save()
    user, _ = user_with_access(pk=cast.rbkc_lead.pk)
    assert user._concord_access.access_ended


def test_one_writable_council_is_decided_as_the_choices_query_decides_it(cast, monkeypatch):
    """`writable_partner` (an owning council named by its code, checked in Python) gives what
    `writable_partners`' query gives, for every person, action, area and code, a council
    that has left and an inactive person included; its statement is compiled once."""
    inactive = User.objects.get(pk=cast.rbkc_staff.pk)
    inactive.is_active = False
    people = [
        cast.wcc_staff,
        cast.wcc_lead,
        cast.wcc_auditor,
        cast.rbkc_lead,
        cast.lbhf_lead,
        cast.agent,
        cast.finance,
        cast.manager,
        inactive,
    ]
    codes = [cast.wcc.code, cast.rbkc.code, cast.lbhf.code, "nowhere", cast.wcc.code.upper()]
    cases = [
        (person, action, area) for person in people for action in (ADD, CHANGE) for area in AREAS
    ]
    expected = {
        (person.pk, action, area): {p.code: p.pk for p in writable_partners(person, action, area)}
        for person, action, area in cases
    }
    # Compiled here (for a person who is not of the council: its own are read with them).
    writable_partner(cast.agent, ADD, "servicedesk", cast.wcc.code)
    calls = compiles(monkeypatch)
    chosen = 0
    for person, action, area in cases:
        choices = expected[(person.pk, action, area)]
        for code in codes:
            picked = writable_partner(person, action, area, code)
            assert picked is not CANNOT_SAY, (person, action, area, code)
            assert (picked.pk if picked else None) == choices.get(code), (person, action, area)
            if picked is not None:
                assert isinstance(picked, Partner) and picked.code == code
                chosen += 1
    assert chosen > 0
    assert calls == []
    # A council's own person names their council: it was read with their access.
    with CaptureQueriesContext(connection) as queries:
        picked = writable_partner(cast.wcc_lead, ADD, "servicedesk", cast.wcc.code)
    assert picked == cast.wcc and queries.captured_queries == []
    assert [getattr(picked, f.attname) for f in Partner._meta.concrete_fields] == [
        getattr(cast.wcc, f.attname) for f in Partner._meta.concrete_fields
    ]
