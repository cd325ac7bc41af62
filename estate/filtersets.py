"""Filters of the estate's lists, used by the pages and the API alike."""

from __future__ import annotations

import django_filters

from core.filtersets import ConcordFilterSet, ScopedModelChoiceFilter, scoped_choices
from core.tenancy.models import Partner
from estate.models import Agreement, Site, SiteType


class SiteFilterSet(ConcordFilterSet):
    search_fields = ("code", "name", "postcode", "address")
    partner = ScopedModelChoiceFilter(queryset=scoped_choices(Partner))
    site_type = ScopedModelChoiceFilter(queryset=scoped_choices(SiteType), label="Type of site")
    is_active = django_filters.BooleanFilter(label="In use")

    class Meta:
        model = Site
        fields = ["q", "partner", "site_type", "is_active"]


class SiteTypeFilterSet(ConcordFilterSet):
    search_fields = ("name", "description")

    class Meta:
        model = SiteType
        fields = ["q"]


class AgreementFilterSet(ConcordFilterSet):
    search_fields = ("reference", "title")

    class Meta:
        model = Agreement
        fields = ["q"]
