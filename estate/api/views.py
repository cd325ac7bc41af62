"""API endpoints of sites, site types and agreements."""

from __future__ import annotations

from core.api.viewsets import ScopedModelViewSet
from estate.api.serializers import AgreementSerializer, SiteSerializer, SiteTypeSerializer
from estate.filtersets import AgreementFilterSet, SiteFilterSet, SiteTypeFilterSet
from estate.models import Agreement, Site, SiteType


class SiteViewSet(ScopedModelViewSet):
    """Council buildings and offices."""

    model = Site
    serializer_class = SiteSerializer
    filterset_class = SiteFilterSet
    ordering_fields = ("name", "code", "postcode", "created_at", "updated_at")


class SiteTypeViewSet(ScopedModelViewSet):
    """Kinds of council building (catalogue)."""

    model = SiteType
    serializer_class = SiteTypeSerializer
    filterset_class = SiteTypeFilterSet
    ordering_fields = ("name",)


class AgreementViewSet(ScopedModelViewSet):
    """Inter-authority agreements, co-owned by the councils that signed them."""

    model = Agreement
    serializer_class = AgreementSerializer
    filterset_class = AgreementFilterSet
    ordering_fields = ("title", "reference", "starts_on")
