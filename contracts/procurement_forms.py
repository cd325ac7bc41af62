"""Forms of the procurement pages. Every dropdown is scoped (core.forms.ScopedModelForm); a
framework's councils are the generic audience checkboxes (core.forms.AudienceMixin)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from contracts.procurement import (
    CallOff,
    CallOffLine,
    Framework,
    FrameworkExtension,
    FrameworkLot,
    LotSupplier,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseRequest,
    PurchaseRequestLine,
    PurchasingSettings,
)
from core.forms import ScopedForm, ScopedModelForm
from core.tenancy.access import people_visible_to


class FrameworkForm(ScopedModelForm):
    """A framework agreement and the councils that may call off from it."""

    class Meta:
        model = Framework
        fields = [
            "reference",
            "name",
            "description",
            "ceiling_value",
            "start_date",
            "term_months",
            "hold_over_ceiling",
            "for_all_councils",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class FrameworkExtensionForm(ScopedModelForm):
    class Meta:
        model = FrameworkExtension
        fields = ["framework", "sequence", "months", "exercised", "exercised_on", "note"]


class FrameworkLotForm(ScopedModelForm):
    class Meta:
        model = FrameworkLot
        fields = ["framework", "number", "title", "scope"]
        widgets = {"scope": forms.Textarea(attrs={"rows": 3})}


class LotSupplierForm(ScopedModelForm):
    class Meta:
        model = LotSupplier
        fields = ["lot", "supplier", "appointment_reference"]


class CallOffForm(ScopedModelForm):
    """A call-off: refused (beside the field at fault) from a framework the council may not
    call off from, from a supplier not on the lot, or past the ceiling."""

    class Meta:
        model = CallOff
        fields = [
            "partner",
            "reference",
            "lot",
            "supplier",
            "description",
            "deliverables",
            "value",
            "invoiced",
            "start_date",
            "end_date",
            "status",
        ]
        labels = {"partner": "Council"}
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "deliverables": forms.Textarea(attrs={"rows": 3}),
        }


class CallOffLineForm(ScopedModelForm):
    class Meta:
        model = CallOffLine
        fields = ["call_off", "role", "person_name", "day_rate", "days"]


class PurchasingSettingsForm(ScopedModelForm):
    class Meta:
        model = PurchasingSettings
        fields = ["partner", "applies_from", "approval_threshold", "note"]
        labels = {"partner": "Council"}


class PurchaseRequestForm(ScopedModelForm):
    """A purchase request; its lines are added on its page, then it is submitted."""

    unscoped_choices = {"requester": "people"}

    class Meta:
        model = PurchaseRequest
        fields = ["partner", "reference", "title", "requester", "supplier"]
        labels = {"partner": "Council"}

    def people(self, user: Any) -> QuerySet[Any]:
        return people_visible_to(user).filter(is_active=True).order_by("username")


class PurchaseRequestLineForm(ScopedModelForm):
    class Meta:
        model = PurchaseRequestLine
        fields = ["request", "description", "quantity", "unit_price", "is_hardware", "asset_kind"]


class PurchaseOrderForm(ScopedModelForm):
    """An order placed by hand (one made from requests comes from the "Order approved
    requests" page)."""

    class Meta:
        model = PurchaseOrder
        fields = ["reference", "supplier", "ordered_on", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


class PurchaseOrderLineForm(ScopedModelForm):
    class Meta:
        model = PurchaseOrderLine
        fields = ["order", "description", "quantity", "unit_price", "is_hardware", "asset_kind"]


class ReceiveForm(ScopedForm):
    """Goods received against an order line."""

    quantity = forms.IntegerField(
        label="How many were received",
        min_value=1,
        error_messages={
            "required": "Enter how many were received",
            "invalid": "Enter how many were received as a whole number, like 5",
            "min_value": "Enter 1 or more",
        },
    )
    received_on = forms.DateField(
        label="Received on",
        required=False,
        help_text="For example, 27 3 2026. Leave empty for today.",
        error_messages={"invalid": "Enter the date received as a real date, like 27 3 2026"},
    )
