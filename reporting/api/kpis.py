"""API of reporting: the KPI figures (/api/v1/kpis/), read-only.

The path is the one issue 14 names; a contract's own KPIs are ``/api/v1/contract-kpis/``.

- ``GET /api/v1/kpis/``: the daily roll-up rows the reader may see (their own council's;
  every council's for the shared service), filtered by ``council`` (a council's code),
  ``period`` (``YYYY-MM``), ``from``/``to`` (``YYYY-MM`` or ``YYYY-MM-DD``), ``kpi`` and
  ``dimension``; exported like any list (``/api/v1/kpis/export/``).
- ``GET /api/v1/kpis/monthly/?council=<code>|partnership&from=YYYY-MM&to=YYYY-MM&kpi=...``:
  each KPI's monthly figures for one scope, as reporting.figures makes them (the partnership's
  totals only to whom reporting.figures.scopes_for shows them: others get a 404).
- ``GET /api/v1/kpis/catalogue/``: the KPIs (key, label, unit, group, kind...).
- ``/api/v1/reporting-settings/``: the partnership's setting (the shared-service manager
  changes it; no add or delete).
"""

from __future__ import annotations

import datetime
import re
from typing import Any, ClassVar

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.serializers import BOOKKEEPING, ScopedModelSerializer
from core.api.viewsets import ScopedModelViewSet, ScopedReadOnlyModelViewSet
from core.tenancy.models import Partner
from reporting.figures import monthly, next_month, scopes_for
from reporting.kpi_views import KpiFigureFilterSet, ReportingSettingsFilterSet
from reporting.kpis import KPIS
from reporting.models import KpiFigure, ReportingSettings

PARTNERSHIP = "partnership"
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def parse_period(value: str, name: str, end: bool = False) -> datetime.date:
    """A month (``YYYY-MM``: its first day, or its last with `end`) or a day (``YYYY-MM-DD``);
    a 400 naming the parameter otherwise."""
    value = (value or "").strip()
    try:
        if m := MONTH.match(value):
            first = datetime.date(int(m[1]), int(m[2]), 1)
            return next_month(first) - datetime.timedelta(days=1) if end else first
        if m := DAY.match(value):
            return datetime.date(int(m[1]), int(m[2]), int(m[3]))
    except (ValueError, OverflowError):
        pass
    raise ValidationError({name: f"Enter {name} as a month, YYYY-MM (or a day, YYYY-MM-DD)"})


class KpiApiFilterSet(KpiFigureFilterSet):
    """The API's filters of the KPI figures: the list page's, with a council named by its code
    and periods as months."""

    council = django_filters.CharFilter(method="filter_council", label="Council (code)")
    period = django_filters.CharFilter(method="filter_period", label="Month (YYYY-MM)")
    from_ = django_filters.CharFilter(method="filter_from", label="From (YYYY-MM)")
    to = django_filters.CharFilter(method="filter_to", label="To (YYYY-MM)")

    class Meta:
        model = KpiFigure
        fields = [
            "q",
            "partner",
            "council",
            "kpi",
            "period",
            "from_",
            "to",
            "day_from",
            "day_to",
            "dimension",
        ]

    # "from" is a Python word: the filter is declared as from_ and read as from.
    parameter_names: ClassVar[dict[str, str]] = {"from_": "from"}

    def filter_council(self, queryset: Any, name: str, value: str) -> Any:
        return queryset.filter(partner__code=value.strip().lower())

    def filter_period(self, queryset: Any, name: str, value: str) -> Any:
        start = parse_period(value, "period")
        if not MONTH.match(value.strip()):
            return queryset.filter(day=start)
        return queryset.filter(day__gte=start, day__lt=next_month(start))

    def filter_from(self, queryset: Any, name: str, value: str) -> Any:
        return queryset.filter(day__gte=parse_period(value, "from"))

    def filter_to(self, queryset: Any, name: str, value: str) -> Any:
        return queryset.filter(day__lte=parse_period(value, "to", end=True))


class KpiFigureSerializer(ScopedModelSerializer):
    """One council's daily figure of one KPI (``partner`` is the council's code); ``value`` is
    the figure shown (a count, a percentage out of 100, an average), null for 0 of 0."""

    value = serializers.SerializerMethodField(method_name="figure_value")
    unit = serializers.SerializerMethodField()

    class Meta:
        model = KpiFigure
        fields = (
            "id",
            "partner",
            "day",
            "kpi",
            "dimension",
            "numerator",
            "denominator",
            "value",
            "unit",
            *BOOKKEEPING,
        )

    def figure_value(self, obj: KpiFigure) -> str | None:
        kpi = KPIS.get(obj.kpi)
        if kpi is None:
            return None
        value = kpi.value(obj.numerator, obj.denominator)
        return None if value is None else str(value)

    def get_unit(self, obj: KpiFigure) -> str:
        kpi = KPIS.get(obj.kpi)
        return kpi.unit if kpi else ""


class MonthlyFigureSerializer(serializers.Serializer):
    """One KPI's figure for one month of one scope."""

    kpi = serializers.CharField()
    council = serializers.CharField(help_text='A council\'s code, or "partnership".')
    period = serializers.CharField(help_text="YYYY-MM")
    value = serializers.DecimalField(max_digits=24, decimal_places=2, allow_null=True)
    numerator = serializers.DecimalField(max_digits=24, decimal_places=2)
    denominator = serializers.DecimalField(max_digits=24, decimal_places=2, allow_null=True)
    unit = serializers.CharField()


class KpiCatalogueSerializer(serializers.Serializer):
    """A KPI of the catalogue."""

    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a KPI's, not the field's
    unit = serializers.CharField()
    area = serializers.CharField()
    group = serializers.CharField()
    kind = serializers.CharField()
    higher_is_better = serializers.BooleanField(allow_null=True)
    description = serializers.CharField()


class KpiFigureViewSet(ScopedReadOnlyModelViewSet):
    """The daily KPI figures the reader may see, and each scope's monthly figures."""

    model = KpiFigure
    serializer_class = KpiFigureSerializer
    filterset_class = KpiApiFilterSet
    ordering_fields = ("day", "kpi")

    @extend_schema(
        parameters=[
            OpenApiParameter("council", str, description='A council\'s code, or "partnership"'),
            OpenApiParameter("from", str, description="The first month, YYYY-MM"),
            OpenApiParameter("to", str, description="The last month, YYYY-MM"),
            OpenApiParameter("period", str, description="One month, YYYY-MM (for from and to)"),
            OpenApiParameter("kpi", str, many=True, description="KPI keys (default: every one)"),
        ],
        responses={
            200: MonthlyFigureSerializer(many=True),
            404: OpenApiResponse(
                OpenApiTypes.OBJECT,
                "No council with this code whose figures you may read, or the partnership's "
                "totals where they are not shown to you.",
            ),
        },
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def monthly(self, request: Request) -> Response:
        """Each KPI's monthly figures for one council (or the partnership's totals, where the
        reader is shown them), from the roll-ups."""
        scope = self._scope(request)
        params = request.query_params
        single = params.get("period")
        first = parse_period(params.get("from") or single or "", "from" if not single else "period")
        last = parse_period(params.get("to") or single or "", "to" if not single else "period")
        if last < first:
            raise ValidationError({"to": "The last month must be the same as or after the first"})
        months = [first.replace(day=1)]
        while next_month(months[-1]) <= last:
            months.append(next_month(months[-1]))
            if len(months) > 120:
                raise ValidationError({"from": "Ask for ten years at most"})
        keys = params.getlist("kpi") or None
        unknown = [key for key in keys or () if key not in KPIS]
        if unknown:
            raise ValidationError({"kpi": f"No such KPI: {', '.join(unknown)}"})
        try:
            figures = monthly(request.user, scope, months, keys)
        except DjangoValidationError as error:
            raise ValidationError(error.messages) from None
        code = scope.code if scope is not None else PARTNERSHIP
        rows = [
            {
                "kpi": key,
                "council": code,
                "period": f"{figure.period:%Y-%m}",
                "value": figure.value,
                "numerator": figure.numerator,
                "denominator": figure.denominator,
                "unit": figure.kpi.unit,
            }
            for key, listed in figures.items()
            for figure in listed
        ]
        return Response(MonthlyFigureSerializer(rows, many=True).data)

    @extend_schema(responses={200: KpiCatalogueSerializer(many=True)})
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def catalogue(self, request: Request) -> Response:
        """The KPIs, in display order."""
        rows = [
            {
                "key": kpi.key,
                "label": kpi.label,
                "unit": kpi.unit,
                "area": kpi.area,
                "group": kpi.group,
                "kind": kpi.kind,
                "higher_is_better": kpi.higher_is_better,
                "description": kpi.description,
            }
            for kpi in KPIS.values()
        ]
        return Response(KpiCatalogueSerializer(rows, many=True).data)

    def _scope(self, request: Request) -> Partner | None:
        """The scope the request names (``council``): one the reader may read, or a 404."""
        code = (request.query_params.get("council") or "").strip().lower()
        if not code:
            raise ValidationError({"council": 'Name a council by its code, or "partnership"'})
        for scope in scopes_for(request.user):
            if (scope.code if scope is not None else PARTNERSHIP) == code:
                return scope
        raise NotFound("No such figures")


class ReportingSettingsSerializer(ScopedModelSerializer):
    """The partnership's reporting setting."""

    class Meta:
        model = ReportingSettings
        fields = ("id", "share_partnership_totals", "note", *BOOKKEEPING)


class ReportingSettingsViewSet(ScopedModelViewSet):
    """The partnership's reporting setting: read and changed by the shared-service manager;
    never added (there is one) nor deleted."""

    model = ReportingSettings
    serializer_class = ReportingSettingsSerializer
    filterset_class = ReportingSettingsFilterSet
    ordering_fields = ("id",)
    http_method_names = ["get", "put", "patch", "head", "options"]


routes: list[Any] = [
    ("kpis", KpiFigureViewSet, "kpifigure"),
    ("reporting-settings", ReportingSettingsViewSet, "reportingsettings"),
]

urlpatterns: list[Any] = []
