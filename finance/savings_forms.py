"""Forms of the business case and savings pages. Every dropdown is scoped
(core.forms.ScopedModelForm); a business case's councils are the generic audience checkboxes."""

from __future__ import annotations

from django import forms

from core.forms import ScopedModelForm
from finance.models.savings import (
    BusinessCase,
    ImplementationCost,
    RealisedSaving,
    SavingsSplit,
    SavingsTarget,
)


class BusinessCaseForm(ScopedModelForm):
    """A business case and the councils it is for."""

    class Meta:
        model = BusinessCase
        fields = [
            "reference",
            "name",
            "description",
            "approved_on",
            "baseline_cost",
            "categories",
            "first_year",
            "status",
            "for_all_councils",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class SavingsTargetForm(ScopedModelForm):
    class Meta:
        model = SavingsTarget
        fields = ["business_case", "year", "cashable", "non_cashable", "note"]
        labels = {"year": "Financial year"}


class ImplementationCostForm(ScopedModelForm):
    class Meta:
        model = ImplementationCost
        fields = ["partner", "business_case", "amount", "description"]
        labels = {"partner": "Council"}


class SavingsSplitForm(ScopedModelForm):
    class Meta:
        model = SavingsSplit
        fields = ["partner", "business_case", "percent", "note"]
        labels = {"partner": "Council"}


class RealisedSavingForm(ScopedModelForm):
    """An entered measure of a saving (a measured one is worked out from costs, and may be
    corrected here: it is measured again when the costs change)."""

    class Meta:
        model = RealisedSaving
        fields = [
            "partner",
            "business_case",
            "year",
            "basis",
            "cashable",
            "non_cashable",
            "evidence",
        ]
        labels = {"partner": "Council", "year": "Financial year"}
        widgets = {"evidence": forms.Textarea(attrs={"rows": 3})}
