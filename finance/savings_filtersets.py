"""Filters of the business case and savings lists, for the pages and the API alike."""

from __future__ import annotations

import django_filters

from core.filtersets import ConcordFilterSet, ScopedModelChoiceFilter, scoped_choices
from core.tenancy.models import Partner
from finance.models.savings import (
    BusinessCase,
    CaseStatus,
    ImplementationCost,
    RealisedSaving,
    SavingsBasis,
    SavingsSplit,
    SavingsTarget,
)


class BusinessCaseFilterSet(ConcordFilterSet):
    search_fields = ("reference", "name", "description")
    status = django_filters.ChoiceFilter(choices=CaseStatus.choices)

    class Meta:
        model = BusinessCase
        fields = ["q", "status"]


class SavingsTargetFilterSet(ConcordFilterSet):
    search_fields = ("note", "business_case__reference", "business_case__name")
    business_case = ScopedModelChoiceFilter(
        queryset=scoped_choices(BusinessCase), label="Business case"
    )

    class Meta:
        model = SavingsTarget
        fields = ["q", "business_case", "year"]


class ImplementationCostFilterSet(ConcordFilterSet):
    search_fields = ("description", "business_case__reference")
    partner = ScopedModelChoiceFilter(queryset=scoped_choices(Partner), label="Council")
    business_case = ScopedModelChoiceFilter(
        queryset=scoped_choices(BusinessCase), label="Business case"
    )

    class Meta:
        model = ImplementationCost
        fields = ["q", "partner", "business_case"]


class SavingsSplitFilterSet(ConcordFilterSet):
    search_fields = ("note", "business_case__reference", "business_case__name")
    partner = ScopedModelChoiceFilter(queryset=scoped_choices(Partner), label="Council")
    business_case = ScopedModelChoiceFilter(
        queryset=scoped_choices(BusinessCase), label="Business case"
    )

    class Meta:
        model = SavingsSplit
        fields = ["q", "partner", "business_case"]


class RealisedSavingFilterSet(ConcordFilterSet):
    search_fields = ("evidence", "business_case__reference")
    partner = ScopedModelChoiceFilter(queryset=scoped_choices(Partner), label="Council")
    business_case = ScopedModelChoiceFilter(
        queryset=scoped_choices(BusinessCase), label="Business case"
    )
    basis = django_filters.ChoiceFilter(choices=SavingsBasis.choices)

    class Meta:
        model = RealisedSaving
        fields = ["q", "partner", "business_case", "year", "basis"]
