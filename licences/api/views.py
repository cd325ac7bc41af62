"""API endpoints of software products, licence agreements, assignments and the compliance
position."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.viewsets import ScopedModelViewSet
from core.tenancy.access import VIEW, access_for
from licences import services
from licences.api.serializers import (
    CompliancePositionSerializer,
    InstallationSerializer,
    LicenceAgreementSerializer,
    LicenceAssignmentSerializer,
    SoftwareProductSerializer,
)
from licences.filtersets import (
    InstallationFilterSet,
    LicenceAgreementFilterSet,
    LicenceAssignmentFilterSet,
    SoftwareProductFilterSet,
)
from licences.models import Installation, LicenceAgreement, LicenceAssignment, SoftwareProduct


class SoftwareProductViewSet(ScopedModelViewSet):
    """Software products (catalogue)."""

    model = SoftwareProduct
    serializer_class = SoftwareProductSerializer
    filterset_class = SoftwareProductFilterSet
    ordering_fields = ("name", "publisher")


class LicenceAgreementViewSet(ScopedModelViewSet):
    """Licence agreements, owned or co-owned by the councils that hold them."""

    model = LicenceAgreement
    serializer_class = LicenceAgreementSerializer
    filterset_class = LicenceAgreementFilterSet
    ordering_fields = ("reference", "starts_on", "quantity", "total_cost")


class LicenceAssignmentViewSet(ScopedModelViewSet):
    """Seats of agreements assigned to councils' people and devices."""

    model = LicenceAssignment
    serializer_class = LicenceAssignmentSerializer
    filterset_class = LicenceAssignmentFilterSet
    ordering_fields = ("assigned_on",)


class InstallationViewSet(ScopedModelViewSet):
    """Software found on councils' devices (use detected), imported from inventories."""

    model = Installation
    serializer_class = InstallationSerializer
    filterset_class = InstallationFilterSet
    ordering_fields = ("detected_on",)


COMPLIANCE_PARAMETERS = [
    OpenApiParameter("council", str, description="A council's code: its rows only."),
    OpenApiParameter("product", str, description="A software product's name: its rows only."),
]


class ComplianceView(APIView):
    """``GET /api/v1/licence-compliance/``: each product's position for each council the
    reader may see and, unless ``council`` is given, for the partnership (``council`` null;
    only where it reveals no one council's figures: licences.services.totals_shown):
    seats entitled, used (assigned, and installed with no seat covering them), short or
    spare, and what the shortfall would cost and the surplus wastes."""

    @extend_schema(
        parameters=COMPLIANCE_PARAMETERS, responses=CompliancePositionSerializer(many=True)
    )
    def get(self, request: Request) -> Response:
        if not access_for(request.user).can(VIEW, LicenceAgreement.area):
            raise PermissionDenied
        errors: dict[str, list[str]] = {}
        partners = products = None
        code = request.query_params.get("council", "").strip()
        if code:
            partner = services.partner_by_code(request.user, code)
            if partner is None:
                errors["council"] = [f"There is no council with code “{code}” that you can see"]
            else:
                partners = [partner]
        name = request.query_params.get("product", "").strip()
        if name:
            product = SoftwareProduct.objects.visible_to(request.user).filter(name=name).first()
            if product is None:
                errors["product"] = [f"There is no software product named “{name}”"]
            else:
                products = [product]
        if errors:
            raise serializers.ValidationError(errors)
        rows = services.compliance(
            request.user, partners=partners, products=products, partnership=partners is None
        )
        return Response(CompliancePositionSerializer(rows, many=True).data)
