"""Filters of the asset register's lists, used by the pages and the API alike."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone

from assets.choices import AssetKind, CIKind, LifecycleState, RelationshipKind
from assets.models import (
    Asset,
    CIRelationship,
    ConfigurationItem,
    HardwareModel,
    Manufacturer,
    StocktakePolicy,
    months_ago,
)
from core.filtersets import ConcordFilterSet, ScopedModelChoiceFilter, scoped_choices
from core.tenancy.models import Partner

SUPPORT_CHOICES = [
    ("ended", "Out of support"),
    ("ending", "Support ends within 12 months"),
    ("supported", "Supported"),
    ("unknown", "Not known"),
]


def owned_by_council(queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
    """Records the council owns or co-owns."""
    if not value:
        return queryset
    condition = queryset.model.ownership_filter([value.pk])
    return queryset.filter(condition) if condition is not None else queryset.none()


class ManufacturerFilterSet(ConcordFilterSet):
    search_fields = ("name",)

    class Meta:
        model = Manufacturer
        fields = ["q"]


class HardwareModelFilterSet(ConcordFilterSet):
    search_fields = ("name", "model_number")
    manufacturer = ScopedModelChoiceFilter(queryset=scoped_choices(Manufacturer))
    kind = django_filters.ChoiceFilter(choices=AssetKind.choices)

    class Meta:
        model = HardwareModel
        fields = ["q", "manufacturer", "kind"]


class AssetFilterSet(ConcordFilterSet):
    search_fields = ("asset_tag", "serial_number", "name", "os_name")
    partner = ScopedModelChoiceFilter(
        queryset=scoped_choices(Partner), label="Council", method="filter_partner"
    )
    kind = django_filters.ChoiceFilter(choices=AssetKind.choices)
    state = django_filters.ChoiceFilter(choices=LifecycleState.choices, label="Lifecycle state")
    hardware_model = ScopedModelChoiceFilter(queryset=scoped_choices(HardwareModel))
    support = django_filters.ChoiceFilter(
        choices=SUPPORT_CHOICES, method="filter_support", label="Operating system support"
    )

    class Meta:
        model = Asset
        fields = ["q", "partner", "kind", "state", "hardware_model", "site", "support"]

    def filter_partner(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        return owned_by_council(queryset, name, value)

    def filter_support(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        today = timezone.localdate()
        horizon = months_ago(today, -12)
        if value == "ended":
            return queryset.filter(support_ends__lt=today)
        if value == "ending":
            return queryset.filter(support_ends__gte=today, support_ends__lte=horizon)
        if value == "supported":
            return queryset.filter(
                Q(support_ends__gt=horizon) | Q(support_ends__isnull=True, eol_product__gt="")
            )
        if value == "unknown":
            return queryset.filter(eol_product="")
        return queryset


class StocktakePolicyFilterSet(ConcordFilterSet):
    partner = ScopedModelChoiceFilter(queryset=scoped_choices(Partner), label="Council")

    search_fields = ("note",)
    kind = django_filters.ChoiceFilter(choices=AssetKind.choices, label="Kind of asset")

    class Meta:
        model = StocktakePolicy
        fields = ["q", "partner", "kind"]


class ConfigurationItemFilterSet(ConcordFilterSet):
    search_fields = ("name", "description")
    partner = ScopedModelChoiceFilter(
        queryset=scoped_choices(Partner), label="Council", method="filter_partner"
    )
    kind = django_filters.ChoiceFilter(choices=CIKind.choices)
    is_live = django_filters.BooleanFilter(label="Live")

    class Meta:
        model = ConfigurationItem
        fields = ["q", "partner", "kind", "is_live"]

    def filter_partner(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        return owned_by_council(queryset, name, value)


class CIRelationshipFilterSet(ConcordFilterSet):
    search_fields = ("source__name", "target__name", "note")
    source = ScopedModelChoiceFilter(queryset=scoped_choices(ConfigurationItem))
    target = ScopedModelChoiceFilter(queryset=scoped_choices(ConfigurationItem))
    kind = django_filters.ChoiceFilter(choices=RelationshipKind.choices)
    item = ScopedModelChoiceFilter(
        queryset=scoped_choices(ConfigurationItem), label="Either end", method="filter_item"
    )

    class Meta:
        model = CIRelationship
        fields = ["q", "source", "target", "kind", "item"]

    def filter_item(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        if not value:
            return queryset
        return queryset.filter(Q(source=value) | Q(target=value))
