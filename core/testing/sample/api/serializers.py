"""API serializers of the sample app (a test-only app): rooms, room types and pacts."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from core.api.serializers import BOOKKEEPING, ScopedModelSerializer
from core.testing.sample.models import Errand, Notice, Pact, Room, RoomType


class RoomTypeSerializer(ScopedModelSerializer):
    """A kind of room (catalogue: readable by all, edited by service staff)."""

    class Meta:
        model = RoomType
        fields = ("id", "name", "description", *BOOKKEEPING)


class RoomSerializer(ScopedModelSerializer):
    """A council's room; ``partner`` is the owning council's code."""

    class Meta:
        model = Room
        fields = (
            "id",
            "partner",
            "code",
            "name",
            "room_type",
            "address",
            "postcode",
            "uprn",
            "is_active",
            *BOOKKEEPING,
        )


class PactSerializer(ScopedModelSerializer):
    """A pact, owned by the councils that made it (``owner_shares``)."""

    class Meta:
        model = Pact
        fields = (
            "id",
            "reference",
            "title",
            "starts_on",
            "ends_on",
            "summary",
            "owner_shares",
            *BOOKKEEPING,
        )


class ErrandSerializer(ScopedModelSerializer):
    """An errand; ``requester`` is who asked (their username), by default whoever adds it."""

    requester: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )

    class Meta:
        model = Errand
        fields = ("id", "partner", "title", "notes", "requester", *BOOKKEEPING)


class NoticeSerializer(ScopedModelSerializer):
    """A notice, for every council (``for_all_councils``) or those it names (``councils``)."""

    class Meta:
        model = Notice
        fields = ("id", "title", "body", "for_all_councils", "councils", *BOOKKEEPING)
