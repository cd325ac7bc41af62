"""Forms of the sample app's pages (a test-only app). Every dropdown is scoped
(core.forms.ScopedModelForm)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from core.forms import ScopedModelForm, govukify, group_error, writable_partners
from core.services import kept_owner_shares
from core.tenancy.access import ADD, CHANGE
from core.tenancy.models import Partner
from core.testing.sample.models import Pact, Room, RoomType


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
        labels = {"partner": "Council", "room_type": "Type of room"}
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
    """A pact and the councils' shares in it (percentages adding up to 100).

    The person edits the shares of the councils in which they may change pacts; the
    shares of every other owner are kept as they are (and count towards the 100%).
    """

    class Meta:
        model = Pact
        fields = ["reference", "title", "starts_on", "ends_on", "summary"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        creating = self.instance.pk is None
        action = ADD if creating else CHANGE
        self.editable_partners = list(writable_partners(self.user, action, Pact.area))
        editable_ids = {p.pk for p in self.editable_partners}
        existing = {s.partner_id: s for s in self.instance.owner_shares()}
        #: Shares this person cannot change: kept as they are.
        self.kept_shares = {
            s.partner: s.percentage for s in kept_owner_shares(self.instance, editable_ids)
        }
        for partner in self.editable_partners:
            share = existing.get(partner.pk)
            name = f"{partner.name}\u2019s share"
            self.fields[self.share_field(partner)] = forms.DecimalField(
                label=f"{partner.name} (%)",
                required=False,
                min_value=Decimal("0"),
                # No max_digits: max_value says it, and both would report one mistake twice.
                max_value=Decimal("100"),
                decimal_places=2,
                initial=share.percentage if share else None,
                help_text="Leave blank if this council is not an owner.",
                # A text input, as GOV.UK advises for numbers: a number input changes its value
                # under the mouse wheel and the arrow keys, and some speech software cannot use
                # it. inputmode still brings up a keypad with a decimal point.
                widget=forms.TextInput(attrs={"inputmode": "decimal"}),
                # Django fills in these messages with %-formatting: a "%" is written "%%".
                error_messages={
                    "invalid": f"Enter {name} as a number, like 25 or 12.5",
                    "min_value": f"{name} must be 0%% or more",
                    "max_value": f"{name} must be 100%% or less",
                    "max_decimal_places": f"{name} can have up to 2 decimal places",
                },
            )
        govukify(self)
        for partner in self.editable_partners:
            self.fields[self.share_field(partner)].widget.attrs["class"] += " govuk-input--width-5"
        self.shares: dict[Partner, Decimal] = {}

    @staticmethod
    def share_field(partner: Partner) -> str:
        return f"share_{partner.pk}"

    def visible_kept_shares(self) -> list[tuple[Partner, Decimal]]:
        """Shares of other councils that the person can see (shown, not editable)."""
        return [(p, pct) for p, pct in self.kept_shares.items()]

    def field_groups(self) -> dict[str, list[str]]:
        # The shares are filled in together, in the "Owners" fieldset: an error about them as a
        # whole (or set_owner_shares's on "owner_shares") is the fieldset's.
        return {"owner_shares": [self.share_field(p) for p in self.editable_partners]}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        share_fields = self.field_groups()["owner_shares"]
        if any(self.has_error(name) for name in share_fields):
            # A share that is not a percentage has its own error; a total of the others would
            # only be a second message about the same mistake.
            return cleaned
        shares: dict[Partner, Decimal] = dict(self.kept_shares)
        for partner in self.editable_partners:
            value = cleaned.get(self.share_field(partner))
            if value:
                shares[partner] = value
        total = sum(shares.values(), Decimal("0"))
        if not shares:
            raise group_error("owner_shares", "Give at least one council a share of the pact.")
        if total != Decimal("100"):
            raise group_error(
                "owner_shares",
                f"Owner shares must add up to 100%, not {format(total.normalize(), 'f')}%.",
            )
        self.shares = shares
        return cleaned
