"""API endpoints of the contracts app."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from contracts import services
from contracts.api.serializers import (
    BreakClauseSerializer,
    ContractAsOfSerializer,
    ContractDecisionSerializer,
    ContractExtensionSerializer,
    ContractNoticeSerializer,
    ContractSerializer,
    ContractSettingsSerializer,
    ContractTerminateSerializer,
    DecisionsWithinSerializer,
    ExitMilestoneSerializer,
    ExitPlanSerializer,
    KpiMeasureSerializer,
    KpiSerializer,
    ServiceCreditSerializer,
    SupplierContactSerializer,
    SupplierMergeSerializer,
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
from contracts.views import may_merge
from core.api.pagination import KeysetPagination
from core.api.viewsets import ScopedModelViewSet
from core.tenancy.access import CHANGE, access_for


class DecisionsPagination(KeysetPagination):
    """The decisions-due list's pages: always soonest decision first (the stored date, then
    the id), so a page reads its rows along the index `contract_decision_by`."""

    def allowed_ordering(self, view: Any, model: Any) -> list[str]:
        return []

    def default_ordering(self, view: Any, model: Any) -> list[str]:
        return ["decision_by", "id"]

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        # No choice of order: only the cursor and the page size.
        return [p for p in super().get_schema_operation_parameters(view) if p["name"] != "ordering"]


AS_OF = OpenApiParameter(
    "on", OpenApiTypes.DATE, description="Work the dates out as of this day (default today)."
)


class SupplierViewSet(ScopedModelViewSet):
    """Suppliers (catalogue). ``POST .../<id>/merge/`` merges one into another: every record
    naming it moves to the other (each move change-logged) and it is deleted. A supplier any
    record names cannot be deleted (409)."""

    model = Supplier
    serializer_class = SupplierSerializer
    filterset_class = SupplierFilterSet
    ordering_fields = ("name",)

    @extend_schema(request=SupplierMergeSerializer, responses=SupplierSerializer)
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, pk: Any = None) -> Response:
        """Merge this supplier into ``into``; answers the supplier kept."""
        supplier = self.visible_record(pk)
        if not may_merge(request.user):
            raise PermissionDenied("You may not merge suppliers.")
        body = SupplierMergeSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        into = body.validated_data["into"]
        try:
            with transaction.atomic():
                services.merge_suppliers(into, supplier)
        except DjangoValidationError as exc:
            raise ValidationError(serializers.as_serializer_error(exc)) from exc
        return Response(SupplierSerializer(into, context=self.get_serializer_context()).data)


class SupplierContactViewSet(ScopedModelViewSet):
    """People at suppliers."""

    model = SupplierContact
    serializer_class = SupplierContactSerializer
    filterset_class = SupplierContactFilterSet
    ordering_fields = ("name",)


@extend_schema_view(
    list=extend_schema(parameters=[AS_OF]), retrieve=extend_schema(parameters=[AS_OF])
)
class ContractViewSet(ScopedModelViewSet):
    """Contracts, held by one council or jointly, with their derived ``dates`` (as of today,
    or ``?on=YYYY-MM-DD``). ``POST .../<id>/notice/`` records notice given, ``POST
    .../<id>/terminate/`` ends one; ``GET .../decisions-due/?within=N`` lists the decisions
    falling due."""

    model = Contract
    serializer_class = ContractSerializer
    filterset_class = ContractFilterSet
    ordering_fields = ("reference", "title", "start_date")

    def get_queryset(self) -> Any:
        return super().get_queryset().prefetch_related(*contract_parts())

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        request = getattr(self, "request", None)
        if request is not None and request.method == "GET" and "on" in request.query_params:
            day = ContractAsOfSerializer(data={"on": request.query_params["on"]})
            day.is_valid(raise_exception=True)
            context["as_of"] = day.validated_data.get("on")
        return context

    def contract_for(self, request: Request, pk: Any) -> Contract:
        contract = self.visible_record(pk)
        if not access_for(request.user).can(CHANGE, Contract.area, contract.owning_partner_ids()):
            raise PermissionDenied("You may not change this contract.")
        return contract

    @extend_schema(request=ContractNoticeSerializer, responses=ContractSerializer)
    @action(detail=True, methods=["post"])
    def notice(self, request: Request, pk: Any = None) -> Response:
        """Record notice given on ``given_on``: the contract moves to in notice and ends on
        the first end whose deadline the notice met."""
        return self.run_action(
            request, self.contract_for(request, pk), ContractNoticeSerializer,
            lambda c, d: services.give_notice(c, d["given_on"]),
        )  # fmt: skip

    @extend_schema(request=ContractTerminateSerializer, responses=ContractSerializer)
    @action(detail=True, methods=["post"])
    def terminate(self, request: Request, pk: Any = None) -> Response:
        """End the contract on ``terminated_on``."""
        return self.run_action(
            request, self.contract_for(request, pk), ContractTerminateSerializer,
            lambda c, d: services.terminate(c, d["terminated_on"]),
        )  # fmt: skip

    @extend_schema(
        parameters=[OpenApiParameter("within", int, description="Days ahead (1-3650).")],
        responses=ContractDecisionSerializer(many=True),
    )
    # Pages in the list's own order (soonest decision first), keyset on the stored date.
    @action(
        detail=False,
        methods=["get"],
        url_path="decisions-due",
        url_name="decisions-due",
        pagination_class=DecisionsPagination,
        filter_backends=[],
    )
    def decisions_due(self, request: Request) -> Response:
        """The contracts whose next decision falls within ``within`` days (default 180), or
        is overdue, soonest first, among those the requester sees; a page at a time."""
        form = DecisionsWithinSerializer(data=request.query_params)
        form.is_valid(raise_exception=True)
        today = timezone.localdate()
        found = services.decisions_due(request.user, today, form.validated_data["within"])
        page = self.paginate_queryset(found)
        return self.get_paginated_response(
            ContractDecisionSerializer(
                [
                    {
                        "contract": c.reference,
                        "id": c.pk,
                        "title": c.title,
                        "supplier": c.supplier.name,
                        "decision": services.decision_of(c, today),
                        "decision_by": c.decision_by,
                        "end_date": c.end_date,
                        "owner": c.owner.username if c.owner else None,
                    }
                    for c in page or []
                ],
                many=True,
            ).data
        )


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
