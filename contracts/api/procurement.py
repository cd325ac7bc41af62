"""API of frameworks, lots, call-offs and purchasing: serializers, viewsets and the actions
of their rules (a framework's spend; submitting and deciding a purchase request; deciding a
held call-off; ordering approved requests; receiving goods). Mounted from contracts/api/urls.py
(`procurement_routes`)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from contracts import procurement_services as services
from contracts.procurement import (
    CallOff,
    CallOffLine,
    Framework,
    FrameworkExtension,
    FrameworkLot,
    LotSupplier,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseRequest,
    PurchaseRequestLine,
    PurchasingSettings,
)
from contracts.procurement_filtersets import (
    CallOffFilterSet,
    CallOffLineFilterSet,
    FrameworkExtensionFilterSet,
    FrameworkFilterSet,
    FrameworkLotFilterSet,
    LotSupplierFilterSet,
    PurchaseOrderFilterSet,
    PurchaseOrderLineFilterSet,
    PurchaseRequestFilterSet,
    PurchaseRequestLineFilterSet,
    PurchasingSettingsFilterSet,
)
from core.api.fields import ScopedSlugRelatedField
from core.api.serializers import BOOKKEEPING, ScopedModelSerializer
from core.api.viewsets import ScopedModelViewSet
from core.tenancy.access import ADD, CHANGE, access_for, people_visible_to
from core.tenancy.models import User


def people(field: serializers.Field, user: Any) -> Any:
    return people_visible_to(user).filter(is_active=True)


# Serializers ------------------------------------------------------------------------------


def _batched(serializer: Any, name: str, load: Any, obj: Any) -> Any:
    """`load(ids)[obj.pk]`, loaded once for every record of a list (the parent serializer's
    page) rather than once per row."""
    holder = serializer.parent if serializer.parent is not None else serializer
    cache = holder.__dict__.setdefault(f"_batched_{name}", {})
    if obj.pk not in cache:
        rows = getattr(holder, "instance", None)
        ids = [r.pk for r in rows] if isinstance(rows, list | tuple) else [obj.pk]
        if obj.pk not in ids:
            ids.append(obj.pk)
        cache.update(load(ids))
    return cache[obj.pk]


class FrameworkSerializer(ScopedModelSerializer):
    """A framework agreement, for the councils that may call off from it (``councils``:
    codes; or ``for_all_councils``). ``end_date`` is the last day of its term after every
    exercised extension."""

    end_date = serializers.SerializerMethodField()

    class Meta:
        model = Framework
        fields = (
            "id",
            "reference",
            "name",
            "description",
            "ceiling_value",
            "start_date",
            "term_months",
            "end_date",
            "hold_over_ceiling",
            "for_all_councils",
            "councils",
            *BOOKKEEPING,
        )

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_end_date(self, obj: Framework) -> Any:
        if not obj.pk:
            return None
        return services.framework_end_date(obj, getattr(obj, "exercised_months", None))


class FrameworkExtensionSerializer(ScopedModelSerializer):
    class Meta:
        model = FrameworkExtension
        fields = (
            "id",
            "framework",
            "sequence",
            "months",
            "exercised",
            "exercised_on",
            "note",
            *BOOKKEEPING,
        )


class LotSupplierPartSerializer(serializers.Serializer):
    name = serializers.CharField()
    is_sme = serializers.BooleanField()


class FrameworkLotSerializer(ScopedModelSerializer):
    """A lot of a framework (the framework by reference) and its suppliers, each with its
    SME status (read-only here: appointed with ``/api/v1/lot-suppliers/``)."""

    suppliers = serializers.SerializerMethodField()

    class Meta:
        model = FrameworkLot
        fields = ("id", "framework", "number", "title", "scope", "suppliers", *BOOKKEEPING)

    @extend_schema_field(LotSupplierPartSerializer(many=True))
    def get_suppliers(self, obj: FrameworkLot) -> list[dict[str, Any]]:
        if not obj.pk:
            return []
        found = _batched(self, "suppliers", services.suppliers_of_lots, obj)
        return [{"name": s.name, "is_sme": s.is_sme} for s in found]


class LotSupplierSerializer(ScopedModelSerializer):
    class Meta:
        model = LotSupplier
        fields = ("id", "lot", "supplier", "appointment_reference", *BOOKKEEPING)


class CallOffSerializer(ScopedModelSerializer):
    """A council's call-off from a lot (its id) of a framework, from a supplier on the lot.
    Refused with a 400 on ``lot`` (a framework the council may not use), ``supplier`` (not on
    the lot) or ``value`` (past the ceiling, naming the headroom); held for approval
    (``status`` "held") where the framework says so."""

    class Meta:
        model = CallOff
        fields = (
            "id",
            "partner",
            "reference",
            "lot",
            "supplier",
            "description",
            "deliverables",
            "value",
            "invoiced",
            "start_date",
            "end_date",
            "status",
            *BOOKKEEPING,
        )


class CallOffLineSerializer(ScopedModelSerializer):
    class Meta:
        model = CallOffLine
        fields = ("id", "call_off", "role", "person_name", "day_rate", "days", *BOOKKEEPING)


class PurchasingSettingsSerializer(ScopedModelSerializer):
    class Meta:
        model = PurchasingSettings
        fields = ("id", "partner", "applies_from", "approval_threshold", "note", *BOOKKEEPING)


class PurchaseRequestSerializer(ScopedModelSerializer):
    """A purchase request; ``status``, ``total`` and the decision are set by its actions
    (``submit``, ``approve``, ``reject``) and its lines."""

    requester = ScopedSlugRelatedField(
        related_model=User,
        slug_field="username",
        choices_for=people,
        help_text="The username of the person asking.",
    )

    class Meta:
        model = PurchaseRequest
        fields = (
            "id",
            "partner",
            "reference",
            "title",
            "requester",
            "supplier",
            "status",
            "total",
            "decided_on",
            *BOOKKEEPING,
        )
        read_only_fields = ("status", "total", "decided_on")


class PurchaseRequestLineSerializer(ScopedModelSerializer):
    class Meta:
        model = PurchaseRequestLine
        fields = (
            "id",
            "request",
            "description",
            "quantity",
            "unit_price",
            "is_hardware",
            "asset_kind",
            *BOOKKEEPING,
        )


class CostPartSerializer(serializers.Serializer):
    council = serializers.CharField()
    amount = serializers.DecimalField(max_digits=16, decimal_places=2)


class PurchaseOrderSerializer(ScopedModelSerializer):
    """A purchase order, co-owned by the councils whose requests it orders in shares of its
    cost; ``cost_split`` is each council's part, to the penny."""

    cost_split = serializers.SerializerMethodField()

    class Meta:
        model = PurchaseOrder
        fields = (
            "id",
            "reference",
            "supplier",
            "ordered_on",
            "status",
            "total",
            "notes",
            "owner_shares",
            "cost_split",
            *BOOKKEEPING,
        )
        read_only_fields = ("status", "total")

    @extend_schema_field(CostPartSerializer(many=True))
    def get_cost_split(self, obj: PurchaseOrder) -> list[dict[str, Any]]:
        if not obj.pk:
            return []
        parts = _batched(self, "cost_split", services.cost_splits, obj)
        return [{"council": p.code, "amount": str(amount)} for p, amount in parts.items()]


class PurchaseOrderLineSerializer(ScopedModelSerializer):
    class Meta:
        model = PurchaseOrderLine
        fields = (
            "id",
            "order",
            "description",
            "quantity",
            "unit_price",
            "is_hardware",
            "asset_kind",
            "received_quantity",
            *BOOKKEEPING,
        )
        read_only_fields = ("received_quantity",)


class SpendLineSerializer(serializers.Serializer):
    name = serializers.CharField(source="label", help_text="The lot, or the council's name.")
    council = serializers.CharField(source="code", help_text="The council's code ('' for others).")
    committed = serializers.DecimalField(max_digits=16, decimal_places=2)
    invoiced = serializers.DecimalField(max_digits=16, decimal_places=2)


class SpendSerializer(serializers.Serializer):
    """A framework's spend against its ceiling (the partnership's totals; each council by
    name only where the reader may see its call-offs, the others as "Other councils")."""

    framework = serializers.CharField(source="framework.reference")
    ceiling = serializers.DecimalField(max_digits=16, decimal_places=2)
    committed = serializers.DecimalField(max_digits=16, decimal_places=2)
    invoiced = serializers.DecimalField(max_digits=16, decimal_places=2)
    held = serializers.DecimalField(max_digits=16, decimal_places=2)
    headroom = serializers.DecimalField(max_digits=16, decimal_places=2)
    sme_committed = serializers.DecimalField(max_digits=16, decimal_places=2)
    sme_percent = serializers.DecimalField(max_digits=5, decimal_places=1)
    by_lot = SpendLineSerializer(many=True)
    by_council = SpendLineSerializer(many=True)


class ReceiveSerializer(serializers.Serializer):
    line = serializers.IntegerField(min_value=1, help_text="The id of the order's line.")
    quantity = serializers.IntegerField(min_value=1, max_value=1_000_000)
    received_on = serializers.DateField(required=False, allow_null=True)


class FromRequestsSerializer(serializers.Serializer):
    requests = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        min_length=1,
        max_length=500,
        help_text="The ids of approved requests to order together.",
    )
    reference = serializers.CharField(max_length=50)
    supplier = serializers.CharField(max_length=200, help_text="The supplier's name.")
    ordered_on = serializers.DateField(required=False, allow_null=True)


# Viewsets ---------------------------------------------------------------------------------


class FrameworkViewSet(ScopedModelViewSet):
    """Framework agreements (for the councils that may call off from them)."""

    model = Framework
    serializer_class = FrameworkSerializer
    filterset_class = FrameworkFilterSet
    ordering_fields = ("reference", "name", "start_date", "ceiling_value")

    def get_queryset(self) -> Any:
        return services.with_exercised_months(super().get_queryset())

    @extend_schema(responses=SpendSerializer)
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def spend(self, request: Request, pk: Any = None) -> Response:
        """The framework's spend against its ceiling: committed, invoiced, held, headroom, by
        lot and by council, and the share with SMEs."""
        framework = self.visible_record(pk)
        return Response(SpendSerializer(services.spend(framework, request.user)).data)


class FrameworkExtensionViewSet(ScopedModelViewSet):
    model = FrameworkExtension
    serializer_class = FrameworkExtensionSerializer
    filterset_class = FrameworkExtensionFilterSet
    ordering_fields = ("sequence",)


class FrameworkLotViewSet(ScopedModelViewSet):
    """Lots of frameworks, with their suppliers."""

    model = FrameworkLot
    serializer_class = FrameworkLotSerializer
    filterset_class = FrameworkLotFilterSet
    ordering_fields = ("number", "title")


class LotSupplierViewSet(ScopedModelViewSet):
    model = LotSupplier
    serializer_class = LotSupplierSerializer
    filterset_class = LotSupplierFilterSet
    ordering_fields = ("id",)


class CallOffViewSet(ScopedModelViewSet):
    """Call-offs from frameworks' lots; ``approve`` and ``reject`` decide a held one (the
    shared service's manager)."""

    model = CallOff
    serializer_class = CallOffSerializer
    filterset_class = CallOffFilterSet
    ordering_fields = ("reference", "start_date", "value")

    def _decide(self, request: Request, pk: Any, approve: bool) -> Response:
        call_off = self.visible_record(pk)
        if not services._is_service_manager(request.user):
            raise PermissionDenied("Only the shared service's manager decides on held call-offs")
        return self.run_action(
            request, call_off, None, lambda c, d: services.decide_call_off(c, request.user, approve)
        )

    @extend_schema(request=None, responses=CallOffSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: Any = None) -> Response:
        """Approve a call-off held because it passes its framework's ceiling: it is active."""
        return self._decide(request, pk, True)

    @extend_schema(request=None, responses=CallOffSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: Any = None) -> Response:
        """Reject a held call-off: it is cancelled."""
        return self._decide(request, pk, False)


class CallOffLineViewSet(ScopedModelViewSet):
    model = CallOffLine
    serializer_class = CallOffLineSerializer
    filterset_class = CallOffLineFilterSet
    ordering_fields = ("role",)


class PurchasingSettingsViewSet(ScopedModelViewSet):
    model = PurchasingSettings
    serializer_class = PurchasingSettingsSerializer
    filterset_class = PurchasingSettingsFilterSet
    ordering_fields = ("applies_from", "approval_threshold")


class PurchaseRequestViewSet(ScopedModelViewSet):
    """Purchase requests: ``submit`` a draft (above the council's threshold it waits for
    the council's IT lead, who ``approve``s or ``reject``s it)."""

    model = PurchaseRequest
    serializer_class = PurchaseRequestSerializer
    filterset_class = PurchaseRequestFilterSet
    ordering_fields = ("created_at",)

    @extend_schema(request=None, responses=PurchaseRequestSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: Any = None) -> Response:
        """Submit a draft request."""
        record = self.visible_record(pk)
        if not access_for(request.user).can(CHANGE, record.area, [record.partner_id]):
            raise PermissionDenied("You may not submit this request.")
        return self.run_action(
            request, record, None, lambda r, d: services.submit_request(r, request.user)
        )

    def _decide(self, request: Request, pk: Any, approve: bool) -> Response:
        record = self.visible_record(pk)
        if not services.is_lead_of(request.user, record.partner_id):
            raise PermissionDenied("Only the council's IT lead approves its purchase requests")
        return self.run_action(
            request, record, None, lambda r, d: services.decide_request(r, request.user, approve)
        )

    @extend_schema(request=None, responses=PurchaseRequestSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: Any = None) -> Response:
        """The council's IT lead approves a request awaiting approval."""
        return self._decide(request, pk, True)

    @extend_schema(request=None, responses=PurchaseRequestSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: Any = None) -> Response:
        """The council's IT lead rejects a request awaiting approval."""
        return self._decide(request, pk, False)


class PurchaseRequestLineViewSet(ScopedModelViewSet):
    model = PurchaseRequestLine
    serializer_class = PurchaseRequestLineSerializer
    filterset_class = PurchaseRequestLineFilterSet
    ordering_fields = ("description",)


class PurchaseOrderViewSet(ScopedModelViewSet):
    """Purchase orders; ``from-requests`` orders approved requests together (a joint
    purchase when several councils'), ``receive`` records goods received on a line."""

    model = PurchaseOrder
    serializer_class = PurchaseOrderSerializer
    filterset_class = PurchaseOrderFilterSet
    ordering_fields = ("reference", "ordered_on", "total")

    @extend_schema(request=FromRequestsSerializer, responses={201: PurchaseOrderSerializer})
    @action(detail=False, methods=["post"], url_path="from-requests")
    def from_requests(self, request: Request) -> Response:
        """Order approved requests (ids) from one supplier as one purchase order."""
        from django.core.exceptions import ValidationError as DjangoValidationError
        from django.db import transaction

        from contracts.models import Supplier

        if not access_for(request.user).can(ADD, PurchaseOrder.area):
            raise PermissionDenied("You may not place purchase orders.")
        body = FromRequestsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        wanted = list(dict.fromkeys(data["requests"]))
        found = list(PurchaseRequest.objects.visible_to(request.user, CHANGE).filter(pk__in=wanted))
        missing = sorted(set(wanted) - {r.pk for r in found})
        if missing:
            raise serializers.ValidationError(
                {"requests": [f"There is no request you may order with id {missing[0]}"]}
            )
        supplier = (
            Supplier.objects.visible_to(request.user).filter(name=data["supplier"].strip()).first()
        )
        if supplier is None:
            raise serializers.ValidationError(
                {"supplier": [f"There is no supplier named “{data['supplier']}”"]}
            )
        try:
            with transaction.atomic():
                order = services.raise_order(
                    found, data["reference"], supplier, data.get("ordered_on")
                )
        except DjangoValidationError as exc:
            raise serializers.ValidationError(serializers.as_serializer_error(exc)) from exc
        response = self.answer(request, order)
        response.status_code = 201
        return response

    @extend_schema(request=ReceiveSerializer, responses=PurchaseOrderSerializer)
    @action(detail=True, methods=["post"])
    def receive(self, request: Request, pk: Any = None) -> Response:
        """Record goods received on one of the order's lines: each unit of a hardware line
        becomes an asset record of the council that asked for it."""
        order = self.visible_record(pk)
        if not access_for(request.user).can(CHANGE, order.area, order.owning_partner_ids()):
            raise PermissionDenied("You may not receive goods on this order.")

        def work(record: PurchaseOrder, data: dict[str, Any]) -> None:
            from django.core.exceptions import ValidationError as DjangoValidationError

            line = (
                PurchaseOrderLine.objects.visible_to(request.user)
                .filter(order_id=record.pk, pk=data["line"])
                .first()
            )
            if line is None:
                raise DjangoValidationError({"line": "This order has no line with that id"})
            services.receive(line, data["quantity"], data.get("received_on"), request.user)

        return self.run_action(request, order, ReceiveSerializer, work)


class PurchaseOrderLineViewSet(ScopedModelViewSet):
    model = PurchaseOrderLine
    serializer_class = PurchaseOrderLineSerializer
    filterset_class = PurchaseOrderLineFilterSet
    ordering_fields = ("description",)


procurement_routes = [
    ("frameworks", FrameworkViewSet, "framework"),
    ("framework-extensions", FrameworkExtensionViewSet, "frameworkextension"),
    ("framework-lots", FrameworkLotViewSet, "frameworklot"),
    ("lot-suppliers", LotSupplierViewSet, "lotsupplier"),
    ("call-offs", CallOffViewSet, "calloff"),
    ("call-off-lines", CallOffLineViewSet, "calloffline"),
    ("purchasing-settings", PurchasingSettingsViewSet, "purchasingsettings"),
    ("purchase-requests", PurchaseRequestViewSet, "purchaserequest"),
    ("purchase-request-lines", PurchaseRequestLineViewSet, "purchaserequestline"),
    ("purchase-orders", PurchaseOrderViewSet, "purchaseorder"),
    ("purchase-order-lines", PurchaseOrderLineViewSet, "purchaseorderline"),
]
