"""The change log over the API: ``GET /api/v1/changes/``, read-only and scoped.

What a person sees is ``ChangeRecord.objects.visible_to(user)`` and nothing else: service staff
every change, a council's auditor or lead the changes of their council's records. Filters:
``content_type`` (``app_label.model``), ``object_id``, ``action``, ``partner`` (a council
code), ``since`` and ``until`` (ISO 8601 times); newest first, cursor-paginated.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from core.api.viewsets import ScopedReadOnlyModelViewSet
from core.changelog import logged_kinds, shown_values
from core.filtersets import DateTimeFilter, scoped_choices
from core.models import ChangeAction, ChangeRecord, ChangeRecordPartner
from core.tenancy.models import Partner


class WholeNumberFilter(django_filters.NumberFilter):
    """A number filter that takes whole numbers only (ids)."""

    field_class = forms.IntegerField


class ChangeRecordFilterSet(django_filters.FilterSet):
    """Filters of the change log; the council choice offers only councils the person sees."""

    content_type = django_filters.ChoiceFilter(
        choices=logged_kinds,
        method="filter_content_type",
        label="Kind of record (app_label.model)",
    )
    object_id = WholeNumberFilter(field_name="object_id", min_value=1, label="Record id")
    action = django_filters.ChoiceFilter(choices=ChangeAction.choices)
    partner = django_filters.ModelChoiceFilter(
        queryset=scoped_choices(Partner),
        to_field_name="code",
        method="filter_partner",
        label="Council code",
    )
    since = DateTimeFilter(field_name="at", lookup_expr="gte", label="From")
    until = DateTimeFilter(field_name="at", lookup_expr="lt", label="Before")

    class Meta:
        model = ChangeRecord
        fields = ["content_type", "object_id", "action", "partner", "since", "until"]

    def filter_content_type(self, queryset: QuerySet[Any], name: str, value: str) -> Any:
        app_label, _, model = value.partition(".")
        content_type = ContentType.objects.get_by_natural_key(app_label, model)
        return queryset.filter(content_type=content_type)

    def filter_partner(self, queryset: QuerySet[Any], name: str, value: Partner) -> Any:
        return queryset.filter(
            Exists(ChangeRecordPartner.objects.filter(change_id=OuterRef("pk"), partner=value))
        )


@extend_schema_field({"type": "string", "example": "estate.site"})
class ContentTypeLabelField(serializers.Field):
    """A content type as ``app_label.model``."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value: ContentType) -> str:
        return f"{value.app_label}.{value.model}"


class ChangeRecordSerializer(serializers.ModelSerializer):
    """One change: who, when, under which request, to what, and the values before and after."""

    actor: Any = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text="Who made the change (a username), or null when no person did (a command, "
        "a job, the system): actor_label says what did.",
    )
    content_type = ContentTypeLabelField(help_text="The kind of record, as app_label.model.")
    partners = serializers.SerializerMethodField(
        help_text="Codes of the councils whose change log holds this change (those you see)."
    )

    class Meta:
        model = ChangeRecord
        fields = (
            "id",
            "at",
            "actor",
            "actor_label",
            "request_id",
            "action",
            "content_type",
            "object_id",
            "object_repr",
            "before",
            "after",
            "changed_fields",
            "partners",
        )
        read_only_fields = fields

    def get_partners(self, obj: ChangeRecord) -> list[str]:
        return [p.code for p in getattr(obj, "visible_partners", [])]

    def to_representation(self, instance: ChangeRecord) -> dict[str, Any]:
        data = super().to_representation(instance)
        # Never a field the model's change log omits (an attachment's storage path), even
        # in a change logged before it was omitted.
        data["before"], data["after"], data["changed_fields"] = shown_values(instance)
        return data


class ChangeLogPermission(BasePermission):
    """Signed in, with the change log (history) of at least one council or of all of them."""

    message = "You may not read the change log."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False
        return ChangeRecord.any_readable_by(user)


class ChangeRecordViewSet(ScopedReadOnlyModelViewSet):
    """The change log, as the person may see it, newest first."""

    model = ChangeRecord
    serializer_class = ChangeRecordSerializer
    filterset_class = ChangeRecordFilterSet
    permission_classes = [ChangeLogPermission]
    ordering_fields = ("at",)
    select_related = ("actor", "content_type")

    def scoped_queryset(self, action: str = "view") -> QuerySet[Any]:
        # The councils named on each change are only those the reader can see.
        visible_partners = Partner.objects.visible_to(self.request.user).order_by("code")
        return (
            super()
            .scoped_queryset(action)
            .prefetch_related(
                Prefetch("partners", queryset=visible_partners, to_attr="visible_partners")
            )
        )
