"""Forms of the licences' pages. Every dropdown is scoped (core.forms.ScopedModelForm)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from core.forms import ScopedModelForm
from core.tenancy.access import people_visible_to
from licences.models import Installation, LicenceAgreement, LicenceAssignment, SoftwareProduct


class SoftwareProductForm(ScopedModelForm):
    """A software product, shared by every council."""

    class Meta:
        model = SoftwareProduct
        fields = ["name", "publisher", "eol_product", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class LicenceAgreementForm(ScopedModelForm):
    """A licence agreement and the councils' shares in it (the generic owner shares of a
    co-owned record: core.forms.OwnerSharesMixin)."""

    class Meta:
        model = LicenceAgreement
        fields = [
            "reference",
            "product",
            "kind",
            "quantity",
            "unit_cost",
            "supplier",
            "starts_on",
            "ends_on",
            "renewal_on",
            "remind_days",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].widget.attrs["data-concord-autocomplete"] = "true"


class LicenceAssignmentForm(ScopedModelForm):
    """A seat of an agreement for one of the council's people or devices. The quota is
    checked by the model (licences.services.take_seat), so the page refuses the seat past the
    last."""

    unscoped_choices = {"person": "people"}

    class Meta:
        model = LicenceAssignment
        fields = ["partner", "agreement", "person", "device", "assigned_on", "note"]
        labels = {"partner": "Council"}

    def people(self, user: Any) -> QuerySet[Any]:
        return people_visible_to(user).filter(is_active=True).order_by("username")


class InstallationForm(ScopedModelForm):
    """A product found on one of the council's devices."""

    class Meta:
        model = Installation
        fields = ["partner", "device", "product", "product_version", "detected_on", "source"]
        labels = {"partner": "Council"}
