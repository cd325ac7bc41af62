"""Forms of the asset pages. Every dropdown is scoped (core.forms.ScopedModelForm)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from assets.choices import DisposalMethod, LifecycleState
from assets.models import (
    Asset,
    CIRelationship,
    ConfigurationItem,
    HardwareModel,
    Manufacturer,
    StocktakePolicy,
)
from assets.services import MAX_DEPTH
from core.forms import ScopedForm, ScopedModelForm
from core.tenancy.access import people_visible_to


def people(user: Any) -> QuerySet[Any]:
    """The people `user` can see, active ones, by username."""
    return people_visible_to(user).filter(is_active=True).order_by("username")


class ManufacturerForm(ScopedModelForm):
    class Meta:
        model = Manufacturer
        fields = ["name"]


class HardwareModelForm(ScopedModelForm):
    class Meta:
        model = HardwareModel
        fields = ["manufacturer", "name", "kind", "model_number", "end_of_life"]


class AssetForm(ScopedModelForm):
    """An asset and the councils' shares in it (one council: a 100% share)."""

    unscoped_choices = {"assigned_to": "people"}

    class Meta:
        model = Asset
        fields = [
            "kind",
            "asset_tag",
            "serial_number",
            "name",
            "hardware_model",
            "os_name",
            "os_version",
            "assigned_to",
            "site",
            "purchased_on",
            "purchase_cost",
            "order_number",
            "supplier",
            "warranty_ends",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("hardware_model", "assigned_to", "site"):
            self.fields[name].widget.attrs["data-concord-autocomplete"] = "true"

    def people(self, user: Any) -> QuerySet[Any]:
        return people(user)


class StocktakePolicyForm(ScopedModelForm):
    class Meta:
        model = StocktakePolicy
        fields = ["partner", "kind", "check_every_months", "note"]
        labels = {"partner": "Council"}


class ConfigurationItemForm(ScopedModelForm):
    """A configuration item and the councils' shares in it."""

    unscoped_choices = {"owner": "people"}

    class Meta:
        model = ConfigurationItem
        fields = ["name", "kind", "description", "asset", "owner", "is_live"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def people(self, user: Any) -> QuerySet[Any]:
        return people(user)


class CIRelationshipForm(ScopedModelForm):
    class Meta:
        model = CIRelationship
        fields = ["source", "kind", "target", "note"]
        labels = {"source": "Item", "target": "Related item"}


# Actions on an asset's page -------------------------------------------------------------


class MoveForm(ScopedForm):
    """Move an asset to another lifecycle state (disposal needs its record)."""

    to_state = forms.ChoiceField(label="Move to", choices=LifecycleState.choices)
    note = forms.CharField(label="Note", max_length=200, required=False)
    disposal_method = forms.ChoiceField(
        label="Disposal method",
        choices=[("", "Choose (only when disposing)"), *DisposalMethod.choices],
        required=False,
        help_text="Only when moving to disposed.",
    )
    certificate_reference = forms.CharField(
        label="Disposal certificate reference",
        max_length=100,
        required=False,
        help_text="Only when moving to disposed: the certificate proving the disposal.",
    )


class SightingForm(ScopedForm):
    """Record an asset as seen at a stock-take."""

    location = forms.CharField(
        label="Where it was seen", max_length=200, required=False, help_text="Room, desk or rack."
    )


class ImpactForm(forms.Form):
    """How far to walk the graph."""

    depth = forms.IntegerField(
        label="Depth",
        min_value=1,
        max_value=MAX_DEPTH,
        initial=3,
        help_text="Steps to follow.",
        error_messages=dict.fromkeys(
            ("invalid", "min_value", "max_value", "required"),
            f"Enter a depth from 1 to {MAX_DEPTH}",
        ),
    )


class HorizonForm(forms.Form):
    """How far ahead the end-of-support report looks."""

    months = forms.IntegerField(
        label="Support ending within (months)",
        min_value=0,
        max_value=120,
        initial=12,
        help_text="Systems already out of support are always listed.",
        error_messages=dict.fromkeys(
            ("invalid", "min_value", "max_value", "required"),
            "Enter a number of months from 0 to 120",
        ),
    )
