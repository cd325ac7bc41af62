"""Finance API endpoints: recharge runs, statements and the apportion calculator.

``POST /api/v1/apportion/`` splits an amount by weights with the very function the recharge
runs use (finance.arithmetic.apportion: largest remainder to the penny, the tie rule in
docs/decisions/0032). It reads no records, so anyone signed in may call it."""

from __future__ import annotations

from typing import Any

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from finance.api.recharge_serializers import ApportionSerializer, SharesSerializer
from finance.arithmetic import apportion

routes: list[Any] = []


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
