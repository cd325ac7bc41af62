"""Forms of the estate pages. Every dropdown is scoped (core.forms.ScopedModelForm)."""

from __future__ import annotations

from typing import Any

from django import forms

from core.forms import ScopedModelForm
from estate.models import Agreement, Site, SiteType


class SiteForm(ScopedModelForm):
    """A site, in one of the councils where the person may add (or change) sites."""

    class Meta:
        model = Site
        fields = [
            "partner",
            "code",
            "name",
            "site_type",
            "address",
            "postcode",
            "uprn",
            "is_active",
        ]
        labels = {"site_type": "Type of site"}
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site_type"].widget.attrs["data-concord-autocomplete"] = "true"
        self.fields["postcode"].widget.attrs["class"] += " govuk-input--width-10"
        self.fields["uprn"].widget.attrs["class"] += " govuk-input--width-20"


class SiteTypeForm(ScopedModelForm):
    """A kind of building, shared by every council."""

    class Meta:
        model = SiteType
        fields = ["name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class AgreementForm(ScopedModelForm):
    """An agreement and the councils' shares in it (the generic owner shares of a co-owned
    record: core.forms.OwnerSharesMixin)."""

    class Meta:
        model = Agreement
        fields = ["reference", "title", "starts_on", "ends_on", "summary"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 4})}
