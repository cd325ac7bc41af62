"""The estate: council sites (buildings and offices), kinds of site, and the inter-authority
agreements the councils have signed.

An ordinary domain app, and the example every new app copies (docs/adding-an-app.md): a
partner-owned record (`Site`), a catalogue (`SiteType`) and a co-owned record (`Agreement`).
"""

from __future__ import annotations

from typing import ClassVar

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from core.tenancy.records import CatalogueModel, PartnerOwnedModel, SharedOwnershipModel
from core.tenancy.validators import PostcodeField, UprnField


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
    postcode = PostcodeField(max_length=10, blank=True)
    uprn = UprnField("UPRN", blank=True, help_text="Unique Property Reference Number.")
    is_active = models.BooleanField("In use", default=True)

    area: ClassVar[str] = "estate"
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
    import_example: ClassVar[dict[str, str]] = {
        "partner": "wcc",
        "code": "CH",
        "name": "City Hall",
        "site_type": "Office",
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

    area: ClassVar[str] = "estate"
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
