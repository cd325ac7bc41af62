"""API endpoints of the contracts app."""

from __future__ import annotations

from typing import Any

from contracts.api.serializers import (
    BreakClauseSerializer,
    ContractExtensionSerializer,
    ContractSerializer,
    ContractSettingsSerializer,
    ExitMilestoneSerializer,
    ExitPlanSerializer,
    KpiMeasureSerializer,
    KpiSerializer,
    ServiceCreditSerializer,
    SupplierContactSerializer,
    SupplierSerializer,
)
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
from contracts.services import contract_parts
from core.api.viewsets import ScopedModelViewSet


class SupplierViewSet(ScopedModelViewSet):
    """Suppliers (catalogue)."""

    model = Supplier
    serializer_class = SupplierSerializer
    filterset_class = SupplierFilterSet
    ordering_fields = ("name",)


class SupplierContactViewSet(ScopedModelViewSet):
    """People at suppliers."""

    model = SupplierContact
    serializer_class = SupplierContactSerializer
    filterset_class = SupplierContactFilterSet
    ordering_fields = ("name",)


class ContractViewSet(ScopedModelViewSet):
    """Contracts, held by one council or jointly, with their derived dates."""

    model = Contract
    serializer_class = ContractSerializer
    filterset_class = ContractFilterSet
    ordering_fields = ("reference", "title", "start_date")

    def get_queryset(self) -> Any:
        return super().get_queryset().prefetch_related(*contract_parts())


class ContractExtensionViewSet(ScopedModelViewSet):
    """Contracts' extension options."""

    model = ContractExtension
    serializer_class = ContractExtensionSerializer
    filterset_class = ContractExtensionFilterSet
    ordering_fields = ("sequence",)


class BreakClauseViewSet(ScopedModelViewSet):
    """Contracts' break clauses."""

    model = BreakClause
    serializer_class = BreakClauseSerializer
    filterset_class = BreakClauseFilterSet
    ordering_fields = ("break_date",)


class ContractSettingsViewSet(ScopedModelViewSet):
    """Each council's contracts settings."""

    model = ContractSettings
    serializer_class = ContractSettingsSerializer
    filterset_class = ContractSettingsFilterSet
    ordering_fields = ("created_at",)


class ExitPlanViewSet(ScopedModelViewSet):
    """Exit and closedown plans of contracts."""

    model = ExitPlan
    serializer_class = ExitPlanSerializer
    filterset_class = ExitPlanFilterSet
    ordering_fields = ("created_at",)


class ExitMilestoneViewSet(ScopedModelViewSet):
    """The milestones of exit plans."""

    model = ExitMilestone
    serializer_class = ExitMilestoneSerializer
    filterset_class = ExitMilestoneFilterSet
    ordering_fields = ("due_date", "title")


class KpiViewSet(ScopedModelViewSet):
    """Contracts' key performance indicators."""

    model = Kpi
    serializer_class = KpiSerializer
    filterset_class = KpiFilterSet
    ordering_fields = ("name",)


class KpiMeasureViewSet(ScopedModelViewSet):
    """KPIs' monthly measures."""

    model = KpiMeasure
    serializer_class = KpiMeasureSerializer
    filterset_class = KpiMeasureFilterSet
    ordering_fields = ("month",)


class ServiceCreditViewSet(ScopedModelViewSet):
    """Service credits owed by suppliers."""

    model = ServiceCredit
    serializer_class = ServiceCreditSerializer
    filterset_class = ServiceCreditFilterSet
    ordering_fields = ("month",)
