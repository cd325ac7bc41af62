"""API serializers of the asset register: the records, the actions' bodies, the reports."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from assets.choices import DisposalMethod, LifecycleState
from assets.models import (
    Asset,
    AssetMove,
    CIRelationship,
    ConfigurationItem,
    HardwareModel,
    Manufacturer,
    Sighting,
    StocktakePolicy,
)
from assets.services import MAX_DEPTH
from core.api.fields import ScopedSlugRelatedField, request_user
from core.api.serializers import BOOKKEEPING, ScopedModelSerializer
from core.tenancy.access import people_visible_to
from core.tenancy.models import User


def people(field: serializers.Field, user: Any) -> Any:
    """A person a record names: one of the people the requester can see."""
    return people_visible_to(user).filter(is_active=True)


def person_field(help_text: str) -> ScopedSlugRelatedField:
    return ScopedSlugRelatedField(
        related_model=User,
        slug_field="username",
        choices_for=people,
        help_text=help_text,
        required=False,
        allow_null=True,
    )


class ManufacturerSerializer(ScopedModelSerializer):
    """A maker of hardware (catalogue)."""

    class Meta:
        model = Manufacturer
        fields = ("id", "name", *BOOKKEEPING)


class HardwareModelSerializer(ScopedModelSerializer):
    """A model of hardware, by ``manufacturer`` name, with its end of life if announced."""

    class Meta:
        model = HardwareModel
        fields = ("id", "manufacturer", "name", "kind", "model_number", "end_of_life", *BOOKKEEPING)


class AssetMoveSerializer(serializers.ModelSerializer):
    """One move of an asset's lifecycle."""

    moved_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = AssetMove
        fields = ("from_state", "to_state", "moved_at", "moved_by", "note")


class AssetSerializer(ScopedModelSerializer):
    """An asset, owned by one council (a 100% share) or co-owned (``owner_shares``). Its
    ``state`` changes only through ``POST .../move/``; ``moves`` lists every move."""

    assigned_to = person_field("The username of the person who has it.")
    moves = serializers.SerializerMethodField(help_text="Every lifecycle move, oldest first.")

    class Meta:
        model = Asset
        fields = (
            "id",
            "kind",
            "asset_tag",
            "serial_number",
            "name",
            "hardware_model",
            "os_name",
            "os_version",
            "eol_product",
            "eol_release",
            "support_ends",
            "assigned_to",
            "site",
            "purchased_on",
            "purchase_cost",
            "order_number",
            "supplier",
            "warranty_ends",
            "state",
            "last_seen_at",
            "notes",
            "moves",
            "owner_shares",
            *BOOKKEEPING,
        )
        read_only_fields = (
            "eol_product",
            "eol_release",
            "support_ends",
            "state",
            "last_seen_at",
        )

    def get_moves(self, asset: Asset) -> list[dict[str, Any]]:
        if self.parent is not None:
            return []  # a list shows each asset's moves on its own record only
        user = request_user(self)
        rows = (
            AssetMove.objects.visible_to(user)
            .filter(asset=asset)
            .select_related("moved_by")
            .order_by("moved_at", "id")
        )
        return list(AssetMoveSerializer(rows, many=True).data)


class StocktakePolicySerializer(ScopedModelSerializer):
    """A council's stock-take interval."""

    class Meta:
        model = StocktakePolicy
        fields = ("id", "partner", "kind", "check_every_months", "note", *BOOKKEEPING)


class ConfigurationItemSerializer(ScopedModelSerializer):
    """A service, application or piece of infrastructure in the dependency graph."""

    owner = person_field("The username of the person answerable for it.")

    class Meta:
        model = ConfigurationItem
        fields = (
            "id",
            "name",
            "kind",
            "description",
            "asset",
            "owner",
            "is_live",
            "owner_shares",
            *BOOKKEEPING,
        )


class CIRelationshipSerializer(ScopedModelSerializer):
    """``source`` runs on, depends on or is connected to ``target`` (items by name)."""

    class Meta:
        model = CIRelationship
        fields = ("id", "source", "kind", "target", "note", *BOOKKEEPING)


# Actions -----------------------------------------------------------------------------------


class MoveSerializer(serializers.Serializer):
    """Move an asset to another lifecycle state; disposal needs its method and certificate."""

    to_state = serializers.ChoiceField(choices=LifecycleState.choices)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)
    disposal_method = serializers.ChoiceField(
        choices=DisposalMethod.choices, required=False, allow_blank=True
    )
    certificate_reference = serializers.CharField(max_length=100, required=False, allow_blank=True)


class SightingSerializer(serializers.Serializer):
    """Record an asset as seen now, by the requester."""

    location = serializers.CharField(max_length=200, required=False, allow_blank=True)


class SightingRecordSerializer(serializers.ModelSerializer):
    seen_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Sighting
        fields = ("seen_at", "seen_by", "location")


class DepthSerializer(serializers.Serializer):
    depth = serializers.IntegerField(
        min_value=1,
        max_value=MAX_DEPTH,
        default=3,
        error_messages=dict.fromkeys(
            ("invalid", "min_value", "max_value"), f"Enter a depth from 1 to {MAX_DEPTH}"
        ),
    )


class ImpactItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="item.pk")
    name = serializers.CharField(source="item.name")
    kind = serializers.CharField(source="item.kind")
    depth = serializers.IntegerField()
    via = serializers.CharField()


class ImpactSerializer(serializers.Serializer):
    """What a failure of an item affects, as the requester may see it."""

    item = serializers.CharField(source="start.name")
    depth = serializers.IntegerField()
    affected = ImpactItemSerializer(source="nodes", many=True)
    services = serializers.SerializerMethodField()
    councils = serializers.SerializerMethodField()
    people = serializers.SerializerMethodField()
    open_tickets = serializers.SerializerMethodField()

    def get_services(self, impact: Any) -> list[str]:
        return [item.name for item in impact.services]

    def get_councils(self, impact: Any) -> list[str]:
        return [council.code for council in impact.councils]

    def get_people(self, impact: Any) -> list[str]:
        return [person.username for person in impact.people]

    def get_open_tickets(self, impact: Any) -> list[dict[str, Any]]:
        return [
            {
                "reference": ticket.reference,
                "subject": ticket.subject,
                "configuration_item": ticket.configuration_item.name,
            }
            for ticket in impact.tickets
        ]


class HorizonSerializer(serializers.Serializer):
    months = serializers.IntegerField(
        min_value=0,
        max_value=120,
        default=12,
        error_messages=dict.fromkeys(
            ("invalid", "min_value", "max_value"), "Enter a number of months from 0 to 120"
        ),
    )


class SupportLineSerializer(serializers.Serializer):
    """An asset on the end-of-support report."""

    id = serializers.IntegerField(source="asset.pk")
    asset_tag = serializers.CharField(source="asset.asset_tag")
    serial_number = serializers.CharField(source="asset.serial_number")
    councils = serializers.ListField(child=serializers.CharField())
    system = serializers.CharField(source="release_name")
    support_ends = serializers.DateField()
    ended = serializers.BooleanField()
