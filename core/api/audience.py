"""``councils`` of a record for chosen councils in the API (core.tenancy.records.AudienceModel):
``["wcc", "rbkc"]``, always the whole list, beside the record's ``for_all_councils``.

As on the record's page (core.forms.AudienceMixin), a person names the councils where they may
add (or change) the record; every other council it is for is kept as it is (leave it out or
send it back). Only someone who may do so in every council says a record is for every council.
A reader is told only the councils they can see.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from rest_framework import serializers

from core.api.fields import (
    ScopedSlugRelatedField,
    _write_action,
    owner_partner_choices,
    request_user,
)
from core.services import NO_AUDIENCE, kept_audience
from core.tenancy.access import access_for
from core.tenancy.models import Partner


def audience_partner_choices(field: serializers.Field, user: Any) -> QuerySet[Any]:
    """Councils a person may name: where they may write, plus those the record is for now
    (which may be sent back unchanged)."""
    writable = owner_partner_choices(field, user)
    instance = getattr(field.root, "instance", None)
    if instance is None:
        return writable
    current = [p.pk for p in instance.audience()]
    return Partner.objects.unscoped(
        "the councils a record is for stay choosable by those who may change it"
    ).filter(Q(pk__in=current) | Q(pk__in=writable.values("pk")))


class AudienceField(serializers.ListField):
    """The councils a record is for, by code (those the reader can see)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "child",
            ScopedSlugRelatedField(
                related_model=Partner, slug_field="code", choices_for=audience_partner_choices
            ),
        )
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text",
            "The codes of the councils it is for, always as a whole list (empty when it is "
            "for every council: see for_all_councils). You name the councils where you may "
            "change the record; others it is for are kept as they are.",
        )
        super().__init__(**kwargs)

    def get_attribute(self, instance: Any) -> Any:
        cached = getattr(instance, "_api_audience", None)
        councils = cached if cached is not None else instance.audience()
        visible = self.context.get("_visible_partner_ids")
        if visible is None:
            visible = set(
                Partner.objects.visible_to(request_user(self)).values_list("pk", flat=True)
            )
            self.context["_visible_partner_ids"] = visible
        return [p for p in councils if p.pk in visible]

    def to_internal_value(self, data: Any) -> Any:
        chosen = super().to_internal_value(data)
        codes = [p.pk for p in chosen]
        if len(set(codes)) != len(codes):
            raise serializers.ValidationError("Name each council once.", code="duplicate")
        instance = getattr(self.root, "instance", None)
        if instance is None:
            return chosen
        writable = set(owner_partner_choices(self, request_user(self)).values_list("pk", flat=True))
        # The councils it is for that this person may not take away stay, whether sent back
        # or left out (the choices offer no other council the person may not write).
        return [p for p in chosen if p.pk in writable] + kept_audience(instance, writable)


def check_audience(serializer: Any, attrs: dict[str, Any]) -> None:
    """The rules of a record's councils as a whole: only a person who may write in every
    council says it is for all of them (or takes that away); a record is for some council."""
    instance = serializer.instance
    user = request_user(serializer)
    model = serializer.Meta.model
    every = access_for(user).partner_ids(_write_action(serializer.fields["councils"]), model.area)
    current_all = bool(getattr(instance, "for_all_councils", False))
    wanted_all = attrs.get("for_all_councils", current_all)
    if bool(wanted_all) != current_all and every is not None:
        raise serializers.ValidationError(
            {
                "for_all_councils": [
                    "Only someone who may do this in every council can say whether it is for "
                    "every council."
                ]
            }
        )
    if wanted_all:
        return
    councils = attrs.get("councils")
    if councils is None:
        councils = instance.audience() if instance is not None else []
    if not councils:
        raise serializers.ValidationError({"councils": [NO_AUDIENCE]})
