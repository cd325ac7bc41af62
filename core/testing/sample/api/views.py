"""API endpoints of the sample app (a test-only app): rooms, room types and pacts."""

from __future__ import annotations

from core.api.viewsets import ScopedModelViewSet
from core.testing.sample.api.serializers import (
    ErrandSerializer,
    NoticeSerializer,
    PactSerializer,
    RoomSerializer,
    RoomTypeSerializer,
)
from core.testing.sample.filtersets import (
    ErrandFilterSet,
    NoticeFilterSet,
    PactFilterSet,
    RoomFilterSet,
    RoomTypeFilterSet,
)
from core.testing.sample.models import Errand, Notice, Pact, Room, RoomType


class RoomViewSet(ScopedModelViewSet):
    """Councils' rooms."""

    model = Room
    serializer_class = RoomSerializer
    filterset_class = RoomFilterSet
    ordering_fields = ("name", "code", "postcode", "created_at", "updated_at")


class RoomTypeViewSet(ScopedModelViewSet):
    """Kinds of room (catalogue)."""

    model = RoomType
    serializer_class = RoomTypeSerializer
    filterset_class = RoomTypeFilterSet
    ordering_fields = ("name",)


class PactViewSet(ScopedModelViewSet):
    """Pacts, co-owned by the councils that made them."""

    model = Pact
    serializer_class = PactSerializer
    filterset_class = PactFilterSet
    ordering_fields = ("title", "reference", "starts_on")


class ErrandViewSet(ScopedModelViewSet):
    """Errands: each requester's own."""

    model = Errand
    serializer_class = ErrandSerializer
    filterset_class = ErrandFilterSet
    ordering_fields = ("title",)


class NoticeViewSet(ScopedModelViewSet):
    """Notices, for every council or chosen ones."""

    model = Notice
    serializer_class = NoticeSerializer
    filterset_class = NoticeFilterSet
    ordering_fields = ("title",)
