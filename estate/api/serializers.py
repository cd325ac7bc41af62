"""API serializers of sites, site types and agreements."""

from __future__ import annotations

from core.api.serializers import BOOKKEEPING, ScopedModelSerializer
from estate.models import Agreement, Site, SiteType


class SiteTypeSerializer(ScopedModelSerializer):
    """A kind of council building (catalogue: readable by all, edited by service staff)."""

    class Meta:
        model = SiteType
        fields = ("id", "name", "description", *BOOKKEEPING)


class SiteSerializer(ScopedModelSerializer):
    """A council building or office; ``partner`` is the owning council's code."""

    class Meta:
        model = Site
        fields = (
            "id",
            "partner",
            "code",
            "name",
            "site_type",
            "address",
            "postcode",
            "uprn",
            "is_active",
            *BOOKKEEPING,
        )


class AgreementSerializer(ScopedModelSerializer):
    """An inter-authority agreement, owned by the councils that signed it (``owner_shares``)."""

    class Meta:
        model = Agreement
        fields = (
            "id",
            "reference",
            "title",
            "starts_on",
            "ends_on",
            "summary",
            "owner_shares",
            *BOOKKEEPING,
        )
