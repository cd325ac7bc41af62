"""API of business cases and savings, and of budget against actual
(`GET /api/v1/budget-report/?year=2026/27`). Mounted from finance/api/urls.py."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.viewsets import ScopedModelViewSet
from core.tenancy.access import VIEW, access_for
from core.tenancy.models import Partner
from finance.api.savings_serializers import (
    BudgetReportSerializer,
    BusinessCaseSerializer,
    ImplementationCostSerializer,
    RealisedSavingSerializer,
    SavingsSplitSerializer,
    SavingsTargetSerializer,
)
from finance.budget_report import budget_report
from finance.models.savings import (
    BusinessCase,
    ImplementationCost,
    RealisedSaving,
    SavingsSplit,
    SavingsTarget,
)
from finance.savings_filtersets import (
    BusinessCaseFilterSet,
    ImplementationCostFilterSet,
    RealisedSavingFilterSet,
    SavingsSplitFilterSet,
    SavingsTargetFilterSet,
)


class BusinessCaseViewSet(ScopedModelViewSet):
    """Business cases (for the councils they are for)."""

    model = BusinessCase
    serializer_class = BusinessCaseSerializer
    filterset_class = BusinessCaseFilterSet
    ordering_fields = ("reference", "name", "baseline_cost")


class SavingsTargetViewSet(ScopedModelViewSet):
    """Savings targets per business case and year."""

    model = SavingsTarget
    serializer_class = SavingsTargetSerializer
    filterset_class = SavingsTargetFilterSet
    ordering_fields = ("cashable",)


class ImplementationCostViewSet(ScopedModelViewSet):
    """Each council's one-off implementation costs of a business case."""

    model = ImplementationCost
    serializer_class = ImplementationCostSerializer
    filterset_class = ImplementationCostFilterSet
    ordering_fields = ("amount",)


class SavingsSplitViewSet(ScopedModelViewSet):
    """Each council's share of a business case's savings (a council sees its own)."""

    model = SavingsSplit
    serializer_class = SavingsSplitSerializer
    filterset_class = SavingsSplitFilterSet
    ordering_fields = ("percent",)


class RealisedSavingViewSet(ScopedModelViewSet):
    """Savings realised per council and year, measured or entered."""

    model = RealisedSaving
    serializer_class = RealisedSavingSerializer
    filterset_class = RealisedSavingFilterSet
    ordering_fields = ("cashable",)


def _plain(value: str) -> str:
    """A name or code as typed, or "" for one no record could have (control characters,
    which PostgreSQL refuses in a query, or far too long)."""
    value = value.strip()
    if len(value) > 50 or any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        return ""
    return value


def _money(value: Any) -> str | None:
    return None if value is None else f"{value:.2f}"


class BudgetReportView(APIView):
    """``GET /api/v1/budget-report/?year=2026/27`` (and ``council=<code>``): budget against
    actual per council and cost centre: budget, own costs, recharged share, actual to date,
    forecast to the year end from the run rate, variance (docs/finance.md). A council's
    people see their own council's figures only."""

    @extend_schema(
        parameters=[
            OpenApiParameter("year", OpenApiTypes.STR, required=True, description="Like 2026/27."),
            OpenApiParameter("council", OpenApiTypes.STR, description="A council's code."),
        ],
        responses=BudgetReportSerializer,
    )
    def get(self, request: Request) -> Response:
        if not access_for(request.user).can(VIEW, "finance"):
            raise PermissionDenied
        errors: dict[str, list[str]] = {}
        year_model = apps.get_model("finance", "FinancialYear")
        name = _plain(request.query_params.get("year", ""))
        year = (
            year_model.objects.visible_to(request.user).filter(name=name).first() if name else None
        )
        if year is None:
            errors["year"] = ["Give a financial year by its name, like 2026/27"]
        code = _plain(request.query_params.get("council", ""))
        partner = None
        if code:
            partner = Partner.objects.visible_to(request.user).filter(code__iexact=code).first()
            if partner is None:
                errors["council"] = ["Give the code of a council you can see, like wcc"]
        if errors or year is None:
            raise serializers.ValidationError(errors)
        report = budget_report(request.user, year, partner)
        data = {
            "year": year.name,
            "as_of": report.as_of,
            "counted_to": report.counted_to,
            "months_counted": report.months_counted,
            "councils": [
                {
                    "council": c.partner.code,
                    "name": c.partner.name,
                    "budget": _money(c.budget),
                    "actual": _money(c.actual),
                    "forecast": _money(c.forecast),
                    "variance": _money(c.variance),
                    "cost_centres": [
                        {
                            "cost_centre": r.cost_centre.code if r.cost_centre else None,
                            "name": r.cost_centre.name if r.cost_centre else r.label,
                            "budget": _money(r.budget),
                            "own_costs": _money(r.own),
                            "recharged": _money(r.recharged),
                            "actual": _money(r.actual),
                            "forecast": _money(r.forecast),
                            "variance": _money(r.variance),
                        }
                        for r in c.rows
                    ],
                }
                for c in report.councils
            ],
        }
        return Response(BudgetReportSerializer(data).data)


routes = [
    ("business-cases", BusinessCaseViewSet, "businesscase"),
    ("savings-targets", SavingsTargetViewSet, "savingstarget"),
    ("implementation-costs", ImplementationCostViewSet, "implementationcost"),
    ("savings-splits", SavingsSplitViewSet, "savingssplit"),
    ("realised-savings", RealisedSavingViewSet, "realisedsaving"),
]

urlpatterns = [path("budget-report/", BudgetReportView.as_view(), name="budget-report")]
