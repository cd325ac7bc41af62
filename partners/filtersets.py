"""Filters for partners' lists, used by the pages and the API alike."""

from __future__ import annotations

import django_filters

from core.filtersets import ConcordFilterSet, ScopedModelChoiceFilter, scoped_choices
from partners.choices import CouncilRole, Nation
from partners.models import Agreement, Membership, Partner, Site, SiteType


class PartnerFilterSet(ConcordFilterSet):
    search_fields = ("code", "name", "gss_code")
    nation = django_filters.ChoiceFilter(choices=Nation.choices)
    former = django_filters.BooleanFilter(
        field_name="left_on", lookup_expr="isnull", exclude=True, label="Former partners only"
    )

    class Meta:
        model = Partner
        fields = ["q", "nation", "former"]


class SiteFilterSet(ConcordFilterSet):
    search_fields = ("code", "name", "postcode", "address")
    partner = ScopedModelChoiceFilter(queryset=scoped_choices(Partner), label="Council")
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


class MembershipFilterSet(ConcordFilterSet):
    search_fields = ("user__username", "user__first_name", "user__last_name", "user__email")
    partner = ScopedModelChoiceFilter(queryset=scoped_choices(Partner), label="Council")
    role = django_filters.ChoiceFilter(choices=CouncilRole.choices)

    class Meta:
        model = Membership
        fields = ["q", "partner", "role"]


class AgreementFilterSet(ConcordFilterSet):
    search_fields = ("reference", "title")

    class Meta:
        model = Agreement
        fields = ["q"]
