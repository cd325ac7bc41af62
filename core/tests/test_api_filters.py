"""The API's filter backend builds only the filters a request names, with the same rows as
the whole filter set, and still refuses a bad value naming its filter."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import QueryDict
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from core.api.filters import ConcordFilterBackend
from core.testing.sample.factories import make_rooms
from core.testing.sample.filtersets import RoomFilterSet
from core.testing.sample.models import Room

pytestmark = pytest.mark.django_db


class _View:
    filterset_class = RoomFilterSet


def _request(user: Any, query: str) -> Request:
    request = Request(APIRequestFactory().get(f"/api/v1/rooms/?{query}"))
    request.user = user
    return request


def _filter(user: Any, query: str) -> Any:
    queryset = Room.objects.visible_to(user).order_by("pk")
    return ConcordFilterBackend().filter_queryset(_request(user, query), queryset, _View())


def test_only_the_named_filters_are_built_and_the_rows_are_the_same(cast, monkeypatch):
    make_rooms(cast)
    built: list[list[str]] = []
    original = RoomFilterSet.get_form_class

    def recording(self: Any) -> Any:
        built.append(sorted(self.filters))
        return original(self)

    monkeypatch.setattr(RoomFilterSet, "get_form_class", recording)
    named = {"is_active=false": ["is_active"], f"partner={cast.wcc.pk}": ["partner"]}
    named["q=a&is_active=true"] = ["is_active", "q"]
    for query, filters in named.items():
        built.clear()
        rows = list(_filter(cast.manager, query))
        assert built == [filters]
        whole = RoomFilterSet(
            QueryDict(query),
            queryset=Room.objects.visible_to(cast.manager).order_by("pk"),
            request=_request(cast.manager, query),
        )
        assert whole.is_valid(), whole.errors
        assert rows == list(whole.qs)


def test_a_bad_value_of_a_named_filter_is_still_refused(cast):
    with pytest.raises(ValidationError) as raised:
        list(_filter(cast.wcc_lead, f"partner={cast.rbkc.pk}"))
    assert "partner" in raised.value.detail


def test_the_filters_not_named_are_not_even_copied(cast, monkeypatch):
    """django-filter deep-copies every declared filter for each filter set; given the names a
    request gives a value, the others are left uncopied (ConcordFilterSet's `only`)."""
    import copy

    copied: list[str] = []
    original = copy.deepcopy

    def recording(value: Any, memo: Any = None) -> Any:
        if isinstance(value, dict) and value and all(isinstance(k, str) for k in value):
            copied.append(",".join(sorted(value)))
        return original(value, memo)

    monkeypatch.setattr("django_filters.filterset.copy.deepcopy", recording)
    list(_filter(cast.manager, "is_active=false"))
    assert copied == ["is_active"]
    filterset = RoomFilterSet(QueryDict(""), queryset=Room.objects.visible_to(cast.manager))
    assert set(filterset.filters) == set(RoomFilterSet.base_filters)  # no `only`: every filter
