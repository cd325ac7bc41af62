"""API of reporting: the monthly packs (``/api/v1/packs/``), read-only: each pack's council
(none for the joint board's), month, when it was made and emailed, its size and checksum, and
the address of its PDF (the page's download, which the API's signed-in reader may fetch).

Packs are made by the job (reporting.pack_jobs), never through the API; who reads which is the
one visibility rule (`MonthlyPack.visibility_filter`). Filters: council, period (a month, as
``YYYY-MM-DD`` of any of its days), the joint board's (``board``), and ``q`` (a council's
code or name, a pack's checksum).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.urls import reverse
from rest_framework import serializers

from core.api.serializers import BOOKKEEPING, ScopedModelSerializer
from core.api.viewsets import ScopedReadOnlyModelViewSet
from core.filtersets import ConcordFilterSet, ScopedModelChoiceFilter, scoped_choices
from core.tenancy.models import Partner
from reporting.models.packs import MonthlyPack


class MonthlyPackFilterSet(ConcordFilterSet):
    """Packs by council and month; ``q`` finds a council's by its code or name, or a pack by
    its checksum."""

    search_fields = ("partner__code", "partner__name", "sha256")
    partner = ScopedModelChoiceFilter(queryset=scoped_choices(Partner), label="Council")
    board = django_filters.BooleanFilter(
        field_name="partner", lookup_expr="isnull", label="The joint board's"
    )
    period = django_filters.DateFilter(method="filter_period", label="Month")

    class Meta:
        model = MonthlyPack
        fields = ["q", "partner", "board", "period"]

    def filter_period(self, queryset: Any, name: str, value: Any) -> Any:
        return queryset.filter(period=value.replace(day=1)) if value else queryset


class MonthlyPackSerializer(ScopedModelSerializer):
    """A pack as the API lists it; ``download`` is its PDF."""

    download = serializers.SerializerMethodField(help_text="The address of the pack's PDF.")

    class Meta:
        model = MonthlyPack
        fields: tuple[str, ...] = (
            "id",
            "partner",
            "period",
            "made_at",
            "emailed_at",
            "recipients",
            "size",
            "sha256",
            "download",
            *BOOKKEEPING,
        )
        read_only_fields: tuple[str, ...] = fields

    def get_download(self, obj: MonthlyPack) -> str:
        return reverse("reporting:pack_download", args=[obj.pk])


class MonthlyPackViewSet(ScopedReadOnlyModelViewSet):
    """Each council's monthly packs and the joint board's, as the reader may see them."""

    model = MonthlyPack
    serializer_class = MonthlyPackSerializer
    filterset_class = MonthlyPackFilterSet
    ordering_fields = ("period", "made_at")


routes: list[Any] = [("packs", MonthlyPackViewSet, "monthlypack")]

urlpatterns: list[Any] = []
