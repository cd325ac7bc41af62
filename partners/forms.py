"""Forms of the councils and people pages. Every dropdown is scoped (core.forms.ScopedModelForm)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation

from core.forms import ScopedForm, ScopedModelForm
from core.tenancy.choices import CouncilRole
from core.tenancy.models import Membership, Partner, User
from core.tenancy.validators import email_validator
from partners.services import add_person, give_role, set_roles


class PartnerForm(ScopedModelForm):
    """A council's details; setting "left on" makes it a former partner from that day."""

    class Meta:
        model = Partner
        fields = ["code", "name", "gss_code", "nation", "joined_on", "left_on"]


NEW, EXISTING = "new", "existing"


class AddPersonForm(ScopedForm):
    """Add a council's person: their account and their role in that council."""

    scope_model = Membership

    partner = forms.ModelChoiceField(queryset=Partner.objects.none(), label="Council")
    who = forms.ChoiceField(
        choices=[
            (NEW, "Someone new to Concord"),
            (
                EXISTING,
                "Someone who already has a Concord account (for example in another council)",
            ),
        ],
        widget=forms.RadioSelect,
        required=False,
        initial=NEW,
        label="Is this person new to Concord?",
    )
    username = forms.CharField(
        max_length=150,
        help_text="How they sign in, for example wcc.jsmith. Letters, digits and @ . + - _ only. "
        "For someone who already has an account, their username: their name, email and password "
        "stay as they are.",
    )
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    email = forms.EmailField(
        required=False,
        label="Email address",
        error_messages={"invalid": email_validator.message},
    )
    role = forms.ChoiceField(choices=CouncilRole.choices, widget=forms.RadioSelect)
    password = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        strip=False,
        help_text="Without one they cannot sign in until a password is set for them.",
    )

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"].strip()
        existing = User.objects.filter(username=username).first()
        if self.data.get("who") == EXISTING:
            if existing is None or not existing.is_active:
                raise forms.ValidationError(
                    f"No one signs in as “{username}”. Choose “Someone new to Concord” to "
                    "create their account."
                )
            self.existing_user = existing
        elif existing is not None:
            raise forms.ValidationError(
                f"Someone already signs in as “{username}”. To give them a role in this "
                "council, choose “Someone who already has a Concord account”."
            )
        return username

    def clean_password(self) -> str:
        password: str = self.cleaned_data.get("password") or ""
        if password and self.data.get("who") == EXISTING:
            raise forms.ValidationError(
                "Someone who already has an account keeps their password: leave this empty."
            )
        if password:
            probe = User(
                username=self.data.get("username", ""),
                first_name=self.data.get("first_name", ""),
                last_name=self.data.get("last_name", ""),
                email=self.data.get("email", ""),
            )
            password_validation.validate_password(password, probe)
        return password

    def save(self) -> Membership:
        data = self.cleaned_data
        existing = getattr(self, "existing_user", None)
        if data.get("who") == EXISTING and existing is not None:
            return give_role(data["partner"], existing, data["role"])
        user = add_person(
            data["partner"],
            data["username"],
            data["first_name"],
            data["last_name"],
            data["email"],
            data["role"],
            data["password"] or None,
        )
        return Membership.objects.owned_by(data["partner"]).get(user=user, role=data["role"])


class MembershipRolesForm(ScopedForm):
    """Change the roles a person holds in one council (untick them all to remove the person)."""

    roles = forms.MultipleChoiceField(
        choices=CouncilRole.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Roles in this council",
    )

    def __init__(self, *args: Any, instance: Membership, **kwargs: Any) -> None:
        super().__init__(*args, instance=instance, **kwargs)
        self.membership = instance
        held = Membership.objects.owned_by(instance.partner).filter(user_id=instance.user_id)
        self.fields["roles"].initial = list(held.values_list("role", flat=True))
        self.fields["roles"].help_text = (
            f"{instance.user.display_name} in {instance.partner.name}. "
            "Untick every role to remove them from the council."
        )

    def save(self) -> Membership | None:
        kept = set_roles(self.membership.user, self.membership.partner, self.cleaned_data["roles"])
        for membership in kept:
            if membership.pk == self.membership.pk:
                return membership
        return kept[0] if kept else None
