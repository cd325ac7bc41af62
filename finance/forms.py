"""Forms of the finance ledger's pages. Every dropdown is scoped (core.forms.ScopedModelForm)."""

from __future__ import annotations

from typing import Any

from django import forms

from core.forms import ScopedModelForm
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
from finance.services import audience_problem


class FinancialYearForm(ScopedModelForm):
    """A financial year (April to March unless the councils agree otherwise)."""

    class Meta:
        model = FinancialYear
        fields = ["name", "starts_on", "ends_on"]


class CostCentreForm(ScopedModelForm):
    """A council's cost centre."""

    class Meta:
        model = CostCentre
        fields = ["partner", "code", "name"]


class LedgerCodeForm(ScopedModelForm):
    """Where a council books its share of a category of cost."""

    class Meta:
        model = LedgerCode
        fields = ["partner", "category", "spend_type", "cost_centre", "account_code"]


class BudgetForm(ScopedModelForm):
    """A budget; a change of its amount is kept as a revision, with the reason given."""

    reason = forms.CharField(
        label="Reason for the figure",
        max_length=300,
        required=False,
        help_text="Kept with the figure in the budget's revisions, like Original budget or "
        "Growth agreed at Cabinet.",
    )

    class Meta:
        model = Budget
        fields = ["partner", "year", "cost_centre", "spend_type", "amount"]


class BudgetRevisionForm(ScopedModelForm):
    """A revision of a budget; saving it changes the budget's amount to it."""

    class Meta:
        model = BudgetRevision
        fields = ["budget", "amount", "reason", "revised_on"]


class CostLineForm(ScopedModelForm):
    """A cost, and who bears it: one council, or the councils that share it."""

    class Meta:
        model = CostLine
        fields = [
            "reference",
            "description",
            "amount",
            "incurred_on",
            "period_start",
            "period_end",
            "category",
            "spend_type",
            "supplier",
            "is_shared",
            "for_all_councils",
            "cost_centre",
            "rule",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["supplier"].widget.attrs["data-concord-autocomplete"] = "true"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.audience_fields and not self.has_error("councils"):
            problem = audience_problem(
                bool(cleaned.get("is_shared")),
                cleaned.get("cost_centre"),
                self.audience,
                bool(self.instance.for_all_councils),
            )
            if problem:
                self.add_error("councils", problem)
        return cleaned


class ApportionmentRuleForm(ScopedModelForm):
    """A rule: its method, the category it is the default for, and when it applies."""

    class Meta:
        model = ApportionmentRule
        fields = ["name", "method", "category", "valid_from", "valid_to", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class RuleComponentForm(ScopedModelForm):
    """A driver a rule reads, and its weight."""

    class Meta:
        model = RuleComponent
        fields = ["rule", "driver", "weight"]


class RuleShareForm(ScopedModelForm):
    """A council's share under a rule of fixed percentages."""

    class Meta:
        model = RuleShare
        fields = ["partner", "rule", "percent"]


class DriverFigureForm(ScopedModelForm):
    """A driver figure a council or the service enters (it wins over a measured one)."""

    class Meta:
        model = DriverFigure
        fields = ["partner", "driver", "period_start", "period_end", "value", "note"]
