"""Filters of the contracts lists, used by the pages, their exports and the API alike."""

from __future__ import annotations

import django_filters

from contracts.choices import ContractStatus, MilestoneKind, Rag, Renewal
from contracts.models import (
    BreakClause,
    Contract,
    ContractExtension,
    ContractSettings,
    ExitMilestone,
    ExitPlan,
    Kpi,
    KpiMeasure,
    ServiceCredit,
    Supplier,
    SupplierContact,
)
from core.filtersets import ConcordFilterSet, ScopedModelChoiceFilter, scoped_choices
from core.tenancy.models import Partner


class SupplierFilterSet(ConcordFilterSet):
    search_fields = ("name", "companies_house_number", "charity_number", "postcode")
    is_sme = django_filters.BooleanFilter(label="SME")
    is_vcse = django_filters.BooleanFilter(label="VCSE")

    class Meta:
        model = Supplier
        fields = ["q", "is_sme", "is_vcse"]


class SupplierContactFilterSet(ConcordFilterSet):
    search_fields = ("name", "role", "email")
    supplier = ScopedModelChoiceFilter(queryset=scoped_choices(Supplier))

    class Meta:
        model = SupplierContact
        fields = ["q", "supplier"]


class ContractFilterSet(ConcordFilterSet):
    search_fields = ("reference", "title", "department")
    supplier = ScopedModelChoiceFilter(queryset=scoped_choices(Supplier))
    status = django_filters.ChoiceFilter(choices=ContractStatus.choices)
    renewal = django_filters.ChoiceFilter(choices=Renewal.choices)

    class Meta:
        model = Contract
        fields = ["q", "supplier", "status", "renewal"]


class ContractExtensionFilterSet(ConcordFilterSet):
    search_fields = ("note",)
    contract = ScopedModelChoiceFilter(queryset=scoped_choices(Contract))
    exercised = django_filters.BooleanFilter()

    class Meta:
        model = ContractExtension
        fields = ["q", "contract", "exercised"]


class BreakClauseFilterSet(ConcordFilterSet):
    search_fields = ("note",)
    contract = ScopedModelChoiceFilter(queryset=scoped_choices(Contract))

    class Meta:
        model = BreakClause
        fields = ["q", "contract"]


class ContractSettingsFilterSet(ConcordFilterSet):
    search_fields = ("ocid_prefix",)
    partner = ScopedModelChoiceFilter(queryset=scoped_choices(Partner), label="Council")

    class Meta:
        model = ContractSettings
        fields = ["q", "partner"]


class ExitPlanFilterSet(ConcordFilterSet):
    search_fields = ("successor", "summary")
    contract = ScopedModelChoiceFilter(queryset=scoped_choices(Contract))

    class Meta:
        model = ExitPlan
        fields = ["q", "contract"]


class ExitMilestoneFilterSet(ConcordFilterSet):
    search_fields = ("title",)
    plan = ScopedModelChoiceFilter(queryset=scoped_choices(ExitPlan), label="Exit plan")
    kind = django_filters.ChoiceFilter(choices=MilestoneKind.choices)
    rag = django_filters.ChoiceFilter(choices=Rag.choices, label="RAG status")

    class Meta:
        model = ExitMilestone
        fields = ["q", "plan", "kind", "rag"]


class KpiFilterSet(ConcordFilterSet):
    search_fields = ("name",)
    contract = ScopedModelChoiceFilter(queryset=scoped_choices(Contract))

    class Meta:
        model = Kpi
        fields = ["q", "contract"]


class KpiMeasureFilterSet(ConcordFilterSet):
    search_fields = ("note",)
    kpi = ScopedModelChoiceFilter(queryset=scoped_choices(Kpi), label="KPI")
    rag = django_filters.ChoiceFilter(choices=Rag.choices, label="RAG status")

    class Meta:
        model = KpiMeasure
        fields = ["q", "kpi", "rag"]


class ServiceCreditFilterSet(ConcordFilterSet):
    search_fields = ("reason",)
    contract = ScopedModelChoiceFilter(queryset=scoped_choices(Contract))

    class Meta:
        model = ServiceCredit
        fields = ["q", "contract"]
