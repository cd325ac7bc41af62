"""API serializers of councils (partners) and memberships."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from rest_framework import serializers

from core.api.fields import ScopedSlugRelatedField
from core.api.serializers import BOOKKEEPING, ScopedModelSerializer
from core.tenancy.access import ADD, CHANGE, access_for
from core.tenancy.models import Membership, Partner, User


class PartnerSerializer(ScopedModelSerializer):
    """A council in the partnership."""

    is_former = serializers.BooleanField(
        read_only=True, help_text="True once the council has left the partnership."
    )

    class Meta:
        model = Partner
        fields = (
            "id",
            "code",
            "name",
            "gss_code",
            "nation",
            "joined_on",
            "left_on",
            "is_former",
            *BOOKKEEPING,
        )


def people_choices(field: serializers.Field, user: Any) -> QuerySet[Any]:
    """People a membership may name: everyone for service staff who manage memberships in
    every council, otherwise the people already in the councils where the requester may add
    or change memberships (so no other council's people are listed or confirmed)."""
    action = CHANGE if getattr(field.root, "instance", None) is not None else ADD
    ids = access_for(user).partner_ids(action, Membership.area)
    people = User.objects.filter(is_active=True)
    if ids is None:
        return people
    memberships = Membership.objects.visible_to(user, action).filter(
        partner_id__in=sorted(ids), user_id=OuterRef("pk")
    )
    return people.filter(Exists(memberships))


class MembershipSerializer(ScopedModelSerializer):
    """A council role held by a person; ``user`` is their username, ``partner`` the council."""

    user = ScopedSlugRelatedField(
        related_model=User,
        slug_field="username",
        choices_for=people_choices,
        help_text="The person's username.",
    )

    class Meta:
        model = Membership
        fields = ("id", "user", "partner", "role", *BOOKKEEPING)
