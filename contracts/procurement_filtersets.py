"""Filters of the procurement lists (frameworks, lots, call-offs, purchasing), for the pages
and the API alike."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet

from contracts.procurement import (
    CallOff,
    CallOffLine,
    CallOffStatus,
    Framework,
    FrameworkExtension,
    FrameworkLot,
    LotSupplier,
    OrderStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseRequest,
    PurchaseRequestLine,
    PurchasingSettings,
    RequestStatus,
)
from core.filtersets import ConcordFilterSet, ScopedModelChoiceFilter, scoped_choices
from core.tenancy.models import Partner


class FrameworkFilterSet(ConcordFilterSet):
    search_fields = ("reference", "name", "description")

    class Meta:
        model = Framework
        fields = ["q"]


class FrameworkExtensionFilterSet(ConcordFilterSet):
    search_fields = ("note", "framework__reference", "framework__name")
    framework = ScopedModelChoiceFilter(queryset=scoped_choices(Framework), label="Framework")

    class Meta:
        model = FrameworkExtension
        fields = ["q", "framework", "exercised"]


class FrameworkLotFilterSet(ConcordFilterSet):
    search_fields = ("title", "scope", "framework__reference", "framework__name")
    framework = ScopedModelChoiceFilter(queryset=scoped_choices(Framework), label="Framework")

    class Meta:
        model = FrameworkLot
        fields = ["q", "framework"]


class LotSupplierFilterSet(ConcordFilterSet):
    search_fields = ("appointment_reference", "supplier__name", "lot__title")
    lot = ScopedModelChoiceFilter(queryset=scoped_choices(FrameworkLot), label="Lot")

    class Meta:
        model = LotSupplier
        fields = ["q", "lot"]


class CallOffFilterSet(ConcordFilterSet):
    search_fields = ("reference", "description", "deliverables", "supplier__name")
    partner = ScopedModelChoiceFilter(queryset=scoped_choices(Partner), label="Council")
    lot = ScopedModelChoiceFilter(queryset=scoped_choices(FrameworkLot), label="Lot")
    framework = ScopedModelChoiceFilter(
        queryset=scoped_choices(Framework), label="Framework", method="filter_framework"
    )
    status = django_filters.ChoiceFilter(choices=CallOffStatus.choices, label="Status")

    class Meta:
        model = CallOff
        fields = ["q", "partner", "framework", "lot", "status"]

    def filter_framework(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        return queryset if value is None else queryset.filter(lot__framework=value)


class CallOffLineFilterSet(ConcordFilterSet):
    search_fields = ("role", "person_name", "call_off__reference")
    call_off = ScopedModelChoiceFilter(queryset=scoped_choices(CallOff), label="Call-off")

    class Meta:
        model = CallOffLine
        fields = ["q", "call_off"]


class PurchasingSettingsFilterSet(ConcordFilterSet):
    search_fields = ("note",)
    partner = ScopedModelChoiceFilter(queryset=scoped_choices(Partner), label="Council")

    class Meta:
        model = PurchasingSettings
        fields = ["q", "partner"]


class PurchaseRequestFilterSet(ConcordFilterSet):
    search_fields = ("reference", "title")
    partner = ScopedModelChoiceFilter(queryset=scoped_choices(Partner), label="Council")
    status = django_filters.ChoiceFilter(choices=RequestStatus.choices, label="Status")

    class Meta:
        model = PurchaseRequest
        fields = ["q", "partner", "status"]


class PurchaseRequestLineFilterSet(ConcordFilterSet):
    search_fields = ("description", "request__reference")
    request = ScopedModelChoiceFilter(queryset=scoped_choices(PurchaseRequest), label="Request")

    class Meta:
        model = PurchaseRequestLine
        fields = ["q", "request"]


class PurchaseOrderFilterSet(ConcordFilterSet):
    search_fields = ("reference", "notes", "supplier__name")
    partner = ScopedModelChoiceFilter(
        queryset=scoped_choices(Partner), label="Council", method="filter_partner"
    )
    status = django_filters.ChoiceFilter(choices=OrderStatus.choices, label="Status")

    class Meta:
        model = PurchaseOrder
        fields = ["q", "partner", "status"]

    def filter_partner(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        """Orders the council owns or co-owns."""
        if value is None:
            return queryset
        condition = PurchaseOrder.ownership_filter([value.pk])
        return queryset.filter(condition) if condition is not None else queryset.none()


class PurchaseOrderLineFilterSet(ConcordFilterSet):
    search_fields = ("description", "order__reference")
    order = ScopedModelChoiceFilter(queryset=scoped_choices(PurchaseOrder), label="Order")

    class Meta:
        model = PurchaseOrderLine
        fields = ["q", "order"]
