"""Filters of the finance ledger's lists, used by the pages, their exports and the API alike."""

from __future__ import annotations

import django_filters

from contracts.models import Supplier
from core.filtersets import ConcordFilterSet, ScopedModelChoiceFilter, scoped_choices
from core.tenancy.models import Partner
from finance.choices import ApportionmentMethod, CostCategory, Driver, FigureSource, SpendType
from finance.models.ledger import (
    ApportionmentRule,
    Budget,
    BudgetRevision,
    CostCentre,
    CostLine,
    DriverFigure,
    FinancialYear,
    LedgerCode,
    RuleComponent,
    RuleShare,
)


class FinancialYearFilterSet(ConcordFilterSet):
    search_fields = ("name",)

    class Meta:
        model = FinancialYear
        fields = ["q"]


class CostCentreFilterSet(ConcordFilterSet):
    search_fields = ("code", "name")
    partner = ScopedModelChoiceFilter(queryset=scoped_choices(Partner))

    class Meta:
        model = CostCentre
        fields = ["q", "partner"]


class LedgerCodeFilterSet(ConcordFilterSet):
    search_fields = ("account_code",)
    partner = ScopedModelChoiceFilter(queryset=scoped_choices(Partner))
    category = django_filters.ChoiceFilter(choices=CostCategory.choices)
    spend_type = django_filters.ChoiceFilter(choices=SpendType.choices, label="Revenue or capital")
    cost_centre = ScopedModelChoiceFilter(queryset=scoped_choices(CostCentre))

    class Meta:
        model = LedgerCode
        fields = ["q", "partner", "category", "spend_type", "cost_centre"]


class BudgetFilterSet(ConcordFilterSet):
    search_fields = ("cost_centre__code", "cost_centre__name")
    partner = ScopedModelChoiceFilter(queryset=scoped_choices(Partner))
    year = ScopedModelChoiceFilter(queryset=scoped_choices(FinancialYear), label="Year")
    cost_centre = ScopedModelChoiceFilter(queryset=scoped_choices(CostCentre))
    spend_type = django_filters.ChoiceFilter(choices=SpendType.choices, label="Revenue or capital")

    class Meta:
        model = Budget
        fields = ["q", "partner", "year", "cost_centre", "spend_type"]


class BudgetRevisionFilterSet(ConcordFilterSet):
    search_fields = ("reason",)
    budget = ScopedModelChoiceFilter(queryset=scoped_choices(Budget))

    class Meta:
        model = BudgetRevision
        fields = ["q", "budget"]


class CostLineFilterSet(ConcordFilterSet):
    search_fields = ("reference", "description")
    is_shared = django_filters.BooleanFilter(label="Shared cost")
    category = django_filters.ChoiceFilter(choices=CostCategory.choices)
    spend_type = django_filters.ChoiceFilter(choices=SpendType.choices, label="Revenue or capital")
    supplier = ScopedModelChoiceFilter(queryset=scoped_choices(Supplier))
    cost_centre = ScopedModelChoiceFilter(queryset=scoped_choices(CostCentre))
    rule = ScopedModelChoiceFilter(
        queryset=scoped_choices(ApportionmentRule), label="Apportionment rule"
    )
    incurred_from = django_filters.DateFilter(
        field_name="incurred_on", lookup_expr="gte", label="Dated on or after"
    )
    incurred_to = django_filters.DateFilter(
        field_name="incurred_on", lookup_expr="lte", label="Dated on or before"
    )

    class Meta:
        model = CostLine
        fields = [
            "q",
            "is_shared",
            "category",
            "spend_type",
            "supplier",
            "cost_centre",
            "rule",
            "incurred_from",
            "incurred_to",
        ]


class ApportionmentRuleFilterSet(ConcordFilterSet):
    search_fields = ("name", "description")
    method = django_filters.ChoiceFilter(choices=ApportionmentMethod.choices)
    category = django_filters.ChoiceFilter(choices=CostCategory.choices)

    class Meta:
        model = ApportionmentRule
        fields = ["q", "method", "category"]


class RuleComponentFilterSet(ConcordFilterSet):
    search_fields = ("rule__name",)
    rule = ScopedModelChoiceFilter(
        queryset=scoped_choices(ApportionmentRule), label="Apportionment rule"
    )
    driver = django_filters.ChoiceFilter(choices=Driver.choices)

    class Meta:
        model = RuleComponent
        fields = ["q", "rule", "driver"]


class RuleShareFilterSet(ConcordFilterSet):
    search_fields = ("percent",)
    partner = ScopedModelChoiceFilter(queryset=scoped_choices(Partner))
    rule = ScopedModelChoiceFilter(
        queryset=scoped_choices(ApportionmentRule), label="Apportionment rule"
    )

    class Meta:
        model = RuleShare
        fields = ["q", "partner", "rule"]


class DriverFigureFilterSet(ConcordFilterSet):
    search_fields = ("note",)
    partner = ScopedModelChoiceFilter(queryset=scoped_choices(Partner))
    driver = django_filters.ChoiceFilter(choices=Driver.choices)
    source = django_filters.ChoiceFilter(choices=FigureSource.choices)
    period_from = django_filters.DateFilter(
        field_name="period_start", lookup_expr="gte", label="Starting on or after"
    )

    class Meta:
        model = DriverFigure
        fields = ["q", "partner", "driver", "source", "period_from"]
