"""API endpoints of councils (partners) and memberships."""

from __future__ import annotations

from core.api.viewsets import ScopedModelViewSet
from core.tenancy.models import Membership, Partner
from partners.api.serializers import MembershipSerializer, PartnerSerializer
from partners.filtersets import MembershipFilterSet, PartnerFilterSet


class PartnerViewSet(ScopedModelViewSet):
    """Councils in the partnership (added and changed by the shared-service manager)."""

    model = Partner
    serializer_class = PartnerSerializer
    filterset_class = PartnerFilterSet
    ordering_fields = ("name", "code", "joined_on")


class MembershipViewSet(ScopedModelViewSet):
    """Council roles held by people."""

    model = Membership
    serializer_class = MembershipSerializer
    filterset_class = MembershipFilterSet
    ordering_fields = ("role",)
