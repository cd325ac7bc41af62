"""Who is who: people's accounts, the councils (partners) and the roles people hold in them.

The ground floor of Concord: every record is owned by these councils (core.tenancy.records),
and what a person may see and do follows from these roles (core.tenancy.access).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.tenancy.choices import CouncilRole, Nation, ServiceRole
from core.tenancy.records import ConcordModel, PartnerOwnedModel
from core.tenancy.scoping import ChangeLoggedWrites
from core.tenancy.validators import EmailAddressField, GssCodeField


class UserManager(DjangoUserManager.from_queryset(ChangeLoggedWrites)):  # type: ignore[misc]
    """Django's user manager, whose querysets refuse bulk writes: every change of an account
    is in the change log (core.changelog), which listens to saves and deletes only."""


class User(AbstractUser):
    """A person who signs in: shared-service staff (a service role) or a council's people."""

    service_role = models.CharField(
        max_length=20,
        choices=ServiceRole.choices,
        blank=True,
        help_text="Shared-service staff only: they work across every partner.",
    )

    objects: ClassVar[UserManager] = UserManager()

    email = EmailAddressField("email address", blank=True)

    #: Every write of an account leaves a change record: bulk writes are refused.
    change_logged: ClassVar[bool] = True
    #: A person's names and address keep to the text rule, as every record's text does.
    text_rules: ClassVar[bool] = True

    class Meta:
        ordering = ["username"]

    @property
    def is_service_staff(self) -> bool:
        """Shared-service staff and superusers see every partner."""
        return self.is_superuser or bool(self.service_role)

    @property
    def display_name(self) -> str:
        """The person's name, or their username when no name is set."""
        return self.get_full_name() or self.get_username()


code_validator = RegexValidator(
    r"^[a-z][a-z0-9-]{1,19}$",
    "Use 2 to 20 lower-case letters, digits or hyphens, starting with a letter.",
)


class Partner(ConcordModel):
    """A council that takes part in the shared service."""

    code = models.CharField(
        max_length=20,
        unique=True,
        validators=[code_validator],
        help_text="Short code used in usernames and URLs, e.g. wcc.",
        error_messages={"unique": "A council with this code already exists"},
    )
    name = models.CharField(
        max_length=200,
        unique=True,
        error_messages={"unique": "A council with this name already exists"},
    )
    gss_code = GssCodeField(
        "GSS code",
        blank=True,
        help_text="The council's Government Statistical Service code, e.g. E09000033.",
    )
    nation = models.CharField(
        max_length=3,
        choices=Nation.choices,
        default=Nation.ENGLAND,
        help_text="Whose bank holidays the council's service clocks skip.",
    )
    joined_on = models.DateField(default=timezone.localdate)
    left_on = models.DateField(
        null=True,
        blank=True,
        help_text="The day the council left; from then its people cannot sign in.",
    )

    area: ClassVar[str] = "partners"
    ownership: ClassVar[str] = "self"
    natural_key: ClassVar[str | None] = "code"
    import_fields: ClassVar[tuple[str, ...]] = ("code", "name", "gss_code", "nation", "joined_on")
    import_example: ClassVar[dict[str, str]] = {
        "code": "wcc",
        "name": "City of Westminster",
        "gss_code": "E09000033",
        "joined_on": "2011-04-01",
    }
    constraint_fields: ClassVar[dict[str, str]] = {"partner_left_after_joined": "left_on"}

    class Meta:
        # "Partner" in code; people read "council" everywhere (labels, titles, buttons).
        verbose_name = "council"
        verbose_name_plural = "councils"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("joined_on")),
                name="partner_left_after_joined",
                violation_error_message=(
                    "The date the council left must be the same as or after the date it joined"
                ),
            )
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def ownership_filter(cls, partner_ids: Any) -> Q | None:
        return Q(pk__in=list(partner_ids))

    def owning_partner_ids(self) -> list[int]:
        return [self.pk] if self.pk else []

    def has_left(self, on: Any = None) -> bool:
        """True from `left_on` onwards."""
        if self.left_on is None:
            return False  # most partners: no need to work out today's date
        return self.left_on <= (on or timezone.localdate())

    @property
    def is_former(self) -> bool:
        """A former partner: it has left, and its records are read-only."""
        return self.has_left()


class Membership(PartnerOwnedModel):
    """A council role held by a person in one council."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=CouncilRole.choices)

    area: ClassVar[str] = "partners"
    #: The membership's person is one of the council's own people (core.partner_export).
    partner_people_fields: ClassVar[tuple[str, ...]] = ("user",)
    # A role held by a person: nothing to file against it.
    attachable: ClassVar[bool] = False
    # The pages list a council's people, each with their role: "membership" is code's word.
    noun: ClassVar[str | None] = "person"
    noun_plural: ClassVar[str | None] = "people"

    class Meta:
        ordering = ["partner__name", "user__username", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "partner", "role"],
                name="membership_unique_role",
                violation_error_message="This person already has this role in this council",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user.get_username()}: {self.get_role_display()}"
