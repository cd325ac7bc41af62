"""Forms of the identity pages (core.forms.ScopedModelForm)."""

from __future__ import annotations

from typing import Any

from django import forms

from core.forms import ScopedModelForm
from identity.models import IdentityProvider


class IdentityProviderForm(ScopedModelForm):
    """A council's identity provider (or the shared service's own, with no council)."""

    issuer = forms.URLField(
        max_length=300,
        assume_scheme="https",
        help_text=IdentityProvider._meta.get_field("issuer").help_text,
    )

    class Meta:
        model = IdentityProvider
        fields = [
            "partner",
            "name",
            "slug",
            "issuer",
            "client_id",
            "secret_env",
            "client_secret",
            "scopes",
            "email_domains",
            "group_roles",
            "groups_claim",
            "enabled",
            "local_passwords",
        ]
        widgets = {
            "email_domains": forms.Textarea(attrs={"rows": 3}),
            "group_roles": forms.Textarea(attrs={"rows": 5}),
            "client_secret": forms.PasswordInput(render_value=False),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A secret already kept is never shown again; leaving the field empty keeps it.
        self._kept_secret = self.instance.client_secret if self.instance.pk else ""

    def clean_client_secret(self) -> str:
        return self.cleaned_data.get("client_secret") or self._kept_secret
