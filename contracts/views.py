"""Pages of the contracts app: the generic pages of each model (core.views.generic) and the
pages that are not a model's list. Rules are the services'."""

from __future__ import annotations

from typing import Any

from contracts.filtersets import (
    BreakClauseFilterSet,
    ContractExtensionFilterSet,
    ContractFilterSet,
    ContractSettingsFilterSet,
    ExitMilestoneFilterSet,
    ExitPlanFilterSet,
    KpiFilterSet,
    KpiMeasureFilterSet,
    ServiceCreditFilterSet,
    SupplierContactFilterSet,
    SupplierFilterSet,
)
from contracts.forms import (
    BreakClauseForm,
    ContractExtensionForm,
    ContractForm,
    ContractSettingsForm,
    ExitMilestoneForm,
    ExitPlanForm,
    KpiForm,
    KpiMeasureForm,
    ServiceCreditForm,
    SupplierContactForm,
    SupplierForm,
)
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
from contracts.tables import (
    BreakClauseTable,
    ContractExtensionTable,
    ContractSettingsTable,
    ContractTable,
    ExitMilestoneTable,
    ExitPlanTable,
    KpiMeasureTable,
    KpiTable,
    ServiceCreditTable,
    SupplierContactTable,
    SupplierTable,
)
from core.views.generic import ModelViews


class SupplierViews(ModelViews):
    """Suppliers: a catalogue every council reads and service staff keep."""

    model = Supplier
    filterset_class = SupplierFilterSet
    table_class = SupplierTable
    form_class = SupplierForm
    nav_label = "Suppliers"
    nav_group = "contracts"
    nav_order = 20


class SupplierContactViews(ModelViews):
    model = SupplierContact
    filterset_class = SupplierContactFilterSet
    table_class = SupplierContactTable
    form_class = SupplierContactForm


class ContractViews(ModelViews):
    """Contracts, held by one council or jointly in shares."""

    model = Contract
    filterset_class = ContractFilterSet
    table_class = ContractTable
    form_class = ContractForm
    nav_label = "Contracts"
    nav_order = 10
    on_council_page = True


class ContractExtensionViews(ModelViews):
    model = ContractExtension
    filterset_class = ContractExtensionFilterSet
    table_class = ContractExtensionTable
    form_class = ContractExtensionForm


class BreakClauseViews(ModelViews):
    model = BreakClause
    filterset_class = BreakClauseFilterSet
    table_class = BreakClauseTable
    form_class = BreakClauseForm


class ContractSettingsViews(ModelViews):
    model = ContractSettings
    filterset_class = ContractSettingsFilterSet
    table_class = ContractSettingsTable
    form_class = ContractSettingsForm
    nav_label = "Contracts settings"
    nav_order = 90


class ExitPlanViews(ModelViews):
    model = ExitPlan
    filterset_class = ExitPlanFilterSet
    table_class = ExitPlanTable
    form_class = ExitPlanForm
    nav_label = "Exit plans"
    nav_order = 30


class ExitMilestoneViews(ModelViews):
    model = ExitMilestone
    filterset_class = ExitMilestoneFilterSet
    table_class = ExitMilestoneTable
    form_class = ExitMilestoneForm


class KpiViews(ModelViews):
    model = Kpi
    filterset_class = KpiFilterSet
    table_class = KpiTable
    form_class = KpiForm
    nav_label = "KPIs"
    nav_order = 40


class KpiMeasureViews(ModelViews):
    model = KpiMeasure
    filterset_class = KpiMeasureFilterSet
    table_class = KpiMeasureTable
    form_class = KpiMeasureForm


class ServiceCreditViews(ModelViews):
    model = ServiceCredit
    filterset_class = ServiceCreditFilterSet
    table_class = ServiceCreditTable
    form_class = ServiceCreditForm


def home_needs(user: Any) -> list[Any]:
    return []
