"""Identity providers (one per council, and the shared service's own), the people each has
signed in (their subject at the provider), and the sessions each person holds, so that ending a
person's access ends them at once.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models

from core.tenancy.choices import CouncilRole, ServiceRole
from core.tenancy.models import Partner
from core.tenancy.records import CatalogueModel

slug_validator = RegexValidator(
    r"^[a-z][a-z0-9-]{1,29}$",
    "Use 2 to 30 lower-case letters, digits or hyphens, starting with a letter.",
)
env_name_validator = RegexValidator(
    r"^[A-Z_][A-Z0-9_]{0,99}$",
    "Use capital letters, digits and underscores, as an environment variable's name is written.",
)


def split_lines(text: str) -> list[str]:
    """The non-empty lines (or comma-separated items) of `text`, stripped."""
    return [item.strip() for line in text.splitlines() for item in line.split(",") if item.strip()]


class IdentityProvider(CatalogueModel):
    """A council's identity provider (OpenID Connect), or the shared service's own (no council).

    A person signing in through it is a member of its council only, with the roles its
    ``group_roles`` give the groups its ID token names; through the shared service's own, a
    member of the shared service's staff with the service role its groups give.
    """

    partner = models.OneToOneField(
        Partner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="identity_provider",
        verbose_name="council",
        help_text="Leave empty for the shared service's own provider (its staff sign in there).",
        error_messages={"unique": "This council already has an identity provider"},
    )
    slug = models.CharField(
        "short name",
        max_length=30,
        unique=True,
        validators=[slug_validator],
        help_text="In the sign-in addresses registered with the provider, e.g. wcc.",
        error_messages={"unique": "Another identity provider already has this short name"},
    )
    name = models.CharField(
        max_length=200,
        help_text="The organisation on the sign-in button: 'Sign in with <name>'.",
    )
    issuer = models.URLField(
        max_length=300,
        help_text=(
            "The provider's issuer, exactly as its ID tokens name it, e.g. "
            "https://login.microsoftonline.com/<tenant id>/v2.0"
        ),
    )
    client_id = models.CharField("client ID", max_length=200)
    client_secret = models.CharField(
        max_length=500,
        blank=True,
        help_text="Only where the settings keep secrets in the database; otherwise name an "
        "environment variable below.",
    )
    secret_env = models.CharField(
        "environment variable holding the client secret",
        max_length=100,
        blank=True,
        validators=[env_name_validator],
    )
    scopes = models.CharField(max_length=200, default="openid email profile")
    email_domains = models.TextField(
        "allowed email domains",
        help_text="One a line, e.g. westminster.gov.uk. Nobody else may sign in through it.",
    )
    group_roles = models.TextField(
        "roles from groups",
        blank=True,
        help_text="One a line: the group's name or ID as the provider sends it, '=', a role "
        "(requester, lead, finance, procurement, auditor; for the shared service: agent, "
        "resolver, manager, finance, procurement).",
    )
    groups_claim = models.CharField(max_length=100, default="groups")
    enabled = models.BooleanField(default=True)
    local_passwords = models.BooleanField(
        "people may also sign in with a password",
        default=True,
        help_text="Untick to refuse passwords to the council's people (its break-glass "
        "accounts excepted: those who are also shared-service staff).",
    )

    area: ClassVar[str] = "identity"
    natural_key: ClassVar[str | None] = "slug"
    #: The secret is the server's business: never in the change log, exports or the API.
    change_log_omits: ClassVar[frozenset[str]] = frozenset({"client_secret"})

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def export_fields(cls) -> list[str]:
        return [name for name in super().export_fields() if name != "client_secret"]

    @property
    def is_service(self) -> bool:
        """The shared service's own provider (its staff sign in there)."""
        return self.partner_id is None

    def domains(self) -> list[str]:
        return [domain.lower().lstrip("@") for domain in split_lines(self.email_domains)]

    def role_map(self) -> dict[str, str]:
        """{group: role} from ``group_roles`` (checked by `clean`)."""
        mapping: dict[str, str] = {}
        for line in self.group_roles.splitlines():
            if line.strip():
                group, _, role = line.partition("=")
                mapping[group.strip()] = role.strip()
        return mapping

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        roles = ServiceRole.values if self.is_service else CouncilRole.values
        for number, line in enumerate(self.group_roles.splitlines(), start=1):
            if not line.strip():
                continue
            group, sign, role = line.partition("=")
            if not sign or not group.strip() or role.strip() not in roles:
                errors["group_roles"] = (
                    f"Line {number}: write a group, '=', then one of: {', '.join(roles)}"
                )
                break
        for domain in self.domains():
            if "." not in domain or any(c in domain for c in " /@"):
                errors["email_domains"] = f"'{domain}' is not an email domain"
                break
        if not self.domains():
            errors["email_domains"] = "Enter at least one email domain"
        keep = getattr(settings, "IDENTITY_SECRETS_IN_DATABASE", False)
        secret_field, variable_field = "client_secret", "secret_env"
        if self.client_secret and not keep:
            errors[secret_field] = (
                "This installation keeps secrets out of the database: leave this empty and "
                "name an environment variable instead"
            )
        if not self.client_secret and not self.secret_env:
            errors[variable_field] = "Name the environment variable that holds the client secret"
        if self.is_service:
            others = IdentityProvider.objects.unscoped("one provider for the shared service")
            if others.filter(partner__isnull=True).exclude(pk=self.pk).exists():
                errors["partner"] = (
                    "The shared service already has its own provider: choose a council"
                )
        if errors:
            raise ValidationError(errors)


class ExternalIdentity(models.Model):
    """A person as one provider knows them: its subject (``sub``) for them. A person is found
    by this link only, never by an email address another council's provider could also send."""

    provider = models.ForeignKey(IdentityProvider, on_delete=models.CASCADE, related_name="people")
    subject = models.CharField(max_length=255)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="external_identities"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_signed_in = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["provider", "subject"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "subject"], name="identity_unique_subject")
        ]

    def __str__(self) -> str:
        return f"{self.provider.slug}:{self.subject}"


class PersonSession(models.Model):
    """A session a person signed in to (its key), so that ending their access ends it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=True
    )
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.session_key[:6]}…"


def provider_named(slug: str) -> Any:
    """The enabled provider of `slug`, or None."""
    return (
        IdentityProvider.objects.unscoped("signing in: before anyone is known")
        .select_related("partner")
        .filter(slug=slug, enabled=True)
        .first()
    )


class SecondFactor(models.Model):
    """A person's authenticator app (TOTP, RFC 6238): asked of the shared service's own staff
    after their password (settings.IDENTITY_STAFF_SECOND_FACTOR). ``last_step`` is the last
    time step a code was accepted for, so that no code is accepted twice."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="second_factor"
    )
    #: The app's seed, sealed under the installation's secret key (identity/sealed.py).
    secret = models.CharField(max_length=255)
    confirmed_at = models.DateTimeField()
    last_step = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["user"]

    def __str__(self) -> str:
        return f"second factor of {self.user}"


class RecoveryCode(models.Model):
    """A one-use code that stands in for the authenticator app (kept hashed, as passwords are)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes"
    )
    code_hash = models.CharField(max_length=200)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["user", "pk"]

    def __str__(self) -> str:
        return f"recovery code of {self.user}"


class ScimToken(models.Model):
    """A council's SCIM bearer token (its SHA-256 only): it reaches that council's people and
    groups, and nothing else. Made on the provider's page, shown once."""

    provider = models.ForeignKey(
        IdentityProvider, on_delete=models.CASCADE, related_name="scim_tokens"
    )
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["provider", "created_at"]

    def __str__(self) -> str:
        return f"SCIM token of {self.provider.slug}"


class ScimResource(models.Model):
    """A person (``User``) or group (``Group``) a council's directory provisioned by SCIM: the
    resource as the directory last sent it (``data``), and, for a person, their account."""

    USER = "User"
    GROUP = "Group"

    provider = models.ForeignKey(
        IdentityProvider, on_delete=models.CASCADE, related_name="scim_resources"
    )
    kind = models.CharField(max_length=10, choices=[(USER, USER), (GROUP, GROUP)])
    scim_id = models.UUIDField(unique=True)
    #: A User's userName (as sent); a Group's displayName.
    name = models.CharField(max_length=255)
    #: The same, in lower case: userName is unique per council whatever its capitals.
    name_key = models.CharField(max_length=255)
    external_id = models.CharField(max_length=255, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="scim_resources",
    )
    data = models.JSONField(default=dict)
    #: A Group's members: the ids (scim_id) of its Users, kept beside `data` for lookups.
    members = models.ManyToManyField("self", symmetrical=False, related_name="member_of")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["provider", "kind", "name_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "name_key"],
                condition=models.Q(kind="User"),
                name="identity_scim_unique_username",
            )
        ]
        indexes = [models.Index(fields=["provider", "kind", "name_key"])]

    def __str__(self) -> str:
        return f"{self.provider.slug} {self.kind} {self.name}"
