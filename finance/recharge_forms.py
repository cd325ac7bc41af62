"""Forms of the recharge pages: an adjustment, the period of a run, and the "what if" question
(a council joining or leaving). Every dropdown is scoped (core.forms)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django import forms

from core.forms import ScopedForm, ScopedModelForm
from core.tenancy.models import Partner
from finance.choices import Driver
from finance.models import RechargeAdjustment, RunStatus
from finance.recharging import month_end, period_problem

LENGTHS = [("month", "A month"), ("quarter", "A quarter (three months)")]


class RechargeAdjustmentForm(ScopedModelForm):
    """A correction of an approved run for one council, carried by the next run."""

    class Meta:
        model = RechargeAdjustment
        fields = ["partner", "corrects_run", "amount", "reason"]
        labels = {"partner": "Council"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["corrects_run"]
        field.queryset = field.queryset.filter(status=RunStatus.APPROVED)


class RunPeriodForm(ScopedForm):
    """The period of a run to make: the month it starts in, and a month or a quarter."""

    month = forms.DateField(
        label="First day of the period",
        help_text="The first day of a month, like 2026-04-01.",
        error_messages={
            "required": "Enter the first day of the period",
            "invalid": "Enter a date, like 2026-04-01",
        },
    )
    length = forms.ChoiceField(
        label="Length", choices=LENGTHS, initial="month", widget=forms.RadioSelect
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start = data.get("month")
        if start is not None and data.get("length"):
            if not datetime.date(1900, 1, 1) <= start <= datetime.date(9000, 1, 1):
                self.add_error("month", "Enter a date between the years 1900 and 9000")
                return data
            end = month_end(start)
            if data["length"] == "quarter":
                end = month_end(
                    month_end(month_end(start) + datetime.timedelta(days=1))
                    + datetime.timedelta(days=1)
                )
            problem = period_problem(start, end)
            if problem:
                self.add_error("month", problem)
            data["period_end"] = end
        return data


class WhatIfForm(ScopedForm):
    """A council joining (a current council already in, or a new one with its figures) or
    leaving, and the period to compare."""

    change = forms.ChoiceField(
        label="What changes",
        choices=[("leave", "A council leaves"), ("join", "A new council joins")],
        widget=forms.RadioSelect,
        initial="leave",
    )
    council = forms.ModelChoiceField(
        queryset=Partner.objects.none(),
        required=False,
        label="Council that leaves",
        help_text="It leaves at the start of the period.",
    )
    name = forms.CharField(label="Name of the council that joins", required=False, max_length=100)
    share = forms.DecimalField(
        label="Its share under fixed percentages (%)",
        required=False,
        min_value=Decimal(0),
        max_value=Decimal(100),
        decimal_places=2,
        help_text="The other councils' shares are scaled down to make room for it.",
    )
    month = forms.DateField(label="First day of the period", help_text="Like 2026-04-01.")
    length = forms.ChoiceField(
        label="Length", choices=LENGTHS, initial="month", widget=forms.RadioSelect
    )

    unscoped_choices = {"council": "councils"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        for driver in Driver:
            self.base_fields[f"driver_{driver.value}"] = forms.DecimalField(
                label=f"Its {driver.label.lower()}",
                required=False,
                min_value=Decimal(0),
                max_digits=16,
                decimal_places=2,
            )
        super().__init__(*args, **kwargs)

    def councils(self, user: Any) -> Any:
        return Partner.objects.visible_to(user).filter(left_on__isnull=True).order_by("name")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("change") == "leave" and not data.get("council"):
            self.add_error("council", "Choose the council that leaves")
        if data.get("change") == "join" and not (data.get("name") or "").strip():
            self.add_error("name", "Enter the name of the council that joins")
        start = data.get("month")
        if start is not None:
            if not datetime.date(1900, 1, 1) <= start <= datetime.date(9000, 1, 1):
                self.add_error("month", "Enter a date between the years 1900 and 9000")
                return data
            end = month_end(start)
            if data.get("length") == "quarter":
                end = month_end(
                    month_end(end + datetime.timedelta(days=1)) + datetime.timedelta(days=1)
                )
            problem = period_problem(start, end)
            if problem:
                self.add_error("month", problem)
            data["period_end"] = end
        return data

    def figures(self) -> dict[str, Decimal]:
        """The joining council's driver figures, by driver."""
        return {
            driver.value: self.cleaned_data.get(f"driver_{driver.value}") or Decimal(0)
            for driver in Driver
        }
