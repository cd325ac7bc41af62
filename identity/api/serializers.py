"""API serializer of identity providers: the client secret may be written, never read."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from core.api.serializers import BOOKKEEPING, ScopedModelSerializer
from identity.models import IdentityProvider


class IdentityProviderSerializer(ScopedModelSerializer):
    """A council's identity provider (``partner`` its council's code; none: the shared
    service's own). ``client_secret`` is write-only."""

    client_secret = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=500
    )

    class Meta:
        model = IdentityProvider
        fields = (
            "id",
            "partner",
            "name",
            "slug",
            "issuer",
            "client_id",
            "client_secret",
            "secret_env",
            "scopes",
            "email_domains",
            "group_roles",
            "groups_claim",
            "enabled",
            "local_passwords",
            *BOOKKEEPING,
        )

    def update(self, instance: Any, validated_data: dict[str, Any]) -> Any:
        if not validated_data.get("client_secret"):
            validated_data.pop("client_secret", None)
        return super().update(instance, validated_data)
