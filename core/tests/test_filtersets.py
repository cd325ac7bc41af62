"""core.filtersets: times read in one place, and the filters made for undeclared fields."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.http import QueryDict
from django.test import RequestFactory

from core.filtersets import (
    ConcordFilterSet,
    DateTimeFilter,
    ScopedModelChoiceFilter,
    within_calendar,
)
from core.testing.sample.factories import make_rooms
from core.testing.sample.models import Room

pytestmark = pytest.mark.django_db


class RoomsByListedFields(ConcordFilterSet):
    """Fields listed, not declared: django-filter makes their filters."""

    class Meta:
        model = Room
        fields = ["partner", "created_at"]


def filtered(user: Any, query: str) -> RoomsByListedFields:
    request = RequestFactory().get("/rooms/")
    request.user = user
    return RoomsByListedFields(
        QueryDict(query), queryset=Room.objects.visible_to(user), request=request
    )


def test_listed_time_and_related_fields_get_safe_filters(cast: Any) -> None:
    filters = RoomsByListedFields.base_filters
    assert type(filters["created_at"]) is DateTimeFilter
    assert type(filters["partner"]) is ScopedModelChoiceFilter


def test_a_listed_related_field_offers_only_what_the_person_sees(cast: Any) -> None:
    make_rooms(cast, 1)
    choices = filtered(cast.wcc_lead, "").form.fields["partner"].queryset
    assert [p.code for p in choices] == ["wcc"]
    mine = filtered(cast.wcc_lead, f"partner={cast.wcc.pk}")
    assert [r.partner.code for r in mine.qs] == ["wcc"]
    theirs = filtered(cast.wcc_lead, f"partner={cast.rbkc.pk}")
    assert not theirs.is_valid() and "partner" in theirs.errors


@pytest.mark.parametrize(
    "value",
    ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "0001-01-01", "9999-12-31T23:00"],
)
def test_a_listed_time_field_refuses_a_time_outside_the_calendar(cast: Any, value: str) -> None:
    make_rooms(cast, 1)
    filterset = filtered(cast.agent, f"created_at={value.replace('+', '%2B')}")
    assert not filterset.is_valid()
    assert [e.code for e in filterset.errors.as_data()["created_at"]] == ["out_of_range"]


def test_a_time_inside_the_calendar_filters(cast: Any) -> None:
    make_rooms(cast, 1)
    room = Room.objects.visible_to(cast.agent).first()
    stamp = room.created_at.isoformat().replace("+", "%2B")
    assert list(filtered(cast.agent, f"created_at={stamp}").qs) == [room]


def test_within_calendar_takes_the_ends_and_naive_times_as_uk_time() -> None:
    utc = datetime.UTC
    assert within_calendar(datetime.datetime(1, 1, 2, tzinfo=utc)).year == 1
    end = datetime.datetime(9999, 12, 30, 23, 59, 59, tzinfo=utc)
    assert within_calendar(end) == end
    # Naive: UK time, as forms read it (GMT at the end of December).
    assert within_calendar(datetime.datetime(9999, 12, 30, 23, 59)).tzinfo is not None
