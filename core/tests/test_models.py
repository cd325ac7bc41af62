"""Base model behaviour: versions for ETags, and sessions of people whose council has left."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import SESSION_KEY

from core.changelog import history_for
from core.tenancy.models import Partner
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
