"""Related records attached to a page of rows: what select_related gave, without the join."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.pagination import keyset_page
from core.related import attach_related, joined_paths, unjoined
from core.tenancy.choices import CouncilRole
from core.tenancy.models import Membership, Partner
from core.tenancy.scoping import system_scope
from core.testing.sample.models import Errand, Room, RoomType

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(cast):
    with system_scope("test data"):
        office = RoomType.objects.create(name="Office")
        Room.objects.create(partner=cast.wcc, code="A", name="A", room_type=office)
        Room.objects.create(partner=cast.rbkc, code="B", name="B", room_type=None)
        Room.objects.create(partner=cast.wcc, code="C", name="C", room_type=office)
    return Room.objects.visible_to(cast.manager).order_by("name")


def test_paths_and_deferred_fields_are_read_from_the_queryset(rows):
    qs = rows.select_related("partner", "room_type").defer("partner__created_at")
    plain, paths, deferred = unjoined(qs)
    assert sorted(paths) == ["partner", "room_type"]
    assert deferred == {"partner": ["created_at"], "room_type": []}
    assert joined_paths(plain) == []


def test_rows_get_what_the_join_gave_in_one_query_per_relation(rows):
    joined = list(rows.select_related("partner", "room_type"))
    plain = list(rows)
    with CaptureQueriesContext(connection) as captured:
        attach_related(plain, ["partner", "room_type"])
    assert len(captured) == 2
    with CaptureQueriesContext(connection) as none:
        seen = [(r.partner.code, r.room_type and r.room_type.name) for r in plain]
    assert len(none) == 0
    assert seen == [(r.partner.code, r.room_type and r.room_type.name) for r in joined]
    assert plain[1].room_type is None
    # Rows of the same council share its record.
    assert plain[0].partner is plain[2].partner


def test_known_records_are_shared_and_only_the_missing_are_read(cast, rows):
    with system_scope("test"):
        known = [Partner.objects.get(pk=cast.wcc.pk)]  # rbkc is not known
    plain = list(rows)
    with CaptureQueriesContext(connection) as captured:
        attach_related(plain, ["partner"], known={Partner: known})
    assert len(captured) == 1 and "IN" in captured[0]["sql"]
    assert plain[0].partner is known[0]
    assert plain[1].partner.code == "rbkc"


def test_nested_paths_follow_the_chain(cast):
    with system_scope("test data"):
        Membership.objects.create(user=cast.agent, partner=cast.wcc, role=CouncilRole.REQUESTER)
        memberships = list(Membership.objects.unscoped("test").filter(user=cast.agent))
    attach_related(memberships, ["user", "partner"])
    with CaptureQueriesContext(connection) as none:
        assert memberships[0].user.username == "agent"
        assert memberships[0].partner.code == "wcc"
    assert len(none) == 0


def test_a_keyset_page_reads_its_rows_without_a_join(cast, rows):
    qs = rows.select_related("partner", "room_type")
    with CaptureQueriesContext(connection) as captured:
        page = keyset_page(qs, ["name"], None, 2)
    assert "JOIN" not in captured[0]["sql"]
    assert [r.code for r in page.rows] == ["A", "B"]
    with CaptureQueriesContext(connection) as none:
        assert [r.partner.code for r in page.rows] == ["wcc", "rbkc"]
    assert len(none) == 0


def test_relations_to_the_same_model_are_read_in_one_query(cast):
    """An errand's requester and contact are both people: their keys are read together."""
    with system_scope("test data"):
        Errand.objects.create(
            partner=cast.wcc, title="A", requester=cast.wcc_lead, contact=cast.wcc_staff
        )
        Errand.objects.create(partner=cast.wcc, title="B", requester=cast.wcc_staff)
        errands = Errand.objects.visible_to(cast.manager).order_by("title")
        joined = list(errands.select_related("requester", "contact"))
        plain = list(errands)
    with CaptureQueriesContext(connection) as captured:
        attach_related(plain, ["requester", "contact"])
    assert len(captured) == 1
    with CaptureQueriesContext(connection) as none:
        seen = [(e.requester.username, e.contact and e.contact.username) for e in plain]
    assert len(none) == 0
    assert seen == [(e.requester.username, e.contact and e.contact.username) for e in joined]
    assert plain[1].contact is None
    # The same person, reached through either relation, is one record.
    assert plain[0].contact is plain[1].requester


def _fields(obj):
    """A record's loaded values and those of the records joined to it."""
    loaded = {name: value for name, value in obj.__dict__.items() if not name.startswith("_")}
    joined = {
        name: _fields(value) for name, value in obj._state.fields_cache.items() if value is not None
    }
    return loaded, joined, sorted(obj.get_deferred_fields())


@pytest.mark.parametrize("count", [1, 3, 5, 65, 257])
def test_related_reads_give_the_orms_records_with_statements_built_once(cast, monkeypatch, count):
    """The compiled read (core.related._read) against the ORM's own, for key counts on and
    between its sizes and beyond the last, with a join below and a deferred column."""
    from django.db.models.sql.compiler import SQLCompiler

    from core import related

    with system_scope("test data"):
        office = RoomType.objects.create(name="Office")
        rooms = [
            Room.objects.create(partner=cast.wcc, code=f"R{n}", name=f"R{n}", room_type=office)
            for n in range(count)
        ]
    keys = {room.pk for room in rooms}
    rests, defer = ["partner"], ["created_at", "partner__updated_at"]
    with system_scope("the ORM's own read"):
        orms = {r.pk: r for r in related._related_rows(Room, "id", keys, rests, defer)}
    ours = related._read(Room, "id", keys, rests, defer)
    assert sorted(ours) == sorted(keys)
    assert {pk: _fields(r) for pk, r in ours.items()} == {pk: _fields(r) for pk, r in orms.items()}
    assert ours[rooms[0].pk].partner.code == "wcc"

    compiled: list[int] = []
    original = SQLCompiler.as_sql

    def counted(self, *args, **kwargs):
        compiled.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", counted)
    with CaptureQueriesContext(connection) as captured:
        again = related._read(Room, "id", keys, rests, defer)
    assert sorted(again) == sorted(keys) and len(captured) == 1
    # Built once a connection and size; more keys than the last size go through the ORM.
    assert compiled == ([] if count <= related.KEY_COUNTS[-1] else [1])


def test_a_key_that_is_not_a_number_is_read_through_the_orm(cast):
    from core import related

    assert related._reader(Partner, "code", (), (), 2) is None
    found = related._read(Partner, "code", {"wcc", "rbkc"}, [], [])
    assert sorted(found) == ["rbkc", "wcc"]
