"""API endpoints of the asset register. Each follows the one visibility rule
(core.api.viewsets); the actions and reports call assets.services."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from assets import services
from assets.api.serializers import (
    AssetSerializer,
    CIRelationshipSerializer,
    ConfigurationItemSerializer,
    DepthSerializer,
    HardwareModelSerializer,
    HorizonSerializer,
    ImpactSerializer,
    ManufacturerSerializer,
    MoveSerializer,
    SightingSerializer,
    StocktakePolicySerializer,
    SupportLineSerializer,
)
from assets.filtersets import (
    AssetFilterSet,
    CIRelationshipFilterSet,
    ConfigurationItemFilterSet,
    HardwareModelFilterSet,
    ManufacturerFilterSet,
    StocktakePolicyFilterSet,
)
from assets.models import (
    Asset,
    CIRelationship,
    ConfigurationItem,
    HardwareModel,
    Manufacturer,
    StocktakePolicy,
)
from core.api.viewsets import ScopedModelViewSet
from core.tenancy.access import VIEW, access_for
from core.tenancy.models import Partner

#: Rows a report answers at most.
REPORT_LIMIT = 5000


class ManufacturerViewSet(ScopedModelViewSet):
    """Makers of hardware (catalogue)."""

    model = Manufacturer
    serializer_class = ManufacturerSerializer
    filterset_class = ManufacturerFilterSet
    ordering_fields = ("name",)


class HardwareModelViewSet(ScopedModelViewSet):
    """Models of hardware (catalogue)."""

    model = HardwareModel
    serializer_class = HardwareModelSerializer
    filterset_class = HardwareModelFilterSet
    ordering_fields = ("name",)


class AssetViewSet(ScopedModelViewSet):
    """Hardware assets. ``POST .../<id>/move/`` moves one through its lifecycle (illegal moves
    are a 400 naming ``to_state``), ``POST .../<id>/seen/`` records it as seen at a stock-take;
    ``GET .../end-of-support/?months=N`` and ``GET .../stock-take-due/`` are the reports."""

    model = Asset
    serializer_class = AssetSerializer
    filterset_class = AssetFilterSet
    ordering_fields = ("asset_tag", "serial_number", "created_at", "updated_at")

    def asset_for(self, request: Request, pk: Any, what: str) -> Asset:
        asset = self.visible_record(pk)
        if not services.may_change(request.user, asset):
            raise PermissionDenied(f"You may not {what} this asset.")
        return asset

    @extend_schema(request=MoveSerializer, responses=AssetSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: Any = None) -> Response:
        """Move the asset to another lifecycle state, recording who and when."""
        return self.run_action(
            request, self.asset_for(request, pk, "move"), MoveSerializer,
            lambda a, d: services.move(
                a, d["to_state"], request.user, note=d.get("note", ""),
                disposal_method=d.get("disposal_method", ""),
                certificate_reference=d.get("certificate_reference", ""),
            ),
        )  # fmt: skip

    @extend_schema(request=SightingSerializer, responses=AssetSerializer)
    @action(detail=True, methods=["post"])
    def seen(self, request: Request, pk: Any = None) -> Response:
        """Record the asset as seen now (a stock-take), by the requester."""
        return self.run_action(
            request, self.asset_for(request, pk, "record a sighting of"), SightingSerializer,
            lambda a, d: services.record_sighting(a, request.user, location=d.get("location", "")),
        )  # fmt: skip

    @extend_schema(
        parameters=[OpenApiParameter("months", int, description="Horizon in months (0-120).")],
        responses=SupportLineSerializer(many=True),
    )
    # One answer of up to REPORT_LIMIT lines in the report's own order (nearest end first), not
    # a page of the asset list: none of the list's filters, sort or cursor apply to it.
    @action(
        detail=False,
        methods=["get"],
        url_path="end-of-support",
        url_name="end-of-support",
        pagination_class=None,
        filter_backends=[],
    )
    def end_of_support(self, request: Request) -> Response:
        """Assets out of operating-system support, or whose support ends within ``months``
        (default 12), with the councils that own each among those the requester sees."""
        form = HorizonSerializer(data=request.query_params)
        form.is_valid(raise_exception=True)
        today = timezone.localdate()
        rows = list(
            services.end_of_support(request.user, form.validated_data["months"], today)[
                :REPORT_LIMIT
            ]
        )
        owners = _owner_codes(Asset, [a.pk for a in rows], request.user)
        lines = services.support_lines(rows, today)
        for line in lines:
            line.councils = owners.get(line.asset.pk, [])  # type: ignore[attr-defined]
        return Response(SupportLineSerializer(lines, many=True).data)

    @extend_schema(responses=AssetSerializer(many=True))
    @action(detail=False, methods=["get"], url_path="stock-take-due", url_name="stocktake-due")
    def stocktake_due(self, request: Request) -> Response:
        """Assets overdue for a stock-take by their councils' intervals, longest unseen first."""
        rows = services.overdue_for_check(request.user)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


def _owner_codes(model: Any, ids: list[int], user: Any) -> dict[int, list[str]]:
    """The codes of the councils owning each record, among the councils `user` sees."""
    from django.contrib.contenttypes.models import ContentType

    from core.tenancy.records import OwnerShare

    visible = set(Partner.objects.visible_to(user).values_list("pk", flat=True))
    found: dict[int, list[str]] = {}
    shares = OwnerShare.objects.filter(
        content_type=ContentType.objects.get_for_model(model), object_id__in=ids
    ).values_list("object_id", "partner_id", "partner__code")
    for object_id, partner_id, code in shares:
        if partner_id in visible:
            found.setdefault(object_id, []).append(code)
    return found


class StocktakePolicyViewSet(ScopedModelViewSet):
    """Each council's stock-take interval."""

    model = StocktakePolicy
    serializer_class = StocktakePolicySerializer
    filterset_class = StocktakePolicyFilterSet
    ordering_fields = ("check_every_months",)


class ConfigurationItemViewSet(ScopedModelViewSet):
    """Configuration items. ``GET .../<id>/impact/?depth=N`` walks what depends on it."""

    model = ConfigurationItem
    serializer_class = ConfigurationItemSerializer
    filterset_class = ConfigurationItemFilterSet
    ordering_fields = ("name", "created_at", "updated_at")

    @extend_schema(
        parameters=[OpenApiParameter("depth", int, description="Steps to walk (1-10).")],
        responses=ImpactSerializer,
    )
    @action(detail=True, methods=["get"])
    def impact(self, request: Request, pk: Any = None) -> Response:
        """What a failure of this item affects, to ``depth`` steps: the items, services,
        councils, people and open tickets, only those the requester may see."""
        item = self.visible_record(pk)
        if not access_for(request.user).can(VIEW, ConfigurationItem.area):
            raise PermissionDenied()
        form = DepthSerializer(data=request.query_params)
        form.is_valid(raise_exception=True)
        try:
            result = services.impact(item, request.user, form.validated_data["depth"])
        except DjangoValidationError as exc:
            raise serializers.ValidationError(serializers.as_serializer_error(exc)) from exc
        return Response(ImpactSerializer(result).data)


class CIRelationshipViewSet(ScopedModelViewSet):
    """Relationships between configuration items (seen by those who see both ends)."""

    model = CIRelationship
    serializer_class = CIRelationshipSerializer
    filterset_class = CIRelationshipFilterSet
    ordering_fields = ("kind",)
