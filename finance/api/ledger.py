"""API endpoints of the finance ledger (mounted under /api/v1/ by finance/api/urls.py)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.importing import (
    ImportResultSerializer,
    import_form_error_response,
    import_result_response,
)
from core.api.viewsets import ScopedModelViewSet
from core.importing.result import ImportResult, RowError
from core.tenancy.access import ADD, IMPORT, access_for
from finance.api.serializers import (
    ApportionmentRuleSerializer,
    BudgetRevisionSerializer,
    BudgetSerializer,
    CostCentreSerializer,
    CostLineSerializer,
    DriverFigureSerializer,
    FinancialYearSerializer,
    LedgerCodeSerializer,
    RuleComponentSerializer,
    RuleShareSerializer,
)
from finance.filtersets import (
    ApportionmentRuleFilterSet,
    BudgetFilterSet,
    BudgetRevisionFilterSet,
    CostCentreFilterSet,
    CostLineFilterSet,
    DriverFigureFilterSet,
    FinancialYearFilterSet,
    LedgerCodeFilterSet,
    RuleComponentFilterSet,
    RuleShareFilterSet,
)
from finance.ledger_import import import_cost_lines
from finance.models.ledger import (
    ApportionmentRule,
    Budget,
    BudgetRevision,
    CostCentre,
    CostLine,
    DriverFigure,
    FinancialYear,
    LedgerCode,
    RuleComponent,
    RuleShare,
)
from finance.services import check_can_delete


class FinancialYearViewSet(ScopedModelViewSet):
    """Financial years (catalogue)."""

    model = FinancialYear
    serializer_class = FinancialYearSerializer
    filterset_class = FinancialYearFilterSet
    ordering_fields = ("name", "starts_on", "ends_on")


class CostCentreViewSet(ScopedModelViewSet):
    """Each council's cost centres."""

    model = CostCentre
    serializer_class = CostCentreSerializer
    filterset_class = CostCentreFilterSet
    ordering_fields = ("code", "name")


class LedgerCodeViewSet(ScopedModelViewSet):
    """Where each council books its share of each category of cost."""

    model = LedgerCode
    serializer_class = LedgerCodeSerializer
    filterset_class = LedgerCodeFilterSet
    ordering_fields = ("account_code", "category", "spend_type")


class BudgetViewSet(ScopedModelViewSet):
    """Budgets per council, cost centre, year and spend type."""

    model = Budget
    serializer_class = BudgetSerializer
    filterset_class = BudgetFilterSet
    ordering_fields = ("amount", "spend_type")


class BudgetRevisionViewSet(ScopedModelViewSet):
    """Every figure each budget has had."""

    model = BudgetRevision
    serializer_class = BudgetRevisionSerializer
    filterset_class = BudgetRevisionFilterSet
    ordering_fields = ("revised_on", "amount")


class CostLineImportRequest(serializers.Serializer):
    """A file of cost lines (finance.ledger_import) and whether only to check it."""

    file = serializers.FileField()
    dry_run = serializers.BooleanField(default=True)


class CostLineViewSet(ScopedModelViewSet):
    """Costs: one council's, or shared between the councils it names."""

    model = CostLine
    serializer_class = CostLineSerializer
    filterset_class = CostLineFilterSet
    ordering_fields = ("incurred_on", "amount", "description", "reference", "category")

    def perform_destroy(self, instance: Any) -> None:
        try:
            check_can_delete(instance)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(serializers.as_serializer_error(exc)) from exc
        super().perform_destroy(instance)

    @extend_schema(
        request={"multipart/form-data": CostLineImportRequest},
        # Answered in the shape of every import (core.api.importing): the same result, the
        # same 400s naming row and column.
        responses={200: ImportResultSerializer, 400: ImportResultSerializer},
        description=(
            "Import a CSV or XLSX file of cost lines (councils by code, cost centre by code "
            "within the row's council, supplier and rule by name). `dry_run=true` (the "
            "default) checks every row and changes nothing; `dry_run=false` writes every row, "
            "or none when any row has a problem: a 400 listing each problem's row and column."
        ),
    )
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser])
    def import_file(self, request: Request) -> Response:
        access = access_for(request.user)
        if not (access.can(IMPORT, CostLine.area) and access.can(ADD, CostLine.area)):
            raise PermissionDenied()
        body = CostLineImportRequest(data=request.data)
        if not body.is_valid():
            return import_form_error_response(body)
        upload = body.validated_data["file"]
        dry_run = body.validated_data["dry_run"]
        found = import_cost_lines(upload, upload.name, request.user, dry_run=dry_run)
        errors = [RowError(row=p.row, column=p.column, message=p.message) for p in found.problems]
        result = ImportResult(
            total_rows=found.total_rows,
            created=0 if errors else found.created,
            updated=0,
            errors=errors,
            dry_run=dry_run,
        )
        return import_result_response(result)


class ApportionmentRuleViewSet(ScopedModelViewSet):
    """Apportionment rules (catalogue)."""

    model = ApportionmentRule
    serializer_class = ApportionmentRuleSerializer
    filterset_class = ApportionmentRuleFilterSet
    ordering_fields = ("name", "method", "valid_from")


class RuleComponentViewSet(ScopedModelViewSet):
    """The drivers of driver and mixed rules."""

    model = RuleComponent
    serializer_class = RuleComponentSerializer
    filterset_class = RuleComponentFilterSet
    ordering_fields = ("driver", "weight")


class RuleShareViewSet(ScopedModelViewSet):
    """Each council's share under fixed rules (a council sees only its own)."""

    model = RuleShare
    serializer_class = RuleShareSerializer
    filterset_class = RuleShareFilterSet
    ordering_fields = ("percent",)


class DriverFigureViewSet(ScopedModelViewSet):
    """Driver figures per council and period."""

    model = DriverFigure
    serializer_class = DriverFigureSerializer
    filterset_class = DriverFigureFilterSet
    ordering_fields = ("period_start", "period_end", "value", "driver")


routes = [
    ("financial-years", FinancialYearViewSet, "financialyear"),
    ("cost-centres", CostCentreViewSet, "costcentre"),
    ("ledger-codes", LedgerCodeViewSet, "ledgercode"),
    ("budgets", BudgetViewSet, "budget"),
    ("budget-revisions", BudgetRevisionViewSet, "budgetrevision"),
    ("cost-lines", CostLineViewSet, "costline"),
    ("apportionment-rules", ApportionmentRuleViewSet, "apportionmentrule"),
    ("rule-components", RuleComponentViewSet, "rulecomponent"),
    ("rule-shares", RuleShareViewSet, "ruleshare"),
    ("driver-figures", DriverFigureViewSet, "driverfigure"),
]
