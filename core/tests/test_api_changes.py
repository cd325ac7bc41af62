"""The change-log endpoint: scoped like every list, filtered, cursor-paginated, read-only."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine

from core.api.testing import api_client
from core.context import acting_as
from core.models import ChangeRecord
from core.services import set_owner_shares
from core.tenancy.scoping import system_scope
from core.testing.sample.factories import make_rooms
from core.testing.sample.models import Pact, Room

pytestmark = pytest.mark.django_db

CHANGES = "/api/v1/changes/"


@pytest.fixture
def history(cast):
    """Rooms of every council, each edited once, and a joint pact of wcc and rbkc."""
    with time_machine.travel(datetime.datetime(2026, 3, 1, 9, 0, tzinfo=datetime.UTC)):
        rooms = make_rooms(cast, per_partner=2)
    with (
        time_machine.travel(datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)),
        acting_as(cast.manager, label="test"),
        system_scope("test data"),
    ):
        for group in rooms.values():
            for room in group:
                room.name += " (renamed)"
                room.save()
        joint = Pact.objects.create(
            reference="IAA-1", title="Bi-borough", starts_on=datetime.date(2020, 4, 1)
        )
        set_owner_shares(joint, {cast.wcc: Decimal("50"), cast.rbkc: Decimal("50")})
    return rooms, joint


def all_rows(client, params=None):
    rows = []
    response = client.get(CHANGES, {"page_size": 500, **(params or {})})
    assert response.status_code == 200, response.json()
    rows.extend(response.json()["results"])
    return rows


def test_council_auditor_sees_only_their_councils_changes(cast, history):
    rooms, _joint = history
    rows = all_rows(api_client(cast.wcc_auditor))
    assert rows
    wcc_ids = {s.pk for s in rooms["wcc"]}
    for row in rows:
        if row["content_type"] == "sample.room":
            assert row["object_id"] in wcc_ids
        assert "wcc" in row["partners"]
        assert "rbkc" not in row["partners"]  # never names a council the reader cannot see
    assert any(r["content_type"] == "sample.pact" for r in rows)


def test_service_staff_see_every_change(cast, history):
    rooms, _ = history
    total = ChangeRecord.objects.visible_to(cast.manager).count()
    assert len(all_rows(api_client(cast.agent))) == total
    room_ids = {
        r["object_id"] for r in all_rows(api_client(cast.agent), {"content_type": "sample.room"})
    }
    assert room_ids == {s.pk for group in rooms.values() for s in group}


def test_requester_without_history_gets_403(cast, history):
    response = api_client(cast.wcc_staff).get(CHANGES)
    assert response.status_code == 403


def test_anonymous_gets_401(cast, history):
    assert api_client().get(CHANGES).status_code == 401


def test_newest_first_with_the_change_details(cast, history):
    rows = all_rows(api_client(cast.manager))
    keys = [(r["at"], r["id"]) for r in rows]
    assert keys == sorted(keys, reverse=True)
    renamed = next(
        r for r in rows if r["action"] == "update" and r["content_type"] == "sample.room"
    )
    assert renamed["actor"] == "manager"
    assert renamed["changed_fields"] == ["name"]
    assert renamed["after"]["name"].endswith("(renamed)")


def test_filters(cast, history):
    rooms, _joint = history
    client = api_client(cast.manager)
    room = rooms["rbkc"][0]
    rows = all_rows(client, {"content_type": "sample.room", "object_id": room.pk})
    assert [r["action"] for r in rows] == ["update", "create"]
    assert {r["action"] for r in all_rows(client, {"action": "create"})} == {"create"}
    rbkc = all_rows(client, {"partner": "rbkc"})
    assert rbkc and all("rbkc" in r["partners"] for r in rbkc)
    since = all_rows(client, {"since": "2026-03-02T00:00:00Z"})
    assert since and all(r["at"] >= "2026-03-02" for r in since)
    until = all_rows(client, {"until": "2026-03-02T00:00:00Z"})
    assert until and all(r["at"] < "2026-03-02" for r in until)
    assert len(since) + len(until) == len(all_rows(client))


def test_auditor_cannot_filter_by_another_council(cast, history):
    client = api_client(cast.wcc_auditor)
    theirs = client.get(CHANGES, {"partner": "rbkc"})
    nobody = client.get(CHANGES, {"partner": "zzz"})
    assert theirs.status_code == nobody.status_code == 400
    assert theirs.json()["errors"] == nobody.json()["errors"]
    assert theirs.json()["errors"][0]["field"] == "partner"


def test_auditor_never_sees_another_councils_change_by_id(cast, history):
    rooms, _ = history
    client = api_client(cast.wcc_auditor)
    theirs = (
        ChangeRecord.objects.visible_to(cast.manager)
        .filter(object_id=rooms["rbkc"][0].pk, content_type__model="room")
        .first()
    )
    assert theirs is not None
    assert client.get(f"{CHANGES}{theirs.pk}/").status_code == 404
    assert all_rows(client, {"object_id": rooms["rbkc"][0].pk, "content_type": "sample.room"}) == []


@pytest.mark.parametrize(
    "params,field",
    [
        ({"content_type": "partners"}, "content_type"),
        ({"content_type": "auth.user"}, "content_type"),
        ({"object_id": "x"}, "object_id"),
        ({"object_id": "1.5"}, "object_id"),
        ({"action": "explode"}, "action"),
        ({"since": "yesterday"}, "since"),
        ({"until": "2026-02-30T00:00"}, "until"),
        ({"ordering": "actor"}, "ordering"),
    ],
)
def test_bad_filters_are_400_naming_the_field(cast, history, params, field):
    response = api_client(cast.manager).get(CHANGES, params)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field


def test_cursor_pages(cast, history):
    client = api_client(cast.manager)
    first = client.get(CHANGES, {"page_size": 3}).json()
    second = client.get(first["next"]).json()
    ids = [r["id"] for r in first["results"] + second["results"]]
    assert len(set(ids)) == 6


def test_read_only(cast, history):
    client = api_client(cast.manager)
    record = ChangeRecord.objects.visible_to(cast.manager).first()
    assert record is not None
    assert client.post(CHANGES, {}).status_code == 405
    assert client.delete(f"{CHANGES}{record.pk}/").status_code == 405
    assert client.patch(f"{CHANGES}{record.pk}/", {}).status_code == 405


def test_api_writes_are_in_the_change_log_with_the_request(cast, history):
    rooms, _ = history
    client = api_client(cast.wcc_lead)
    room = rooms["wcc"][0]
    with time_machine.travel(datetime.datetime(2026, 4, 2, 9, 0, tzinfo=datetime.UTC)):
        client.patch(
            f"/api/v1/rooms/{room.pk}/",
            {"postcode": "SW1A 2AA"},
            HTTP_X_REQUEST_ID="req-12345678",
        )
    params = {
        "content_type": "sample.room",
        "object_id": room.pk,
        "action": "update",
        "since": "2026-04-01T00:00:00Z",
    }
    [row] = all_rows(client, params)
    assert row["actor"] == "wcc.lead"
    assert row["request_id"] == "req-12345678"
    assert row["changed_fields"] == ["postcode"]


def test_change_log_query_count_does_not_grow(cast, history, django_assert_max_num_queries):
    client = api_client(cast.manager)
    with django_assert_max_num_queries(8):
        client.get(CHANGES, {"page_size": 50})
    with system_scope("more data"), acting_as(cast.manager, label="test"):
        for i in range(20):
            Room.objects.create(partner=cast.wcc, code=f"Q{i}", name=f"Q{i}")
    with django_assert_max_num_queries(8):
        client.get(CHANGES, {"page_size": 50})


def test_account_changes_are_a_kind_of_record_the_api_filters_on(cast):
    cast.rbkc_staff.is_active = False
    cast.rbkc_staff.save()
    params = {
        "content_type": "tenancy.user",
        "object_id": cast.rbkc_staff.pk,
        "action": "update",
    }
    [row] = all_rows(api_client(cast.manager), params)
    assert row["content_type"] == "tenancy.user"
    assert row["changed_fields"] == ["is_active"]
    assert row["partners"] == ["rbkc"]
    # rbkc's lead sees it (one of their council's people); wcc's auditor does not.
    assert len(all_rows(api_client(cast.rbkc_lead), params)) == 1
    assert all_rows(api_client(cast.wcc_auditor), params) == []
