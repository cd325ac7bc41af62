"""Forms of the contracts pages. Every dropdown is scoped (core.forms.ScopedModelForm)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from contracts.models import (
    BreakClause,
    Contract,
    ContractExtension,
    ContractSettings,
    ExitMilestone,
    ExitPlan,
    Kpi,
    KpiMeasure,
    ServiceCredit,
    Supplier,
    SupplierContact,
)
from core.forms import ScopedForm, ScopedModelForm
from core.tenancy.access import people_visible_to


def people(user: Any) -> QuerySet[Any]:
    """The people `user` can see, active ones, by username."""
    return people_visible_to(user).filter(is_active=True).order_by("username")


class CpvCodesField(forms.CharField):
    """CPV codes typed as one line, separated by commas or spaces; kept as a list."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return ", ".join(value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [code for code in text.replace(",", " ").split() if code]


class SupplierForm(ScopedModelForm):
    website = forms.URLField(required=False, assume_scheme="https", max_length=200)

    class Meta:
        model = Supplier
        fields = [
            "name",
            "companies_house_number",
            "charity_number",
            "is_sme",
            "is_vcse",
            "address",
            "postcode",
            "email",
            "phone",
            "website",
        ]
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}


class SupplierContactForm(ScopedModelForm):
    class Meta:
        model = SupplierContact
        fields = ["supplier", "name", "role", "email", "phone"]


class ContractForm(ScopedModelForm):
    """A contract and the councils' shares in it (core.forms.OwnerSharesMixin)."""

    unscoped_choices = {"owner": "people"}

    cpv_codes = CpvCodesField(
        label="CPV codes",
        required=False,
        help_text="Common Procurement Vocabulary codes separated by commas, like 72253000-3.",
    )

    class Meta:
        model = Contract
        fields = [
            "reference",
            "title",
            "description",
            "supplier",
            "department",
            "owner",
            "total_value",
            "annual_value",
            "irrecoverable_vat",
            "start_date",
            "initial_term_months",
            "notice_months",
            "renewal",
            "renewal_period_months",
            "review_date",
            "procurement_route",
            "cpv_codes",
            "status",
            "notice_given_on",
            "terminated_on",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def people(self, user: Any) -> QuerySet[Any]:
        return people(user)


class ContractExtensionForm(ScopedModelForm):
    class Meta:
        model = ContractExtension
        fields = ["contract", "sequence", "months", "exercised", "exercised_on", "note"]


class BreakClauseForm(ScopedModelForm):
    class Meta:
        model = BreakClause
        fields = ["contract", "break_date", "notice_months", "note"]


class ContractSettingsForm(ScopedModelForm):
    class Meta:
        model = ContractSettings
        fields = ["partner", "ocid_prefix", "reminder_days"]
        labels = {"partner": "Council"}


class ExitPlanForm(ScopedModelForm):
    unscoped_choices = {"owner": "people"}

    class Meta:
        model = ExitPlan
        fields = ["contract", "summary", "successor", "owner"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 4})}

    def people(self, user: Any) -> QuerySet[Any]:
        return people(user)


class ExitMilestoneForm(ScopedModelForm):
    unscoped_choices = {"owner": "people"}

    class Meta:
        model = ExitMilestone
        fields = ["plan", "kind", "title", "owner", "due_date", "rag", "done_on", "notes"]
        labels = {"plan": "Exit plan"}
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def people(self, user: Any) -> QuerySet[Any]:
        return people(user)


class KpiForm(ScopedModelForm):
    class Meta:
        model = Kpi
        fields = ["contract", "name", "unit", "target", "higher_is_better", "amber_margin"]


class KpiMeasureForm(ScopedModelForm):
    class Meta:
        model = KpiMeasure
        fields = ["kpi", "month", "value", "note"]
        labels = {"kpi": "KPI"}


class ServiceCreditForm(ScopedModelForm):
    class Meta:
        model = ServiceCredit
        fields = ["contract", "kpi", "month", "amount", "reason"]


class AsOfForm(ScopedForm):
    """The day the dates are worked out as of (today when empty)."""

    on = forms.DateField(label="As of", required=False, help_text="For example, 2027-03-31.")


class DecisionsFilter(ScopedForm):
    """How far ahead the decisions-due list looks."""

    within = forms.IntegerField(
        label="Due within (days)",
        min_value=1,
        max_value=3650,
        required=False,
        help_text="Decisions overdue are always shown.",
    )


class NoticeForm(ScopedForm):
    """Notice to end a contract, given on a day."""

    given_on = forms.DateField(label="Notice given on", help_text="For example, 2026-12-31.")


class TerminateForm(ScopedForm):
    """End a contract on a day (by agreement, or for breach)."""

    terminated_on = forms.DateField(label="Terminated on", help_text="For example, 2026-12-31.")


class MergeForm(ScopedForm):
    """Merge one supplier into another: every record naming it then names the other."""

    into = forms.ModelChoiceField(
        label="Merge into",
        queryset=Supplier.objects.none(),
        help_text="The supplier to keep. Every record naming this one will name it instead.",
    )

    def __init__(self, *args: Any, supplier: Supplier, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["into"]
        field.queryset = (
            Supplier.objects.visible_to(self.user).exclude(pk=supplier.pk).order_by("name")
        )
