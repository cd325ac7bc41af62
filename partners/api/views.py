"""API endpoints of partners, sites, site types, agreements and memberships."""

from __future__ import annotations

from core.api.viewsets import ScopedModelViewSet
from partners.api.serializers import (
    AgreementSerializer,
    MembershipSerializer,
    PartnerSerializer,
    SiteSerializer,
    SiteTypeSerializer,
)
from partners.filtersets import (
    AgreementFilterSet,
    MembershipFilterSet,
    PartnerFilterSet,
    SiteFilterSet,
    SiteTypeFilterSet,
)
from partners.models import Agreement, Membership, Partner, Site, SiteType


class PartnerViewSet(ScopedModelViewSet):
    """Councils in the partnership (added and changed by the shared-service manager)."""

    model = Partner
    serializer_class = PartnerSerializer
    filterset_class = PartnerFilterSet
    ordering = ("name",)
    ordering_fields = ("name", "code", "joined_on")


class SiteViewSet(ScopedModelViewSet):
    """Council buildings and offices."""

    model = Site
    serializer_class = SiteSerializer
    filterset_class = SiteFilterSet
    ordering = ("name",)
    ordering_fields = ("name", "code", "postcode", "created_at", "updated_at")


class SiteTypeViewSet(ScopedModelViewSet):
    """Kinds of council building (catalogue)."""

    model = SiteType
    serializer_class = SiteTypeSerializer
    filterset_class = SiteTypeFilterSet
    ordering = ("name",)
    ordering_fields = ("name",)


class AgreementViewSet(ScopedModelViewSet):
    """Inter-authority agreements, co-owned by the councils that signed them."""

    model = Agreement
    serializer_class = AgreementSerializer
    filterset_class = AgreementFilterSet
    ordering = ("title",)
    ordering_fields = ("title", "reference", "starts_on")


class MembershipViewSet(ScopedModelViewSet):
    """Council roles held by people."""

    model = Membership
    serializer_class = MembershipSerializer
    filterset_class = MembershipFilterSet
    ordering = ("partner__name", "user__username", "role")
    ordering_fields = ("role",)
