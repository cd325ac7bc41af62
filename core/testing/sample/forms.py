"""Forms of the sample app's pages (a test-only app). Every dropdown is scoped
(core.forms.ScopedModelForm)."""

from __future__ import annotations

from typing import Any

from django import forms

from core.forms import ScopedModelForm
from core.testing.sample.models import Errand, Notice, Pact, Room, RoomType


class RoomForm(ScopedModelForm):
    """A room, in one of the councils where the person may add (or change) rooms."""

    class Meta:
        model = Room
        fields = [
            "partner",
            "code",
            "name",
            "room_type",
            "address",
            "postcode",
            "uprn",
            "is_active",
        ]
        labels = {"room_type": "Type of room"}
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["room_type"].widget.attrs["data-concord-autocomplete"] = "true"
        self.fields["postcode"].widget.attrs["class"] += " govuk-input--width-10"
        self.fields["uprn"].widget.attrs["class"] += " govuk-input--width-20"


class RoomTypeForm(ScopedModelForm):
    """A kind of room, shared by every council."""

    class Meta:
        model = RoomType
        fields = ["name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class PactForm(ScopedModelForm):
    """A pact and the councils' shares in it (the generic owner shares of a co-owned record:
    core.forms.OwnerSharesMixin)."""

    class Meta:
        model = Pact
        fields = ["reference", "title", "starts_on", "ends_on", "summary"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 4})}


class ErrandForm(ScopedModelForm):
    """An errand; whoever adds it asks for it (its requester: core.forms.author_of)."""

    class Meta:
        model = Errand
        fields = ["partner", "title", "notes"]


class NoticeForm(ScopedModelForm):
    """A notice and the councils it is for (core.forms.AudienceMixin)."""

    class Meta:
        model = Notice
        fields = ["title", "body", "for_all_councils"]
        widgets = {"body": forms.Textarea(attrs={"rows": 4})}
