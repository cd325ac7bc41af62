"""The sample app's records: a test-only app exercising the three shapes of record (not a
domain app; see the package's docstring).

They mirror the estate's field for field, with neutral names, so that a test written against
one reads the same against the other: `Room` is partner-owned (``estate.Site``), `RoomType` a
catalogue (``estate.SiteType``) and `Pact` co-owned (``estate.Agreement``). Their area is the
kernel's ``estate``. `Errand` is the shape of a service desk ticket: a record that is its
requester's own (``own_fields``), in the ``servicedesk`` area.
"""

from __future__ import annotations

from typing import ClassVar

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from core.tenancy.records import (
    AudienceModel,
    CatalogueModel,
    PartnerOwnedModel,
    SharedOwnershipModel,
)


class RoomType(CatalogueModel):
    """A kind of room: a catalogue every council reads and shared-service staff edit."""

    name = models.CharField(
        max_length=100,
        unique=True,
        error_messages={"unique": "A room type with this name already exists"},
    )
    description = models.TextField(blank=True)

    natural_key: ClassVar[str | None] = "name"
    import_fields: ClassVar[tuple[str, ...]] = ("name", "description")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Room(PartnerOwnedModel):
    """A record one council owns: a room with a code unique within the council."""

    code = models.CharField(
        max_length=30,
        validators=[
            RegexValidator(r"^[A-Za-z0-9][A-Za-z0-9._-]*$", "Use letters, digits, . _ or -.")
        ],
        help_text="The council's own reference for the room, unique within the council.",
    )
    name = models.CharField(max_length=200)
    room_type = models.ForeignKey(
        RoomType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
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

    area: ClassVar[str] = "estate"
    import_fields: ClassVar[tuple[str, ...]] = (
        "partner",
        "code",
        "name",
        "room_type",
        "address",
        "postcode",
        "uprn",
        "is_active",
    )
    import_example: ClassVar[dict[str, str]] = {
        "partner": "wcc",
        "code": "CH",
        "name": "City Hall",
        "room_type": "Office",
        "address": "64 Victoria Street, London",
        "postcode": "SW1E 6QP",
        "uprn": "100023336956",
        "is_active": "yes",
    }

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "code"],
                name="room_unique_code",
                violation_error_message="A room with this code already exists in this council",
            )
        ]
        indexes = [
            models.Index(fields=["name", "id"], name="room_name_id"),
            models.Index(fields=["partner", "name", "id"], name="room_partner_name_id"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Pact(SharedOwnershipModel):
    """A record several councils own in shares: a pact between them."""

    # Unique among the pacts a person can see (unique_for_reader), not in the whole table.
    reference = models.CharField(max_length=50, db_index=True)
    title = models.CharField(max_length=200)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    summary = models.TextField(blank=True)

    area: ClassVar[str] = "estate"
    natural_key: ClassVar[str | None] = "reference"
    unique_for_reader: ClassVar[tuple[str, ...]] = ("reference",)
    constraint_fields: ClassVar[dict[str, str]] = {"pact_ends_after_start": "ends_on"}

    class Meta:
        ordering = ["title", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="pact_ends_after_start",
                violation_error_message="The end date must be the same as or after the start date",
            )
        ]

    def __str__(self) -> str:
        return self.title


class Errand(PartnerOwnedModel):
    """An errand a council person asks for: their own record (`own_fields`), the shape of a
    ticket. A requester sees their own errands and those they are the contact of, not their
    colleagues'; the council's lead and auditor see every errand of the council."""

    title = models.CharField(max_length=200)
    notes = models.TextField(blank=True)
    requester = models.ForeignKey(
        "tenancy.User", on_delete=models.PROTECT, related_name="+", help_text="Who asked for it."
    )
    contact = models.ForeignKey(
        "tenancy.User",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text="Someone else to keep informed.",
    )

    area: ClassVar[str] = "servicedesk"
    own_fields: ClassVar[tuple[str, ...]] = ("requester", "contact")
    partner_people_fields: ClassVar[tuple[str, ...]] = ("requester", "contact")
    natural_key: ClassVar[str | None] = None

    class Meta:
        ordering = ["title", "id"]
        indexes = [models.Index(fields=["partner", "title", "id"], name="errand_partner_title_id")]

    def __str__(self) -> str:
        return self.title


class Notice(AudienceModel):
    """A record for every council or chosen ones (`AudienceModel`, as a knowledge article): a
    notice the shared service puts up for councils."""

    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)

    # The estate's area, as the other sample records: a council's lead writes notices for
    # their own council, so the rules for people who may write in some councils only are met.
    area: ClassVar[str] = "estate"

    class Meta:
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return self.title
