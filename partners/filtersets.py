"""Filters of the councils and people lists, used by the pages and the API alike."""

from __future__ import annotations

import django_filters

from core.filtersets import ConcordFilterSet, ScopedModelChoiceFilter, scoped_choices
from core.tenancy.choices import CouncilRole, Nation
from core.tenancy.models import Membership, Partner


class PartnerFilterSet(ConcordFilterSet):
    search_fields = ("code", "name", "gss_code")
    nation = django_filters.ChoiceFilter(choices=Nation.choices)
    former = django_filters.BooleanFilter(
        field_name="left_on",
        lookup_expr="isnull",
        exclude=True,
        label="Only councils that have left",
    )

    class Meta:
        model = Partner
        fields = ["q", "nation", "former"]


class MembershipFilterSet(ConcordFilterSet):
    search_fields = ("user__username", "user__first_name", "user__last_name", "user__email")
    partner = ScopedModelChoiceFilter(queryset=scoped_choices(Partner))
    role = django_filters.ChoiceFilter(choices=CouncilRole.choices)

    class Meta:
        model = Membership
        fields = ["q", "partner", "role"]
