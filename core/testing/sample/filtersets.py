"""Filters of the sample app's lists (a test-only app), used by its pages and API alike."""

from __future__ import annotations

import django_filters

from core.filtersets import ConcordFilterSet, ScopedModelChoiceFilter, scoped_choices
from core.tenancy.models import Partner
from core.testing.sample.models import Errand, Notice, Pact, Room, RoomType


class RoomFilterSet(ConcordFilterSet):
    search_fields = ("code", "name", "postcode", "address")
    partner = ScopedModelChoiceFilter(queryset=scoped_choices(Partner))
    room_type = ScopedModelChoiceFilter(queryset=scoped_choices(RoomType), label="Type of room")
    is_active = django_filters.BooleanFilter(label="In use")

    class Meta:
        model = Room
        fields = ["q", "partner", "room_type", "is_active"]


class RoomTypeFilterSet(ConcordFilterSet):
    search_fields = ("name", "description")

    class Meta:
        model = RoomType
        fields = ["q"]


class PactFilterSet(ConcordFilterSet):
    search_fields = ("reference", "title")

    class Meta:
        model = Pact
        fields = ["q"]


class ErrandFilterSet(ConcordFilterSet):
    search_fields = ("title",)
    partner = ScopedModelChoiceFilter(queryset=scoped_choices(Partner))

    class Meta:
        model = Errand
        fields = ["q", "partner"]


class NoticeFilterSet(ConcordFilterSet):
    search_fields = ("title",)

    class Meta:
        model = Notice
        fields = ["q"]
