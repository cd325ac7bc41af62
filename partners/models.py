"""Councils (partners), their people and roles, their sites, and the agreements between them."""

from __future__ import annotations

import datetime
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.models import CatalogueModel, ConcordModel, PartnerOwnedModel, SharedOwnershipModel
from core.scoping import ChangeLoggedWrites
from partners.choices import CouncilRole, Nation, ServiceRole


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

    #: Every write of an account leaves a change record: bulk writes are refused.
    change_logged: ClassVar[bool] = True

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
gss_validator = RegexValidator(
    r"^[EWSN][0-9]{8}$", "A GSS code is a letter E, W, S or N followed by 8 digits."
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
    gss_code = models.CharField(
        "GSS code",
        max_length=9,
        blank=True,
        validators=[gss_validator],
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
    constraint_fields: ClassVar[dict[str, str]] = {"partner_left_after_joined": "left_on"}

    class Meta:
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

    def upcoming_bank_holidays(
        self, count: int = 3, today: datetime.date | None = None
    ) -> list[tuple[datetime.date, str]]:
        """The next `count` bank holidays the council keeps (its nation's), from today."""
        from core.workdays import bank_holidays

        start = today or timezone.localdate()
        return bank_holidays(self.nation, start, start + datetime.timedelta(days=400))[:count]


class Membership(PartnerOwnedModel):
    """A council role held by a person in one council."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=CouncilRole.choices)

    area: ClassVar[str] = "partners"
    #: The membership's person is one of the council's own people (core.partner_export).
    partner_people_fields: ClassVar[tuple[str, ...]] = ("user",)
    # A role held by a person: nothing to file against it.
    attachable: ClassVar[bool] = False

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


class SiteType(CatalogueModel):
    """A kind of council building: office, depot, library, data centre..."""

    name = models.CharField(
        max_length=100,
        unique=True,
        error_messages={"unique": "A site type with this name already exists"},
    )
    description = models.TextField(blank=True)

    natural_key: ClassVar[str | None] = "name"
    import_fields: ClassVar[tuple[str, ...]] = ("name", "description")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Site(PartnerOwnedModel):
    """A council building or office where people, equipment and services are."""

    code = models.CharField(
        max_length=30,
        validators=[
            RegexValidator(r"^[A-Za-z0-9][A-Za-z0-9._-]*$", "Use letters, digits, . _ or -.")
        ],
        help_text="The council's own reference for the site, unique within the council.",
    )
    name = models.CharField(max_length=200)
    site_type = models.ForeignKey(
        SiteType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    address = models.TextField(blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    uprn = models.CharField(
        "UPRN",
        max_length=12,
        blank=True,
        validators=[RegexValidator(r"^[0-9]{1,12}$", "A UPRN is up to 12 digits.")],
        help_text="Unique Property Reference Number.",
    )
    is_active = models.BooleanField("In use", default=True)

    import_fields: ClassVar[tuple[str, ...]] = (
        "partner",
        "code",
        "name",
        "site_type",
        "address",
        "postcode",
        "uprn",
        "is_active",
    )

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "code"],
                name="site_unique_code",
                # Within the council the person chose, which they can see: no other council's
                # record is named.
                violation_error_message="A site with this code already exists in this council",
            )
        ]
        indexes = [
            models.Index(fields=["name", "id"], name="site_name_id"),
            models.Index(fields=["partner", "name", "id"], name="site_partner_name_id"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Agreement(SharedOwnershipModel):
    """An inter-authority agreement between partners, owned by the councils that signed it."""

    # Unique among the agreements a person can see (unique_for_reader), not in the whole table.
    reference = models.CharField(max_length=50, db_index=True)
    title = models.CharField(max_length=200)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    summary = models.TextField(blank=True)

    natural_key: ClassVar[str | None] = "reference"
    unique_for_reader: ClassVar[tuple[str, ...]] = ("reference",)
    constraint_fields: ClassVar[dict[str, str]] = {"agreement_ends_after_start": "ends_on"}

    class Meta:
        ordering = ["title", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="agreement_ends_after_start",
                violation_error_message="The end date must be the same as or after the start date",
            )
        ]

    def __str__(self) -> str:
        return self.title
