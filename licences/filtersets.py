"""Filters of the licences' lists, used by the pages and the API alike."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet

from assets.models import Asset
from core.filtersets import ConcordFilterSet, ScopedModelChoiceFilter, scoped_choices
from core.tenancy.models import Partner
from licences.choices import LicenceKind
from licences.models import Installation, LicenceAgreement, LicenceAssignment, SoftwareProduct


class SoftwareProductFilterSet(ConcordFilterSet):
    search_fields = ("name", "publisher", "eol_product")
    publisher = django_filters.CharFilter(lookup_expr="iexact", label="Publisher")

    class Meta:
        model = SoftwareProduct
        fields = ["q", "publisher"]


class LicenceAgreementFilterSet(ConcordFilterSet):
    search_fields = ("reference", "supplier", "product__name")
    partner = ScopedModelChoiceFilter(
        queryset=scoped_choices(Partner), label="Council", method="filter_partner"
    )
    product = ScopedModelChoiceFilter(queryset=scoped_choices(SoftwareProduct), label="Product")
    kind = django_filters.ChoiceFilter(choices=LicenceKind.choices, label="Kind")

    class Meta:
        model = LicenceAgreement
        fields = ["q", "partner", "product", "kind"]

    def filter_partner(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        """Agreements the council owns or co-owns."""
        if value is None:
            return queryset
        condition = LicenceAgreement.ownership_filter([value.pk])
        return queryset.filter(condition) if condition is not None else queryset.none()


class LicenceAssignmentFilterSet(ConcordFilterSet):
    search_fields = ("agreement__reference", "person__username", "device__asset_tag", "note")
    partner = ScopedModelChoiceFilter(queryset=scoped_choices(Partner), label="Council")
    agreement = ScopedModelChoiceFilter(
        queryset=scoped_choices(LicenceAgreement), label="Agreement"
    )
    device = ScopedModelChoiceFilter(queryset=scoped_choices(Asset), label="Device")

    class Meta:
        model = LicenceAssignment
        fields = ["q", "partner", "agreement", "device"]


class InstallationFilterSet(ConcordFilterSet):
    search_fields = (
        "product__name",
        "device__asset_tag",
        "device__name",
        "product_version",
        "source",
    )
    partner = ScopedModelChoiceFilter(queryset=scoped_choices(Partner), label="Council")
    product = ScopedModelChoiceFilter(queryset=scoped_choices(SoftwareProduct), label="Product")
    device = ScopedModelChoiceFilter(queryset=scoped_choices(Asset), label="Device")

    class Meta:
        model = Installation
        fields = ["q", "partner", "product", "device"]
