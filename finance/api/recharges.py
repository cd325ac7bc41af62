"""Finance API endpoints: recharge runs (with each run's statements, and the ``run`` and
``approve`` actions), statements, adjustments, and the apportion calculator.

``POST /api/v1/apportion/`` splits an amount by weights with the very function the recharge
runs use (finance.arithmetic.apportion: largest remainder to the penny, the tie rule in
docs/decisions/0032). It reads no records, so anyone signed in may call it.

Runs and statements are never written directly: ``POST /api/v1/recharge-runs/run/`` makes (or
makes again) the draft run of a period, ``POST /api/v1/recharge-runs/{id}/approve/`` locks it;
both for the shared service's finance officer and manager (finance.recharging)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.viewsets import ScopedModelViewSet, ScopedReadOnlyModelViewSet
from finance import recharging
from finance.api.recharge_serializers import (
    ApportionSerializer,
    RechargeAdjustmentSerializer,
    RechargeRunSerializer,
    RechargeStatementDetailSerializer,
    RechargeStatementSerializer,
    RunPeriodSerializer,
    SharesSerializer,
)
from finance.arithmetic import apportion
from finance.models import RechargeAdjustment, RechargeRun, RechargeStatement
from finance.recharge_filtersets import (
    RechargeAdjustmentFilterSet,
    RechargeRunFilterSet,
    RechargeStatementFilterSet,
)


def _refusal(error: DjangoValidationError) -> serializers.ValidationError:
    if hasattr(error, "error_dict"):
        return serializers.ValidationError(error.message_dict)
    return serializers.ValidationError({"non_field_errors": error.messages})


class RechargeRunViewSet(ScopedReadOnlyModelViewSet):
    """Recharge runs, one per month or quarter: read by whoever reads the finance area.
    ``run`` makes or makes again a period's draft; ``approve`` locks a draft for good;
    ``statements`` lists the run's statements the reader may see (their own council's, or
    every council's for the shared service)."""

    model = RechargeRun
    serializer_class = RechargeRunSerializer
    filterset_class = RechargeRunFilterSet
    ordering_fields = ("period_start",)

    @extend_schema(request=RunPeriodSerializer, responses={200: RechargeRunSerializer})
    @action(detail=False, methods=["post"])
    def run(self, request: Request) -> Response:
        """Make the draft run of a period (a month or a quarter), or make it again."""
        if not recharging.may_run(request.user):
            raise PermissionDenied(
                "Only the shared service's finance officer or manager runs recharges."
            )
        period = RunPeriodSerializer(data=request.data)
        period.is_valid(raise_exception=True)
        try:
            run = recharging.run_for(
                period.validated_data["period_start"], period.validated_data["period_end"]
            )
        except DjangoValidationError as error:
            raise _refusal(error) from None
        return Response(RechargeRunSerializer(run, context={"request": request}).data)

    @extend_schema(request=None, responses={200: RechargeRunSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: Any = None) -> Response:
        """Approve a draft run: it and the costs of its period are locked from then on."""
        run: RechargeRun = self.visible_record(pk)
        try:
            run = recharging.approve(run, request.user)
        except DjangoPermissionDenied as error:
            raise PermissionDenied(str(error)) from None
        except DjangoValidationError as error:
            raise _refusal(error) from None
        return Response(RechargeRunSerializer(run, context={"request": request}).data)

    @extend_schema(responses={200: RechargeStatementSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def statements(self, request: Request, pk: Any = None) -> Response:
        """The run's statements the reader may see."""
        run: RechargeRun = self.visible_record(pk)
        rows = (
            RechargeStatement.objects.visible_to(request.user)
            .filter(run=run)
            .select_related("partner", "run")
        )
        return Response(
            RechargeStatementSerializer(rows, many=True, context={"request": request}).data
        )


class RechargeStatementViewSet(ScopedReadOnlyModelViewSet):
    """Each council's statement of a run: a council's finance officer and lead read their own
    council's; the shared service's staff read every council's."""

    model = RechargeStatement
    serializer_class = RechargeStatementSerializer
    filterset_class = RechargeStatementFilterSet
    ordering_fields = ("total",)

    def get_serializer_class(self) -> Any:
        if self.action == "retrieve":
            return RechargeStatementDetailSerializer
        return RechargeStatementSerializer


class RechargeAdjustmentViewSet(ScopedModelViewSet):
    """Corrections of approved runs, one council each, carried by the next run made."""

    model = RechargeAdjustment
    serializer_class = RechargeAdjustmentSerializer
    filterset_class = RechargeAdjustmentFilterSet
    ordering_fields = ("created_at",)


routes: list[Any] = [
    ("recharge-runs", RechargeRunViewSet, "rechargerun"),
    ("recharge-statements", RechargeStatementViewSet, "rechargestatement"),
    ("recharge-adjustments", RechargeAdjustmentViewSet, "rechargeadjustment"),
]


class ApportionView(APIView):
    """Split an amount between councils by weights, to the penny."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="apportion",
        request=ApportionSerializer,
        responses={200: SharesSerializer},
        description="Split `amount` in proportion to `weights` by largest remainder: every "
        "share to the penny, the shares adding up to the amount exactly; of equal remainders "
        "the larger weight, then the code first in text order, gets the spare penny.",
    )
    def post(self, request: Request) -> Response:
        serializer = ApportionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        shares = apportion(
            serializer.validated_data["amount"], serializer.validated_data["weights"]
        )
        return Response(SharesSerializer({"shares": dict(sorted(shares.items()))}).data)


urlpatterns = [path("apportion/", ApportionView.as_view(), name="apportion")]
