"""Frameworks, call-offs and purchasing: the procurement records of the contracts app.

- `Framework` (for the councils that may call off from it: an `AudienceModel`, decision
  0026), its `FrameworkExtension` options and its `FrameworkLot`s, each with one or several
  suppliers (`LotSupplier`).
- `CallOff` (one council's order from a lot's supplier) and its `CallOffLine`s (the people and
  skills supplied, with day rates).
- `PurchasingSettings` (a council's approval threshold), `PurchaseRequest` and its
  `PurchaseRequestLine`s, `PurchaseOrder` (one council's, or several councils' requests
  combined: co-owned in shares of its cost) and its `PurchaseOrderLine`s.

The rules about them (who may call off, the ceiling kept under the framework's lock, spend, the
approval of requests, joint orders split to the penny, goods received into the asset register)
are in `contracts.procurement_services`; these models hold what a record is and the checks on
one record alone. Imported at the end of `contracts/models.py`.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Q

from core.tenancy.records import (
    AudienceModel,
    PartModel,
    PartnerOwnedModel,
    SharedOwnershipModel,
)

MONEY: dict[str, Any] = {
    "max_digits": 14,
    "decimal_places": 2,
    "validators": [MinValueValidator(Decimal("0"))],
}


def add_months(day: datetime.date, months: int) -> datetime.date:
    """`day` moved on `months` calendar months; a day past the end of the month it lands in
    becomes that month's last day (31 January + 1 month = 28 or 29 February)."""
    import calendar

    index = day.year * 12 + day.month - 1 + months
    year, month = index // 12, index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class CallOffStatus(models.TextChoices):
    """Where a call-off is: only active and completed ones commit spend."""

    DRAFT = "draft", "Draft"
    HELD = "held", "Held for approval"
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


#: Call-off statuses whose value counts against the framework's ceiling.
COMMITTED = (CallOffStatus.ACTIVE, CallOffStatus.COMPLETED)


class RequestStatus(models.TextChoices):
    """Where a purchase request is."""

    DRAFT = "draft", "Draft"
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    ORDERED = "ordered", "Ordered"


class OrderStatus(models.TextChoices):
    """Where a purchase order is, by the goods received against it."""

    ORDERED = "ordered", "Ordered"
    PART_RECEIVED = "part_received", "Partly received"
    RECEIVED = "received", "Received"
    CANCELLED = "cancelled", "Cancelled"


ASSET_KINDS = [
    ("laptop", "Laptop"),
    ("desktop", "Desktop"),
    ("phone", "Phone"),
    ("tablet", "Tablet"),
    ("server", "Server"),
    ("network", "Network device"),
    ("printer", "Printer"),
    ("peripheral", "Peripheral"),
]


# Frameworks ---------------------------------------------------------------------------------


class Framework(AudienceModel):
    """A framework agreement: a ceiling of spend, a term with extension options, lots with
    their suppliers, and the councils that may call off from it (its audience: decision 0026).
    """

    reference = models.CharField(max_length=50, db_index=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    ceiling_value = models.DecimalField(
        "Ceiling (£)", help_text="The most the councils may call off in all, in pounds.", **MONEY
    )
    start_date = models.DateField()
    term_months = models.PositiveSmallIntegerField(
        "Initial term (months)", validators=[MinValueValidator(1), MaxValueValidator(240)]
    )
    hold_over_ceiling = models.BooleanField(
        "Hold call-offs past the ceiling for approval",
        default=False,
        help_text=(
            "Unticked, a call-off that would take spend past the ceiling is refused; ticked, "
            "it is held for the shared service's manager to approve or reject."
        ),
    )

    area: ClassVar[str] = "contracts"
    natural_key: ClassVar[str | None] = "reference"
    unique_for_reader: ClassVar[tuple[str, ...]] = ("reference",)

    class Meta:
        ordering = ["reference", "id"]
        indexes = [models.Index(fields=["reference", "id"], name="framework_reference_id")]

    def __str__(self) -> str:
        return f"{self.reference} {self.name}"

    def initial_end_date(self) -> datetime.date:
        """The last day of the initial term."""
        return add_months(self.start_date, self.term_months) - datetime.timedelta(days=1)


class FrameworkExtension(PartModel):
    """An option to extend a framework by some months, exercised or not."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="+")
    sequence = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    months = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(120)]
    )
    exercised = models.BooleanField(default=False)
    exercised_on = models.DateField(null=True, blank=True)
    note = models.CharField(
        max_length=200, blank=True, help_text="Who decided and when, like Joint committee 12 May."
    )

    area: ClassVar[str] = "contracts"
    part_of: ClassVar[str] = "framework"
    attachable: ClassVar[bool] = False
    constraint_fields: ClassVar[dict[str, str]] = {"frameworkextension_exercised_date": "exercised"}

    class Meta:
        verbose_name = "framework extension"
        verbose_name_plural = "framework extensions"
        ordering = ["framework", "sequence", "id"]
        indexes = [models.Index(fields=["framework", "sequence", "id"], name="fwext_framework_seq")]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "sequence"],
                name="frameworkextension_unique_sequence",
                violation_error_message="This framework already has an extension with this number",
            ),
            models.CheckConstraint(
                condition=Q(exercised=True) | Q(exercised_on__isnull=True),
                name="frameworkextension_exercised_date",
                violation_error_message=(
                    "Tick exercised, or leave the date it was exercised on empty"
                ),
            ),
        ]

    def __str__(self) -> str:
        state = "exercised" if self.exercised else "not exercised"
        return f"Extension {self.sequence}: {self.months} months ({state})"


class FrameworkLot(PartModel):
    """A lot of a framework: its number, title and scope. Its suppliers are `LotSupplier`s."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="+")
    number = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    title = models.CharField(max_length=200)
    scope = models.TextField(blank=True)

    area: ClassVar[str] = "contracts"
    part_of: ClassVar[str] = "framework"

    class Meta:
        verbose_name = "framework lot"
        verbose_name_plural = "framework lots"
        ordering = ["framework", "number", "id"]
        indexes = [
            models.Index(fields=["framework", "number", "id"], name="fwlot_framework_number")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "number"],
                name="frameworklot_unique_number",
                violation_error_message="This framework already has a lot with this number",
            ),
        ]

    def __str__(self) -> str:
        return f"Lot {self.number}: {self.title}"


class LotSupplier(PartModel):
    """A supplier appointed to a lot of a framework (SME status is the supplier's own)."""

    lot = models.ForeignKey(FrameworkLot, on_delete=models.CASCADE, related_name="+")
    # A named reverse relation (not "+"), so that merging two suppliers finds it
    # (contracts.services.merge_suppliers walks Supplier._meta.related_objects).
    supplier = models.ForeignKey(
        "contracts.Supplier", on_delete=models.PROTECT, related_name="lot_places"
    )
    appointment_reference = models.CharField(
        max_length=100,
        blank=True,
        help_text="The supplier's reference on the framework, like DPF-L7-03.",
    )

    area: ClassVar[str] = "contracts"
    part_of: ClassVar[str] = "lot"
    attachable: ClassVar[bool] = False

    class Meta:
        verbose_name = "lot supplier"
        verbose_name_plural = "lot suppliers"
        ordering = ["lot", "id"]
        indexes = [models.Index(fields=["lot", "id"], name="lotsupplier_lot_id")]
        constraints = [
            models.UniqueConstraint(
                fields=["lot", "supplier"],
                name="lotsupplier_unique",
                violation_error_message="This supplier is already on this lot",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.supplier} on {self.lot}" if self.lot_id and self.supplier_id else "Supplier"


# Call-offs ----------------------------------------------------------------------------------


class CallOff(PartnerOwnedModel):
    """A council's order from a supplier on a lot of a framework: what it buys, its value
    and dates. Its value counts against the framework's ceiling while active or completed;
    every save of one that would commit spend takes the framework's lock
    (`contracts.procurement_services.take_headroom`)."""

    reference = models.CharField(max_length=50)
    lot = models.ForeignKey(FrameworkLot, on_delete=models.PROTECT, related_name="+")
    supplier = models.ForeignKey(
        "contracts.Supplier", on_delete=models.PROTECT, related_name="call_offs"
    )
    description = models.TextField(blank=True)
    deliverables = models.TextField(blank=True)
    value = models.DecimalField(
        "Value (£)", help_text="The value committed by the call-off, in pounds.", **MONEY
    )
    invoiced = models.DecimalField(
        "Invoiced (£)", default=Decimal("0"), help_text="Invoiced to date, in pounds.", **MONEY
    )
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=CallOffStatus.choices, default="active")

    area: ClassVar[str] = "contracts"
    natural_key: ClassVar[str | None] = "reference"
    constraint_fields: ClassVar[dict[str, str]] = {"calloff_dates": "end_date"}

    class Meta:
        verbose_name = "call-off"
        verbose_name_plural = "call-offs"
        ordering = ["-start_date", "reference", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "reference"],
                name="calloff_unique_reference",
                violation_error_message="A call-off with this reference already exists in this "
                "council",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="calloff_dates",
                violation_error_message="The end date must be the same as or after the start date",
            ),
        ]
        indexes = [
            models.Index(fields=["-start_date", "reference", "id"], name="calloff_start_ref"),
            models.Index(fields=["lot", "status"], name="calloff_lot_status"),
        ]

    def __str__(self) -> str:
        return self.reference

    def clean(self) -> None:
        super().clean()
        from contracts.procurement_services import call_off_problems

        errors = call_off_problems(self)
        if errors:
            raise ValidationError(errors)

    def save(self, *args: Any, **kwargs: Any) -> None:
        from contracts.procurement_services import take_headroom

        with transaction.atomic():
            take_headroom(self)
            super().save(*args, **kwargs)


class CallOffLine(PartModel):
    """A person or skill a call-off supplies: the role, the day rate and the days."""

    call_off = models.ForeignKey(CallOff, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=200, help_text="The role or skill, like Delivery manager.")
    person_name = models.CharField("Person", max_length=200, blank=True)
    day_rate = models.DecimalField("Day rate (£)", **MONEY)
    days = models.DecimalField(
        max_digits=7, decimal_places=1, validators=[MinValueValidator(Decimal("0"))]
    )

    area: ClassVar[str] = "contracts"
    part_of: ClassVar[str] = "call_off"
    attachable: ClassVar[bool] = False

    class Meta:
        verbose_name = "call-off line"
        verbose_name_plural = "call-off lines"
        ordering = ["call_off", "id"]
        indexes = [models.Index(fields=["call_off", "id"], name="calloffline_calloff_id")]

    def __str__(self) -> str:
        return f"{self.role} at £{self.day_rate} a day"

    @property
    def cost(self) -> Decimal:
        return (Decimal(self.day_rate or 0) * Decimal(self.days or 0)).quantize(Decimal("0.01"))


# Purchasing ---------------------------------------------------------------------------------


class PurchasingSettings(PartnerOwnedModel):
    """A council's purchasing settings from a date: above what total a purchase request
    needs its IT lead's approval. The settings in force are the latest that apply on the day
    (`contracts.procurement_services.approval_threshold`), so a change of threshold keeps the
    one that applied before."""

    applies_from = models.DateField(
        "Applies from", help_text="The day these settings take effect, like 1 4 2026."
    )
    approval_threshold = models.DecimalField(
        "Approval threshold (£)",
        default=Decimal("1000"),
        help_text="A request whose total is above this needs the council's IT lead's approval.",
        **MONEY,
    )
    note = models.CharField(
        max_length=200, blank=True, help_text="Why, like Cabinet decision 2026/14."
    )

    area: ClassVar[str] = "contracts"
    import_fields: ClassVar[tuple[str, ...]] = (
        "partner",
        "applies_from",
        "approval_threshold",
        "note",
    )
    import_example: ClassVar[dict[str, str]] = {
        "partner": "wcc",
        "applies_from": "2026-04-01",
        "approval_threshold": "1000.00",
        "note": "Cabinet decision 2026/14",
    }

    class Meta:
        verbose_name = "purchasing settings"
        verbose_name_plural = "purchasing settings"
        ordering = ["partner", "-applies_from", "id"]
        indexes = [
            models.Index(fields=["partner", "-applies_from", "id"], name="purchsettings_partner")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "applies_from"],
                name="purchasingsettings_one_per_day",
                violation_error_message="This council already has purchasing settings from this "
                "date",
            ),
        ]

    def __str__(self) -> str:
        return f"Approval above £{self.approval_threshold} from {self.applies_from:%-d %B %Y}"


class PurchaseOrder(SharedOwnershipModel):
    """An order placed with a supplier: one council's, or several councils' requests
    combined into one (a joint purchase), co-owned in shares of its cost."""

    reference = models.CharField(max_length=50, db_index=True)
    supplier = models.ForeignKey(
        "contracts.Supplier", on_delete=models.PROTECT, related_name="purchase_orders"
    )
    ordered_on = models.DateField()
    status = models.CharField(
        max_length=20, choices=OrderStatus.choices, default="ordered", editable=False
    )
    total = models.DecimalField(
        "Total (£)", default=Decimal("0"), editable=False, max_digits=14, decimal_places=2
    )
    notes = models.TextField(blank=True)

    area: ClassVar[str] = "contracts"
    natural_key: ClassVar[str | None] = "reference"
    unique_for_reader: ClassVar[tuple[str, ...]] = ("reference",)
    derived_fields: ClassVar[frozenset[str]] = frozenset({"status", "total"})

    class Meta:
        ordering = ["-ordered_on", "reference", "id"]
        indexes = [models.Index(fields=["-ordered_on", "reference", "id"], name="po_ordered_ref")]

    def __str__(self) -> str:
        return self.reference


class PurchaseOrderLine(PartModel):
    """One item of an order: how many, at what price, and how many have been received.
    Hardware lines become asset records as they are received."""

    order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="+")
    description = models.CharField(max_length=200)
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    unit_price = models.DecimalField("Unit price (£)", **MONEY)
    is_hardware = models.BooleanField(
        "Hardware", default=False, help_text="Each unit received becomes an asset record."
    )
    asset_kind = models.CharField("Kind of asset", max_length=20, choices=ASSET_KINDS, blank=True)
    received_quantity = models.PositiveIntegerField("Received", default=0, editable=False)

    area: ClassVar[str] = "contracts"
    part_of: ClassVar[str] = "order"
    attachable: ClassVar[bool] = False
    derived_fields: ClassVar[frozenset[str]] = frozenset({"received_quantity"})
    constraint_fields: ClassVar[dict[str, str]] = {"polline_hardware_kind": "asset_kind"}

    class Meta:
        verbose_name = "order line"
        verbose_name_plural = "order lines"
        ordering = ["order", "id"]
        indexes = [models.Index(fields=["order", "id"], name="poline_order_id")]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_hardware=False) | ~Q(asset_kind=""),
                name="polline_hardware_kind",
                violation_error_message="Choose the kind of asset a hardware line is",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} of {self.description}"

    @property
    def line_total(self) -> Decimal:
        return (Decimal(self.unit_price or 0) * (self.quantity or 0)).quantize(Decimal("0.01"))


class PurchaseRequest(PartnerOwnedModel):
    """A council's request to buy: who asks, what (its lines) and the total. Above the
    council's approval threshold its IT lead approves it before it is ordered."""

    reference = models.CharField(max_length=50)
    title = models.CharField(max_length=200)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    supplier = models.ForeignKey(
        "contracts.Supplier",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="purchase_requests",
    )
    status = models.CharField(
        max_length=20, choices=RequestStatus.choices, default="draft", editable=False
    )
    total = models.DecimalField(
        "Total (£)", default=Decimal("0"), editable=False, max_digits=14, decimal_places=2
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    decided_on = models.DateField(null=True, blank=True, editable=False)
    order = models.ForeignKey(
        PurchaseOrder,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    area: ClassVar[str] = "contracts"
    natural_key: ClassVar[str | None] = "reference"
    partner_people_fields: ClassVar[tuple[str, ...]] = ("requester",)
    derived_fields: ClassVar[frozenset[str]] = frozenset(
        {"status", "total", "decided_by", "decided_on", "order"}
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "reference"],
                name="purchaserequest_unique_reference",
                violation_error_message="A purchase request with this reference already exists "
                "in this council",
            ),
        ]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="preq_created_id"),
            models.Index(fields=["partner", "status"], name="preq_partner_status"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"


class PurchaseRequestLine(PartModel):
    """One item a request asks for. Once its request is combined into an order, the order
    line it went into."""

    request = models.ForeignKey(PurchaseRequest, on_delete=models.CASCADE, related_name="+")
    description = models.CharField(max_length=200)
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    unit_price = models.DecimalField("Unit price (£)", **MONEY)
    is_hardware = models.BooleanField(
        "Hardware", default=False, help_text="Each unit received becomes an asset record."
    )
    asset_kind = models.CharField("Kind of asset", max_length=20, choices=ASSET_KINDS, blank=True)
    order_line = models.ForeignKey(
        PurchaseOrderLine,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    area: ClassVar[str] = "contracts"
    part_of: ClassVar[str] = "request"
    attachable: ClassVar[bool] = False
    derived_fields: ClassVar[frozenset[str]] = frozenset({"order_line"})
    constraint_fields: ClassVar[dict[str, str]] = {"prline_hardware_kind": "asset_kind"}

    class Meta:
        verbose_name = "request line"
        verbose_name_plural = "request lines"
        ordering = ["request", "id"]
        indexes = [models.Index(fields=["request", "id"], name="prline_request_id")]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_hardware=False) | ~Q(asset_kind=""),
                name="prline_hardware_kind",
                violation_error_message="Choose the kind of asset a hardware line is",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} of {self.description}"

    @property
    def line_total(self) -> Decimal:
        return (Decimal(self.unit_price or 0) * (self.quantity or 0)).quantize(Decimal("0.01"))

    def save(self, *args: Any, **kwargs: Any) -> None:
        from contracts.procurement_services import refresh_request_total

        with transaction.atomic():
            super().save(*args, **kwargs)
            refresh_request_total(self.request)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        from contracts.procurement_services import refresh_request_total

        request = self.request
        with transaction.atomic():
            result = super().delete(*args, **kwargs)
            refresh_request_total(request)
        return result


__all__ = [
    "COMMITTED",
    "CallOff",
    "CallOffLine",
    "CallOffStatus",
    "Framework",
    "FrameworkExtension",
    "FrameworkLot",
    "LotSupplier",
    "OrderStatus",
    "PurchaseOrder",
    "PurchaseOrderLine",
    "PurchaseRequest",
    "PurchaseRequestLine",
    "PurchasingSettings",
    "RequestStatus",
    "add_months",
]
