"""API endpoints of the finance ledger (mounted under /api/v1/ by finance/api/urls.py)."""

from __future__ import annotations

from core.api.viewsets import ScopedModelViewSet
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


class CostLineViewSet(ScopedModelViewSet):
    """Costs: one council's, or shared between the councils it names."""

    model = CostLine
    serializer_class = CostLineSerializer
    filterset_class = CostLineFilterSet
    ordering_fields = ("incurred_on", "amount", "description", "reference", "category")


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
