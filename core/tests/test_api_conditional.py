"""ETags on reads, If-None-Match (304) and If-Match on updates (412 when stale)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.api.testing import api_client
from core.models import ChangeRecord
from core.tenancy.scoping import system_scope
from core.testing.sample.factories import make_rooms
from core.testing.sample.models import Room

pytestmark = pytest.mark.django_db

LIST = "/api/v1/rooms/"


@pytest.fixture
def room(cast):
    return make_rooms(cast, per_partner=2)["wcc"][0]


def detail(room):
    return reverse("api:room-detail", args=[room.pk])


def test_detail_has_a_strong_etag_from_model_id_and_version(cast, room):
    response = api_client(cast.wcc_lead).get(detail(room))
    etag = response["ETag"]
    assert etag.startswith(f'"room-{room.pk}-v1-') and etag.endswith('"')
    assert not etag.startswith("W/")
    assert "private" in response["Cache-Control"] and "no-cache" in response["Cache-Control"]
    assert "Authorization" in response["Vary"]


def test_if_none_match_gives_304(cast, room):
    client = api_client(cast.wcc_lead)
    etag = client.get(detail(room))["ETag"]
    response = client.get(detail(room), HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response["ETag"] == etag
    assert response.content == b""
    assert client.get(detail(room), HTTP_IF_NONE_MATCH=f"W/{etag}").status_code == 304
    assert client.get(detail(room), HTTP_IF_NONE_MATCH='"other"').status_code == 200


def test_etag_changes_with_the_record(cast, room):
    client = api_client(cast.wcc_lead)
    first = client.get(detail(room))["ETag"]
    client.patch(detail(room), {"name": "Renamed"})
    second = client.get(detail(room))
    assert second["ETag"] != first
    assert "-v2-" in second["ETag"]
    assert client.get(detail(room), HTTP_IF_NONE_MATCH=first).status_code == 200


def test_etag_changes_when_a_shown_related_value_changes(cast, room):
    """The body shows the room type by name; renaming the type changes the room's ETag even
    though the room's own version does not move."""
    from core.testing.sample.models import RoomType

    with system_scope("test data"):
        kind = RoomType.objects.create(name="Office")
        room.room_type = kind
        room.save()
    client = api_client(cast.wcc_lead)
    before = client.get(detail(room))["ETag"]
    with system_scope("test data"):
        kind.name = "Offices"
        kind.save()
    after = client.get(detail(room))["ETag"]
    assert before != after


def test_update_with_current_if_match_succeeds(cast, room):
    client = api_client(cast.wcc_lead)
    etag = client.get(detail(room))["ETag"]
    response = client.patch(detail(room), {"name": "Renamed"}, HTTP_IF_MATCH=etag)
    assert response.status_code == 200
    assert response["ETag"] != etag
    # The ETag given with the update is the one a later read gives.
    assert client.get(detail(room))["ETag"] == response["ETag"]


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_stale_if_match_is_412_and_changes_nothing(cast, room, method):
    client = api_client(cast.wcc_lead)
    stale = client.get(detail(room))["ETag"]
    client.patch(detail(room), {"name": "Someone else's edit"})
    changes_before = ChangeRecord.objects.visible_to(cast.manager).count()
    payload = {"partner": "wcc", "code": room.code, "name": "Mine"}
    response = getattr(client, method)(detail(room), payload, HTTP_IF_MATCH=stale)
    assert response.status_code == 412
    body = response.json()
    assert body["status"] == 412
    assert body["errors"][0]["code"] == "precondition_failed"
    with system_scope("test check"):
        current = Room.objects.get(pk=room.pk)
    assert current.name == "Someone else's edit"
    assert current.version == 2
    assert ChangeRecord.objects.visible_to(cast.manager).count() == changes_before


@pytest.mark.parametrize(
    "header", ["garbage", '"unterminated', "W/" + '"x"', '""', ", ,", '"a" "b"']
)
def test_malformed_or_weak_if_match_is_412(cast, room, header):
    client = api_client(cast.wcc_lead)
    response = client.patch(detail(room), {"name": "Nope"}, HTTP_IF_MATCH=header)
    assert response.status_code == 412
    with system_scope("test check"):
        assert Room.objects.get(pk=room.pk).version == 1


def test_weak_form_of_the_current_etag_does_not_match(cast, room):
    client = api_client(cast.wcc_lead)
    etag = client.get(detail(room))["ETag"]
    response = client.patch(detail(room), {"name": "Nope"}, HTTP_IF_MATCH=f"W/{etag}")
    assert response.status_code == 412


def test_if_match_star_and_lists(cast, room):
    client = api_client(cast.wcc_lead)
    assert client.patch(detail(room), {"name": "A"}, HTTP_IF_MATCH="*").status_code == 200
    etag = client.get(detail(room))["ETag"]
    response = client.patch(detail(room), {"name": "B"}, HTTP_IF_MATCH=f'"old", {etag}')
    assert response.status_code == 200


def test_delete_with_current_if_match(cast, room):
    client = api_client(cast.wcc_lead)
    etag = client.get(detail(room))["ETag"]
    assert client.delete(detail(room), HTTP_IF_MATCH=etag).status_code == 204


def test_another_councils_record_is_404_whatever_the_if_match(cast, room):
    response = api_client(cast.rbkc_lead).patch(
        detail(room), {"name": "x"}, HTTP_IF_MATCH='"garbage"'
    )
    assert response.status_code == 404


def test_list_has_an_etag_of_its_body(cast, room):
    client = api_client(cast.wcc_lead)
    response = client.get(LIST)
    etag = response["ETag"]
    assert etag.startswith('"') and len(etag) > 10
    assert client.get(LIST)["ETag"] == etag
    not_modified = client.get(LIST, HTTP_IF_NONE_MATCH=etag)
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    client.patch(detail(room), {"name": "Renamed"})
    assert client.get(LIST, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_lists_of_different_people_differ(cast, room):
    wcc = api_client(cast.wcc_lead).get(LIST)["ETag"]
    rbkc = api_client(cast.rbkc_lead).get(LIST)["ETag"]
    assert wcc != rbkc


def test_updates_lock_the_row_before_checking_if_match(cast, room):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api_client(cast.wcc_lead)
    etag = client.get(detail(room))["ETag"]
    with CaptureQueriesContext(connection) as captured:
        assert client.patch(detail(room), {"name": "Locked"}, HTTP_IF_MATCH=etag).status_code == 200
    if connection.features.has_select_for_update:
        assert any("FOR UPDATE" in q["sql"] for q in captured.captured_queries)
