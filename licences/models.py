"""The licences app's records: the software products councils license (a catalogue), the
licence agreements they hold (one council's, or co-owned in shares), the seats assigned to
people and devices, and the installations detected on devices.

The rules about them (a quota never exceeded, the compliance position, renewals, the
joint-licensing report) are in `licences.services`; the models hold what a record is and the
checks on one record alone.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from core.tenancy.records import CatalogueModel, PartnerOwnedModel, SharedOwnershipModel
from licences.choices import DEVICE_ONLY, PERSON_ONLY, LicenceKind


class SoftwareProduct(CatalogueModel):
    """A piece of software councils license: publisher and name, and the end-of-life product
    it matches where known (the slug of the end-of-life data the assets app ships)."""

    name = models.CharField(
        max_length=200,
        unique=True,
        error_messages={"unique": "A software product with this name already exists"},
    )
    publisher = models.CharField(max_length=200)
    eol_product = models.CharField(
        "End-of-life product",
        max_length=60,
        blank=True,
        validators=[
            RegexValidator(
                r"^[a-z0-9][a-z0-9-]*$",
                "Use the end-of-life product's slug: small letters, digits and -, like "
                "windows-server.",
            )
        ],
        help_text="The product in the end-of-life data it matches, like windows or office.",
    )
    description = models.TextField(blank=True)

    natural_key: ClassVar[str | None] = "name"
    import_fields: ClassVar[tuple[str, ...]] = ("name", "publisher", "eol_product", "description")
    import_example: ClassVar[dict[str, str]] = {
        "name": "Microsoft 365 E3",
        "publisher": "Microsoft",
        "eol_product": "office",
        "description": "",
    }

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if self.eol_product:
            from assets.eol import product_titles

            known = product_titles()
            if self.eol_product not in known:
                raise ValidationError(
                    {
                        "eol_product": "There is no such product in the end-of-life data: use "
                        "one of " + ", ".join(sorted(known))
                    }
                )


class LicenceAgreement(SharedOwnershipModel):
    """A licence agreement for one software product: what kind, how many seats, what they
    cost, and when it starts, ends and renews. One council's, or co-owned in shares (an
    enterprise agreement the partnership signed together)."""

    # Unique among the agreements a person can see (unique_for_reader), like estate.Agreement.
    reference = models.CharField(max_length=50, db_index=True)
    product = models.ForeignKey(
        SoftwareProduct, on_delete=models.PROTECT, related_name="agreements"
    )
    kind = models.CharField(max_length=20, choices=LicenceKind.choices)
    quantity = models.PositiveIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(10_000_000)],
        help_text="The seats (devices, users, concurrent users) the agreement licenses.",
    )
    unit_cost = models.DecimalField(
        "Unit cost (£)",
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="The price of one seat for the agreement's term, in pounds.",
    )
    total_cost = models.DecimalField(
        "Total cost (£)",
        max_digits=16,
        decimal_places=2,
        editable=False,
        default=Decimal("0"),
        help_text="Quantity times unit cost.",
    )
    supplier = models.CharField(max_length=200, blank=True)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    renewal_on = models.DateField(
        "Renewal date",
        null=True,
        blank=True,
        help_text="When the agreement renews (or must be renewed); reminders are sent before it.",
    )
    remind_days = models.PositiveSmallIntegerField(
        "Remind this many days before",
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(730)],
    )
    #: The renewal (or end) date the last reminder was about: one reminder per date.
    reminded_for = models.DateField(null=True, blank=True, editable=False)
    notes = models.TextField(blank=True)

    area: ClassVar[str] = "licences"
    natural_key: ClassVar[str | None] = "reference"
    unique_for_reader: ClassVar[tuple[str, ...]] = ("reference",)
    constraint_fields: ClassVar[dict[str, str]] = {
        "licenceagreement_ends_after_start": "ends_on",
        "licenceagreement_renews_after_start": "renewal_on",
    }

    class Meta:
        ordering = ["reference", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="licenceagreement_ends_after_start",
                violation_error_message="The end date must be the same as or after the start date",
            ),
            models.CheckConstraint(
                condition=Q(renewal_on__isnull=True) | Q(renewal_on__gte=models.F("starts_on")),
                name="licenceagreement_renews_after_start",
                violation_error_message=(
                    "The renewal date must be the same as or after the start date"
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["reference", "id"], name="licagr_reference_id"),
            models.Index(fields=["product", "starts_on"], name="licagr_product_start"),
            models.Index(fields=["renewal_on"], name="licagr_renewal"),
        ]

    def __str__(self) -> str:
        # The reference alone: lists of assignments name their agreements without loading
        # each agreement's product.
        return self.reference

    def derive(self) -> None:
        if self.quantity is not None and self.unit_cost is not None:
            self.total_cost = Decimal(self.quantity) * Decimal(self.unit_cost)

    def save(self, *args: Any, **kwargs: Any) -> None:
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"quantity", "unit_cost"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "total_cost"}
        super().save(*args, **kwargs)

    @property
    def due_on(self) -> datetime.date | None:
        """The date the councils must act by: the renewal date, else the end date."""
        return self.renewal_on or self.ends_on

    def is_active(self, on: datetime.date | None = None) -> bool:
        """In force on `on` (today): started, and not ended."""
        on = on or timezone.localdate()
        return self.starts_on <= on and (self.ends_on is None or self.ends_on >= on)


class LicenceAssignment(PartnerOwnedModel):
    """One seat of an agreement assigned to a person (per user, concurrent) or a device (per
    device); site, enterprise and subscription agreements take either. The council is the one
    whose person or device uses the seat, and must be one of the agreement's owners.

    Every save goes through `licences.services.take_seat`, which locks the agreement and
    counts its seats, so the quota is kept however the assignment is made."""

    agreement = models.ForeignKey(
        LicenceAgreement, on_delete=models.PROTECT, related_name="assignments"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The person the seat is for (per-user and concurrent agreements).",
    )
    device = models.ForeignKey(
        "assets.Asset",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The device the seat is for (per-device agreements).",
    )
    assigned_on = models.DateField(default=timezone.localdate)
    note = models.CharField(max_length=200, blank=True)

    area: ClassVar[str] = "licences"
    constraint_fields: ClassVar[dict[str, str]] = {"licenceassignment_person_or_device": "device"}
    partner_people_fields: ClassVar[tuple[str, ...]] = ("person",)
    import_fields: ClassVar[tuple[str, ...]] = (
        "partner",
        "agreement",
        "person",
        "device",
        "assigned_on",
        "note",
    )
    import_example: ClassVar[dict[str, str]] = {
        "partner": "wcc",
        "agreement": "MS-EA-2024",
        "person": "wcc.jsmith",
        "device": "",
        "assigned_on": "2026-04-01",
        "note": "",
    }

    class Meta:
        ordering = ["-assigned_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "person"],
                name="licenceassignment_one_seat_per_person",
                violation_error_message="This person already has a seat of this agreement",
            ),
            models.UniqueConstraint(
                fields=["agreement", "device"],
                name="licenceassignment_one_seat_per_device",
                violation_error_message="This device already has a seat of this agreement",
            ),
            models.CheckConstraint(
                condition=Q(person__isnull=True) | Q(device__isnull=True),
                name="licenceassignment_person_or_device",
                violation_error_message="A seat is for a person or a device, not both",
            ),
        ]
        indexes = [
            models.Index(fields=["-assigned_on", "-id"], name="licasg_assigned_id"),
            models.Index(fields=["partner", "agreement"], name="licasg_partner_agreement"),
            # Whether a seat covers an installation: by its device, or its device's person.
            models.Index(fields=["device", "agreement"], name="licasg_device_agreement"),
            models.Index(fields=["person", "agreement"], name="licasg_person_agreement"),
        ]

    def __str__(self) -> str:
        holder = self.holder_name()
        return f"{self.agreement.reference} to {holder}" if self.agreement_id else holder

    def holder_name(self) -> str:
        """Who or what holds the seat, in words."""
        if self.person_id is not None and self.person is not None:
            return self.person.get_full_name() or self.person.get_username()
        if self.device_id is not None and self.device is not None:
            return str(self.device)
        return "nobody"

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        if self.person_id is None and self.device_id is None:
            errors["person"] = "Choose the person or the device the seat is for"
        elif self.person_id is not None and self.device_id is not None:
            errors["device"] = "A seat is for a person or a device, not both: choose one"
        agreement = self.agreement if self.agreement_id else None
        if agreement is not None:
            if agreement.kind in DEVICE_ONLY and self.person_id is not None:
                errors["person"] = (
                    f"A {agreement.get_kind_display().lower()} agreement's seats go to devices, "
                    "not people"
                )
            if agreement.kind in PERSON_ONLY and self.device_id is not None:
                errors["device"] = (
                    f"A {agreement.get_kind_display().lower()} agreement's seats go to people, "
                    "not devices"
                )
            if self.partner_id and self.partner_id not in agreement.owning_partner_ids():
                errors["agreement"] = "Choose an agreement the seat's council holds"
        if self.person_id is not None and self.partner_id and "person" not in errors:
            from core.tenancy.models import Membership

            members = Membership.objects.unscoped("is the person one of the council's people")
            if not members.filter(user_id=self.person_id, partner_id=self.partner_id).exists():
                errors["person"] = "Choose one of the council's people"
        if (
            self.device_id is not None
            and self.partner_id
            and "device" not in errors
            and self.device is not None
            and self.partner_id not in self.device.owning_partner_ids()
        ):
            errors["device"] = "Choose one of the council's devices"
        if errors:
            raise ValidationError(errors)
        if agreement is not None:
            from licences.services import seat_refusal

            message = seat_refusal(self)
            if message:
                raise ValidationError({"agreement": message})

    def check_unsaved_import_row(self, pending: dict[Any, Any]) -> None:
        """In an import's dry run (or after a bad row), the seats the rows above would take
        count too: refuse the row past the agreement's last seat (core.importing)."""
        from licences.services import seat_refusal

        if not self.agreement_id:
            return
        key = ("licence seats", self.agreement_id)
        message = seat_refusal(self, also_taken=pending.get(key, 0))
        if message:
            raise ValidationError({"agreement": message})
        pending[key] = pending.get(key, 0) + 1

    def save(self, *args: Any, **kwargs: Any) -> None:
        from licences.services import take_seat

        with transaction.atomic():
            take_seat(self)
            super().save(*args, **kwargs)


class Installation(PartnerOwnedModel):
    """A software product found installed on a device: use detected, whether or not anyone
    assigned it a seat. The council is the one whose device it is (one of the device's
    owners). Imported from the councils' inventory tools (CSV or XLSX through the
    foundation's import) or recorded by hand."""

    device = models.ForeignKey("assets.Asset", on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(
        SoftwareProduct, on_delete=models.PROTECT, related_name="installations"
    )
    # Not "version": that is every record's own version, for ETags (core.tenancy.records).
    product_version = models.CharField(
        "Version", max_length=60, blank=True, help_text="As the inventory reports it."
    )
    detected_on = models.DateField(
        "Detected on", default=timezone.localdate, help_text="When an inventory last found it."
    )
    source = models.CharField(
        "Found by",
        max_length=60,
        blank=True,
        help_text="The tool or person that found it: Intune, SCCM, GLPI, a stock-take.",
    )

    area: ClassVar[str] = "licences"
    #: A re-import of an inventory updates the installation of the same version of the
    #: product on the same device (its detection date, its source) instead of refusing it.
    import_match_fields: ClassVar[tuple[str | tuple[str, ...], ...]] = (
        ("device", "product", "product_version"),
    )
    import_fields: ClassVar[tuple[str, ...]] = (
        "partner",
        "device",
        "product",
        "product_version",
        "detected_on",
        "source",
    )
    import_example: ClassVar[dict[str, str]] = {
        "partner": "wcc",
        "device": "WCC-004211",
        "product": "Microsoft 365 E3",
        "product_version": "16.0.17928",
        "detected_on": "2026-11-30",
        "source": "Intune",
    }

    class Meta:
        ordering = ["-detected_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["device", "product", "product_version"],
                name="installation_unique_on_device",
                violation_error_message="This version of the product is already recorded on "
                "this device",
            ),
        ]
        indexes = [
            models.Index(fields=["-detected_on", "-id"], name="install_detected_id"),
            # The compliance position counts by council and product.
            models.Index(fields=["partner", "product"], name="install_partner_product"),
            models.Index(fields=["product", "device"], name="install_product_device"),
        ]

    def __str__(self) -> str:
        if not self.product_id or not self.device_id:
            return "Installation"
        return f"{self.product} {self.product_version} on {self.device}".replace("  ", " ")

    def clean(self) -> None:
        super().clean()
        if (
            self.device_id is not None
            and self.partner_id
            and self.partner_id not in self.device.owning_partner_ids()
        ):
            raise ValidationError({"device": "Choose one of the council's devices"})


__all__ = [
    "DEVICE_ONLY",
    "PERSON_ONLY",
    "Installation",
    "LicenceAgreement",
    "LicenceAssignment",
    "SoftwareProduct",
]
