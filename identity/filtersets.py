"""Filters of the identity providers' list, used by the page and the API alike."""

from __future__ import annotations

import django_filters

from core.filtersets import ConcordFilterSet
from identity.models import IdentityProvider


class IdentityProviderFilterSet(ConcordFilterSet):
    search_fields = ("name", "slug", "issuer")
    enabled = django_filters.BooleanFilter(label="In use")

    class Meta:
        model = IdentityProvider
        fields = ["q", "enabled"]
