"""API serializers of software products, licence agreements, assignments and the compliance
position."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers

from core.api.fields import ScopedSlugRelatedField
from core.api.serializers import BOOKKEEPING, ScopedModelSerializer
from core.tenancy.access import people_visible_to
from core.tenancy.models import User
from licences.models import Installation, LicenceAgreement, LicenceAssignment, SoftwareProduct


def people(field: serializers.Field, user: Any) -> QuerySet[Any]:
    """A seat's person: one of the people the person assigning can see."""
    return people_visible_to(user).filter(is_active=True)


class SoftwareProductSerializer(ScopedModelSerializer):
    """A software product (catalogue: readable by all, edited by service staff)."""

    class Meta:
        model = SoftwareProduct
        fields = ("id", "name", "publisher", "eol_product", "description", *BOOKKEEPING)


class LicenceAgreementSerializer(ScopedModelSerializer):
    """A licence agreement, owned by the councils that hold it (``owner_shares``); ``product``
    is the product's name, ``total_cost`` is worked out (quantity times unit cost)."""

    class Meta:
        model = LicenceAgreement
        fields = (
            "id",
            "reference",
            "product",
            "kind",
            "quantity",
            "unit_cost",
            "total_cost",
            "supplier",
            "starts_on",
            "ends_on",
            "renewal_on",
            "remind_days",
            "notes",
            "owner_shares",
            *BOOKKEEPING,
        )
        read_only_fields = ("total_cost",)


class LicenceAssignmentSerializer(ScopedModelSerializer):
    """A seat of an agreement (by reference) for a council's person (by username) or device
    (by asset tag). Refused
    with a 400 on ``agreement`` when the agreement has no seat left."""

    person = ScopedSlugRelatedField(
        related_model=User,
        slug_field="username",
        choices_for=people,
        help_text="The username of the council's person the seat is for.",
        required=False,
        allow_null=True,
    )

    class Meta:
        model = LicenceAssignment
        fields = (
            "id",
            "partner",
            "agreement",
            "person",
            "device",
            "assigned_on",
            "note",
            *BOOKKEEPING,
        )


class InstallationSerializer(ScopedModelSerializer):
    """A product (by name) found on a council's device (by asset tag)."""

    class Meta:
        model = Installation
        fields = (
            "id",
            "partner",
            "device",
            "product",
            "product_version",
            "detected_on",
            "source",
            *BOOKKEEPING,
        )


class CompliancePositionSerializer(serializers.Serializer):
    """One product's position for one council, or for the partnership (``council`` null)."""

    product = serializers.CharField(source="product.name")
    publisher = serializers.CharField(source="product.publisher")
    council = serializers.CharField(source="partner.code", allow_null=True, default=None)
    entitled = serializers.IntegerField()
    assigned = serializers.IntegerField()
    installed_uncovered = serializers.IntegerField(source="installed")
    used = serializers.IntegerField()
    shortfall = serializers.IntegerField()
    surplus = serializers.IntegerField()
    compliant = serializers.BooleanField()
    unit_cost = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    shortfall_cost = serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True)
    surplus_cost = serializers.DecimalField(max_digits=18, decimal_places=2)
