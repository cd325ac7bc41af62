"""A person who may only read is told so on the pages they read, not only when refused; and a
change log entry whose record the reader can no longer open says why rather than linking to a
404 (issue 8.8). Exercised through the sample app's rooms."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from core.tenancy.scoping import system_scope
from core.testing.cast import Cast
from core.testing.sample.models import Room
from core.testing.words import read_page
from core.views.changes import GONE

pytestmark = pytest.mark.django_db

LIST_NOTICE = "You can read these records but not change them."
DETAIL_NOTICE = "You can read this record but not change it."


@pytest.fixture
def room(cast: Cast) -> Room:
    with system_scope("test data"):
        return Room.objects.create(partner=cast.wcc, code="CH", name="City Hall")


def text(client: Any, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return read_page(response.content.decode()).text


def test_an_auditor_is_told_on_the_list_and_the_record(
    cast: Cast, client_for: Any, room: Room
) -> None:
    client = client_for(cast.wcc_auditor)
    assert LIST_NOTICE in text(client, "/rooms/")
    assert DETAIL_NOTICE in text(client, f"/rooms/{room.pk}/")


def test_a_requester_reading_rooms_is_told_too(cast: Cast, client_for: Any, room: Room) -> None:
    client = client_for(cast.wcc_staff)
    assert LIST_NOTICE in text(client, "/rooms/")
    assert DETAIL_NOTICE in text(client, f"/rooms/{room.pk}/")


def test_someone_who_may_change_is_not(cast: Cast, client_for: Any, room: Room) -> None:
    for user in (cast.wcc_lead, cast.manager):
        client = client_for(user)
        assert LIST_NOTICE not in text(client, "/rooms/")
        assert DETAIL_NOTICE not in text(client, f"/rooms/{room.pk}/")


def test_a_record_of_a_council_that_left_says_why(cast: Cast, client_for: Any) -> None:
    """The manager may change rooms, but not a room of a council that has left."""
    with system_scope("test data"):
        old = Room.objects.create(partner=cast.lbhf, code="OLD", name="Old Town Hall")
    page = text(client_for(cast.manager), f"/rooms/{old.pk}/")
    assert "You can read this record but not change it: its council has left the partnership." in (
        page
    )
    assert LIST_NOTICE not in text(client_for(cast.manager), "/rooms/")


def test_a_catalogue_is_read_only_to_a_lead(cast: Cast, client_for: Any) -> None:
    assert LIST_NOTICE in text(client_for(cast.wcc_lead), "/room-types/")
    assert LIST_NOTICE not in text(client_for(cast.manager), "/room-types/")


# The change log -------------------------------------------------------------------------


def change_log_row(client: Any, name: str) -> str:
    """The change log's "Record" cell of the (latest) change of the record called `name`."""
    html = client.get(reverse("core:change_list")).content.decode()
    rows = [row for row in html.split("<tr ") if f">{name}" in row or f"{name}<" in row]
    assert rows, f"no change of {name} in the change log"
    return rows[0]


def test_the_change_log_links_a_record_the_reader_can_open(
    cast: Cast, client_for: Any, room: Room
) -> None:
    row = change_log_row(client_for(cast.wcc_auditor), "City Hall")
    assert f'href="/rooms/{room.pk}/"' in row
    assert GONE["deleted"] not in row and GONE["out_of_reach"] not in row


def test_the_change_log_says_a_record_was_deleted(cast: Cast, client_for: Any, room: Room) -> None:
    assert client_for(cast.wcc_lead).post(f"/rooms/{room.pk}/delete/").status_code == 302
    client = client_for(cast.wcc_auditor)
    html = client.get(reverse("core:change_list")).content.decode()
    assert f'href="/rooms/{room.pk}/"' not in html
    assert GONE["deleted"] in html
    # The deletion itself says it in its "What" column; it needs no note of its own.
    assert html.count(GONE["deleted"]) == 1


def test_the_change_log_says_a_record_is_out_of_reach(
    cast: Cast, client_for: Any, room: Room
) -> None:
    """A room moved to another council: wcc's auditor still sees its changes while it was
    wcc's, but can no longer open it, and is told so instead of being sent to a 404."""
    with system_scope("test: the room moves to rbkc"):
        room.partner = cast.rbkc
        room.save()
    client = client_for(cast.wcc_auditor)
    assert client.get(f"/rooms/{room.pk}/").status_code == 404
    html = client.get(reverse("core:change_list")).content.decode()
    assert f'href="/rooms/{room.pk}/"' not in html
    assert GONE["out_of_reach"] in html
    # rbkc's lead, who can open it now, gets the link.
    html = client_for(cast.rbkc_lead).get(reverse("core:change_list")).content.decode()
    assert f'href="/rooms/{room.pk}/"' in html
