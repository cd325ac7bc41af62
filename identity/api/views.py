"""API endpoint of identity providers (the shared-service manager's)."""

from __future__ import annotations

from core.api.viewsets import ScopedModelViewSet
from identity.api.serializers import IdentityProviderSerializer
from identity.filtersets import IdentityProviderFilterSet
from identity.models import IdentityProvider


class IdentityProviderViewSet(ScopedModelViewSet):
    """Each council's identity provider, and the shared service's own."""

    model = IdentityProvider
    serializer_class = IdentityProviderSerializer
    filterset_class = IdentityProviderFilterSet
    ordering_fields = ("name", "slug")
