"""Base model behaviour: versions for ETags, sessions of people whose council has left, and
foreign keys checked without a query when their record is held."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.changelog import history_for
from core.tenancy.models import Partner
from core.tenancy.records import held_keys
from core.tenancy.scoping import system_scope
from core.testing.sample.models import Room

pytestmark = pytest.mark.django_db


def test_version_moves_only_when_the_record_changes(cast):
    with system_scope("test data"):
        room = Room.objects.create(partner=cast.wcc, code="CH", name="City Hall")
        assert room.version == 1
        room = Room.objects.get(pk=room.pk)
        room.save()
        assert room.version == 1
        room.name = "Westminster City Hall"
        room.save()
        assert room.version == 2
        actions = history_for(room, cast.manager).values_list("action", flat=True)
        assert list(actions) == ["update", "create"]


def test_a_session_of_a_person_whose_council_left_is_flushed(cast, client_for):
    client = client_for(cast.rbkc_lead)
    assert client.get("/").status_code == 200
    with system_scope("test data"):
        rbkc = Partner.objects.get(pk=cast.rbkc.pk)
        rbkc.left_on = datetime.date(2020, 1, 1)
        rbkc.save()
    response = client.get("/")
    assert response.status_code == 302
    assert SESSION_KEY not in client.session


def _partner_lookups(queries: Any) -> list[str]:
    return [q["sql"] for q in queries if '"tenancy_partner"' in q["sql"]]


def test_a_key_whose_record_is_held_is_not_looked_up_again(cast):
    """full_clean asks the database whether a foreign key's record exists, a query a key;
    a record read from the database and held by the one being checked answers that."""
    room = Room(partner=cast.wcc, code="CH", name="City Hall")
    with CaptureQueriesContext(connection) as queries:
        room.full_clean()
    assert _partner_lookups(queries.captured_queries) == []
    assert held_keys(room) == [Room._meta.get_field("partner")]


def test_a_key_not_held_is_still_checked_by_query(cast):
    missing = Room(partner_id=987654, code="CH", name="City Hall")
    with pytest.raises(ValidationError) as raised:
        missing.full_clean()
    assert "partner" in raised.value.message_dict
    assert "987654 is not a valid choice" in raised.value.message_dict["partner"][0]
    # The key moved away from the record held: the held record says nothing about it.
    moved = Room(partner=cast.wcc, code="CH2", name="Annexe")
    moved.partner_id = cast.rbkc.pk
    assert held_keys(moved) == []
    with CaptureQueriesContext(connection) as queries:
        moved.full_clean()
    assert len(_partner_lookups(queries.captured_queries)) == 1
    # A related record never saved is not known to exist either.
    unsaved = Room(partner=Partner(code="new", name="New Council"), code="CH3", name="Hall")
    assert held_keys(unsaved) == []


def test_a_held_key_still_gets_its_fields_other_checks(cast):
    room = Room(code="CH", name="City Hall")
    with pytest.raises(ValidationError) as raised:
        room.full_clean()
    assert "partner" in raised.value.message_dict
    room = Room(partner=cast.wcc, code="", name="")
    with pytest.raises(ValidationError) as raised:
        room.full_clean()
    assert set(raised.value.message_dict) >= {"code", "name"}
    assert "partner" not in raised.value.message_dict
