"""Pages of the finance ledger (see finance/urls.py): financial years, cost centres, ledger
codes, budgets and their revisions, cost lines (and their import), apportionment rules with
their drivers and shares, and driver figures. Each model's pages are the generic ones
(core.views.generic); the hooks call `finance.services`.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString

from core.tables import display_value
from core.views.generic import ModelViews, Related
from finance.choices import FigureSource
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
from finance.forms import (
    ApportionmentRuleForm,
    BudgetForm,
    BudgetRevisionForm,
    CostCentreForm,
    CostLineForm,
    DriverFigureForm,
    FinancialYearForm,
    LedgerCodeForm,
    RuleComponentForm,
    RuleShareForm,
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
from finance.services import (
    revise_budget,
    rule_for,
    rule_problems,
    set_budget,
)
from finance.tables import (
    ApportionmentRuleTable,
    BudgetRevisionTable,
    BudgetTable,
    CostCentreTable,
    CostLineTable,
    DriverFigureTable,
    FinancialYearTable,
    LedgerCodeTable,
    RuleComponentTable,
    RuleShareTable,
)


class FinancialYearViews(ModelViews):
    """Financial years: a catalogue every signed-in person reads and the service keeps."""

    model = FinancialYear
    filterset_class = FinancialYearFilterSet
    table_class = FinancialYearTable
    form_class = FinancialYearForm
    nav_label = "Financial years"
    nav_group = "money"
    nav_order = 90


class CostCentreViews(ModelViews):
    """A council's cost centres."""

    model = CostCentre
    filterset_class = CostCentreFilterSet
    table_class = CostCentreTable
    form_class = CostCentreForm
    nav_label = "Cost centres"
    nav_order = 20
    on_council_page = True


class LedgerCodeViews(ModelViews):
    """Where each council books its share of each category."""

    model = LedgerCode
    filterset_class = LedgerCodeFilterSet
    table_class = LedgerCodeTable
    form_class = LedgerCodeForm
    nav_label = "Ledger codes"
    nav_order = 25


class BudgetViews(ModelViews):
    """Budgets per council, cost centre and year; every figure kept as a revision."""

    model = Budget
    filterset_class = BudgetFilterSet
    table_class = BudgetTable
    form_class = BudgetForm
    nav_label = "Budgets"
    nav_order = 10
    related = [Related("Revisions", BudgetRevision, "budget", BudgetRevisionTable, "budget")]

    @classmethod
    def save_form(cls, form: Any, request: HttpRequest, creating: bool) -> Any:
        reason = form.cleaned_data.get("reason") or ("Original budget" if creating else "")
        return set_budget(form.save(commit=False), reason)


class BudgetRevisionViews(ModelViews):
    """A budget's revisions: adding one changes the budget's figure."""

    model = BudgetRevision
    filterset_class = BudgetRevisionFilterSet
    table_class = BudgetRevisionTable
    form_class = BudgetRevisionForm

    @classmethod
    def save_form(cls, form: Any, request: HttpRequest, creating: bool) -> Any:
        if not creating:
            return form.save()
        data = form.cleaned_data
        return revise_budget(data["budget"], data["amount"], data["reason"], data["revised_on"])


class CostLineViews(ModelViews):
    """Costs: one council's, or the partnership's to apportion."""

    model = CostLine
    filterset_class = CostLineFilterSet
    table_class = CostLineTable
    form_class = CostLineForm
    nav_label = "Costs"
    nav_order = 30

    @classmethod
    def detail_rows(cls, obj: Any, request: HttpRequest) -> list[tuple[str, SafeString]]:
        rows = super().detail_rows(obj, request)
        # The contract, call-off or agreement it came from, if the reader may see it (another
        # council's own is neither named nor linked).
        source = None
        model = obj.source_type.model_class() if obj.source_type_id else None
        if model is not None and hasattr(model.objects, "visible_to"):
            source = model.objects.visible_to(request.user).filter(pk=obj.source_id).first()
        if source is not None:
            link = format_html(
                '<a class="govuk-link" href="{}">{}</a>', source.get_absolute_url(), source
            )
            rows.append(("Comes from", link))
        if obj.is_shared:
            rule = rule_for(obj)
            shown = display_value(rule) if rule else format_html("{}", "No rule applies yet")
            rows.append(("Split by", shown))
        return rows


class ApportionmentRuleViews(ModelViews):
    """Apportionment rules, with their drivers and (to each council its own) shares."""

    model = ApportionmentRule
    filterset_class = ApportionmentRuleFilterSet
    table_class = ApportionmentRuleTable
    form_class = ApportionmentRuleForm
    nav_label = "Apportionment rules"
    nav_group = "money"
    nav_order = 40
    related = [
        Related("Drivers", RuleComponent, "rule", RuleComponentTable, "rule"),
        Related("Councils' shares", RuleShare, "rule", RuleShareTable, "rule"),
    ]

    @classmethod
    def detail_rows(cls, obj: Any, request: HttpRequest) -> list[tuple[str, SafeString]]:
        rows = super().detail_rows(obj, request)
        problems = rule_problems(obj)
        if problems:
            rows.append(("Not ready", format_html("{}", " ".join(problems))))
        return rows


class RuleComponentViews(ModelViews):
    """The drivers a rule reads."""

    model = RuleComponent
    filterset_class = RuleComponentFilterSet
    table_class = RuleComponentTable
    form_class = RuleComponentForm


class RuleShareViews(ModelViews):
    """Each council's share under a fixed rule."""

    model = RuleShare
    filterset_class = RuleShareFilterSet
    table_class = RuleShareTable
    form_class = RuleShareForm
    nav_label = "Rule shares"
    nav_order = 45


class DriverFigureViews(ModelViews):
    """Driver figures: measured from the other apps, or entered (which win)."""

    model = DriverFigure
    filterset_class = DriverFigureFilterSet
    table_class = DriverFigureTable
    form_class = DriverFigureForm
    nav_label = "Driver figures"
    nav_order = 50

    @classmethod
    def save_form(cls, form: Any, request: HttpRequest, creating: bool) -> Any:
        # A figure a person types is entered, whatever it was before: it now wins.
        figure = form.save(commit=False)
        figure.source = FigureSource.ENTERED
        figure.save()
        return figure


urlpatterns: list[Any] = [
    *BudgetViews.urls(),
    *BudgetRevisionViews.urls(),
    *CostLineViews.urls(),
    *CostCentreViews.urls(),
    *LedgerCodeViews.urls(),
    *ApportionmentRuleViews.urls(),
    *RuleComponentViews.urls(),
    *RuleShareViews.urls(),
    *DriverFigureViews.urls(),
    *FinancialYearViews.urls(),
]


def nav_entries() -> list[Any]:
    """This part's pages in the navigation that are not a model's list: none (each model's
    list is in the navigation by its `nav_label`)."""
    return []


def home_needs(user: Any) -> list[Any]:
    """What of the ledger needs `user` on the home page: nothing yet (the recharge runs
    say what needs approving)."""
    return []
