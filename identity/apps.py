"""The identity app's configuration: a Concord app (core.apps.ConcordAppConfig) that offers
each council's provider on the sign-in page and refuses passwords where a council says so."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core.apps import ConcordAppConfig

if TYPE_CHECKING:
    from core.signin import SignInChoice


class IdentityConfig(ConcordAppConfig):
    """Councils' identity providers: single sign-on, memberships from the provider's claims."""

    name = "identity"
    verbose_name = "Identity"

    def ready(self) -> None:
        from core.tenancy.auth import PASSWORD_RULES
        from identity import services, signals  # noqa: F401  (signal handlers)

        if services.password_refused not in PASSWORD_RULES:
            PASSWORD_RULES.append(services.password_refused)

    def after_password(self, request: Any, user: Any) -> str | None:
        from django.urls import reverse

        from identity.factors import required

        return reverse("identity:second_factor") if required(user) else None

    def sign_in_choices(self, request: Any) -> list[SignInChoice]:
        from identity.services import sign_in_choices

        return sign_in_choices(request)
