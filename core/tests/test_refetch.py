"""A saved record is answered as its author now sees it (core.services.refetch_visible): from
the record itself where the author's visibility condition answers for it in Python, else read
back; out of reach either way is refused."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from core.api.testing import api_client
from core.models import ChangeRecord
from core.services import OutOfReach, holds_its_values, refetch_visible, set_owner_shares
from core.tenancy.scoping import system_scope
from core.testing.sample.models import Errand, Pact, Room

pytestmark = pytest.mark.django_db


def reads_of(table: str, queries: Any) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].startswith("SELECT") and f'"{table}"' in q["sql"]]


def test_a_requester_s_new_errand_is_answered_without_reading_it_back(cast):
    client = api_client(cast.wcc_staff)
    body = {"partner": "wcc", "title": "Broken chair", "notes": "In room 2"}
    with CaptureQueriesContext(connection) as captured:
        response = client.post("/api/v1/errands/", body, format="json")
    assert response.status_code == 201, response.content
    assert reads_of("sample_errand", captured.captured_queries) == []
    assert response.json() == client.get(f"/api/v1/errands/{response.json()['id']}/").json()


def test_a_condition_python_cannot_answer_reads_the_row_back(cast):
    """A co-owned record is seen through its owner shares: a join, so the database is asked."""
    with system_scope("test data"):
        pact = Pact.objects.create(reference="P1", title="Shared", starts_on="2026-01-01")
    set_owner_shares(pact, {cast.wcc: Decimal("100")})
    with CaptureQueriesContext(connection) as captured:
        fresh = refetch_visible(pact, cast.wcc_lead)
    assert fresh.pk == pact.pk and fresh is not pact
    assert reads_of("sample_pact", captured.captured_queries)
    with pytest.raises(OutOfReach):
        refetch_visible(pact, cast.rbkc_lead)


def test_a_record_moved_out_of_its_author_s_reach_is_refused_without_a_read(cast):
    with system_scope("test data"):
        room = Room.objects.create(partner=cast.rbkc, code="R1", name="Moved away")
    with CaptureQueriesContext(connection) as captured, pytest.raises(OutOfReach):
        refetch_visible(room, cast.wcc_lead)
    assert reads_of("sample_room", captured.captured_queries) == []
    assert refetch_visible(room, cast.rbkc_lead) is room


def test_only_a_record_holding_what_its_row_holds_answers_for_itself(cast):
    with system_scope("test data"):
        room = Room.objects.create(partner=cast.wcc, code="R2", name="Kept")
        assert holds_its_values(room)
        assert not holds_its_values(Room(partner=cast.wcc, code="R3", name="Not saved"))
        partial = Room.objects.unscoped("test").only("id", "code").get(pk=room.pk)
        assert not holds_its_values(partial)
        room.version = F("version") + 1
        assert not holds_its_values(room)
        errand = Errand.objects.create(partner=cast.wcc, title="x", requester=cast.wcc_staff)
        assert holds_its_values(errand)
        # A time without its zone, a date that is a time, a decimal past its field's places:
        # the row would give each back otherwise.
        room.version = 1
        assert holds_its_values(room)
        room.created_at = datetime.datetime(2026, 1, 1, 9, 0)
        assert not holds_its_values(room)
        pact = Pact.objects.create(reference="P2", title="Dated", starts_on="2026-01-01")
        pact.refresh_from_db()
        assert holds_its_values(pact)
        pact.starts_on = datetime.datetime(2026, 1, 1, 9, 0, tzinfo=datetime.UTC)
        assert not holds_its_values(pact)
    share = set_owner_shares(pact, {cast.wcc: Decimal("100")})[0]
    with system_scope("test data"):
        share.refresh_from_db()
        assert holds_its_values(share)
        share.percentage = Decimal("33.333")
        assert not holds_its_values(share)
    with system_scope("test data"):
        # A JSON value its row would not give back as it is (a tuple comes back a list).
        change = ChangeRecord.objects.unscoped("test").latest("pk")
        assert holds_its_values(change)
        change.after = {"codes": ("a", "b")}
        assert not holds_its_values(change)
