"""The asset register and CMDB: manufacturers and hardware models (catalogue), assets (owned by
one council or co-owned in shares), their lifecycle moves, disposals and stock-take sightings,
configuration items (services, applications, servers...) and the relationships between them.

How hardware takes part in the dependency graph is decision 0019: one graph of configuration
items, in which a hardware asset appears through its configuration item's one-to-one link
(`ConfigurationItem.asset`).
"""

from __future__ import annotations

import datetime
from typing import Any, ClassVar

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from assets.choices import (
    AssetKind,
    CIKind,
    DisposalMethod,
    LifecycleState,
    RelationshipKind,
)
from core.tenancy.records import (
    CatalogueModel,
    PartModel,
    PartnerOwnedModel,
    SharedOwnershipModel,
)


class Manufacturer(CatalogueModel):
    """A maker of hardware (Dell, HP, Cisco...): a catalogue every council reads."""

    name = models.CharField(
        max_length=100,
        unique=True,
        error_messages={"unique": "A manufacturer with this name already exists"},
    )

    natural_key: ClassVar[str | None] = "name"
    import_fields: ClassVar[tuple[str, ...]] = ("name",)
    import_example: ClassVar[dict[str, str]] = {"name": "Dell"}

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class HardwareModel(CatalogueModel):
    """A model of hardware a manufacturer makes (Latitude 5440), with its end of life when the
    manufacturer has announced one."""

    manufacturer = models.ForeignKey(Manufacturer, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(
        max_length=150,
        unique=True,
        help_text="The model's name, as the manufacturer sells it (Latitude 5440).",
        error_messages={"unique": "A hardware model with this name already exists"},
    )
    kind = models.CharField(max_length=20, choices=AssetKind.choices)
    model_number = models.CharField(max_length=100, blank=True)
    end_of_life = models.DateField(
        "End of life",
        null=True,
        blank=True,
        help_text="When the manufacturer stops supporting it, if announced.",
    )

    natural_key: ClassVar[str | None] = "name"
    import_fields: ClassVar[tuple[str, ...]] = (
        "manufacturer",
        "name",
        "kind",
        "model_number",
        "end_of_life",
    )
    import_example: ClassVar[dict[str, str]] = {
        "manufacturer": "Dell",
        "name": "Latitude 5440",
        "kind": "laptop",
        "model_number": "P173G",
        "end_of_life": "2030-05-31",
    }

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["manufacturer", "name"], name="hwmodel_maker_name")]

    def __str__(self) -> str:
        return self.name


class Asset(SharedOwnershipModel):
    """A piece of hardware a council owns (a laptop, a phone, a server), or that several own
    together in shares (a shared data-centre switch)."""

    kind = models.CharField(max_length=20, choices=AssetKind.choices)
    # Unique among the assets a person can see (unique_for_reader), never in the whole table:
    # a refusal must not reveal another council's tag.
    asset_tag = models.CharField(
        max_length=50,
        blank=True,
        db_index=True,
        help_text="The council's asset tag (the label on the device).",
    )
    serial_number = models.CharField(
        max_length=100, blank=True, db_index=True, help_text="The manufacturer's serial number."
    )
    name = models.CharField(
        max_length=200, blank=True, help_text="The name people or the network know it by."
    )
    hardware_model = models.ForeignKey(
        HardwareModel, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    os_name = models.CharField(
        "Operating system",
        max_length=100,
        blank=True,
        help_text="As the device reports it: Windows 10 Enterprise, Windows Server 2012 R2.",
    )
    os_version = models.CharField(
        "Operating system version",
        max_length=60,
        blank=True,
        help_text="The release or build: 22H2, 10.0.19045.4529, 14.4.",
    )
    # Matched to the shipped end-of-life data (assets.eol) on every save.
    eol_product = models.CharField("End-of-life product", max_length=30, blank=True, editable=False)
    eol_release = models.CharField("Release", max_length=60, blank=True, editable=False)
    support_ends = models.DateField(
        "Support ends",
        null=True,
        blank=True,
        editable=False,
        help_text="When its operating system's support ends (or ended), from endoflife.date.",
    )
    assigned_to = models.ForeignKey(
        "tenancy.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="Assigned to",
        help_text="The person who has it.",
    )
    site = models.ForeignKey(
        "estate.Site",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Where it is.",
    )
    purchased_on = models.DateField("Purchased on", null=True, blank=True)
    purchase_cost = models.DecimalField(
        "Purchase cost",
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="In pounds, without the £ sign.",
    )
    order_number = models.CharField("Order number", max_length=50, blank=True)
    # Free text until the contracts app brings suppliers (docs/assets.md).
    supplier = models.CharField(max_length=200, blank=True)
    warranty_ends = models.DateField("Warranty ends", null=True, blank=True)
    state = models.CharField(
        "Lifecycle state",
        max_length=20,
        choices=LifecycleState.choices,
        default=LifecycleState.IN_STOCK,
        editable=False,
        help_text="Changed only by a move (assets.services.move), which records who and when.",
    )
    last_seen_at = models.DateTimeField(
        "Last seen", null=True, blank=True, editable=False, help_text="The latest stock-take."
    )
    notes = models.TextField(blank=True)

    area: ClassVar[str] = "assets"
    natural_key: ClassVar[str | None] = "asset_tag"
    unique_for_reader: ClassVar[tuple[str, ...]] = ("asset_tag", "serial_number")
    #: A re-import finds the record to update by these, in order, among those the person may
    #: change (core.importing): a serial number, else an asset tag.
    import_match_fields: ClassVar[tuple[str, ...]] = ("serial_number", "asset_tag")
    derived_fields: ClassVar[frozenset[str]] = frozenset(
        {"eol_product", "eol_release", "support_ends", "last_seen_at"}
    )
    import_fields: ClassVar[tuple[str, ...]] = (
        "owner_shares",
        "kind",
        "asset_tag",
        "serial_number",
        "name",
        "hardware_model",
        "os_name",
        "os_version",
        "site",
        "purchased_on",
        "purchase_cost",
        "order_number",
        "supplier",
        "warranty_ends",
        "notes",
        # Not a field: the state an asset starts in or moves to by the lifecycle's rule
        # (assets.importers.LIFECYCLE_COLUMN, core.importing.states).
        "lifecycle_state",
    )
    import_example: ClassVar[dict[str, str]] = {
        "owner_shares": "wcc",
        "kind": "laptop",
        "asset_tag": "WCC-004211",
        "serial_number": "5CD1234XYZ",
        "name": "WCC-LT-4211",
        "hardware_model": "Latitude 5440",
        "os_name": "Windows 11 Enterprise",
        "os_version": "23H2",
        "site": "CH",
        "purchased_on": "2024-04-01",
        "purchase_cost": "899.00",
        "order_number": "PO-2024-0142",
        "supplier": "Softcat",
        "warranty_ends": "2027-03-31",
        "notes": "",
        "lifecycle_state": "deployed",
    }
    constraint_fields: ClassVar[dict[str, str]] = {"asset_tag_or_serial": "asset_tag"}

    class Meta:
        ordering = ["asset_tag", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(asset_tag="") | ~Q(serial_number=""),
                name="asset_tag_or_serial",
                violation_error_message="Enter an asset tag or a serial number",
            )
        ]
        indexes = [
            models.Index(fields=["asset_tag", "id"], name="asset_tag_id"),
            models.Index(fields=["support_ends", "id"], name="asset_support_ends"),
            models.Index(fields=["state", "last_seen_at"], name="asset_state_seen"),
        ]

    def __str__(self) -> str:
        return self.asset_tag or self.serial_number or f"Asset {self.pk}"

    def derive(self) -> None:
        from assets.eol import match_release

        match = match_release(self.os_name, self.os_version)
        self.eol_product = match.product if match else ""
        self.eol_release = match.cycle if match else ""
        self.support_ends = match.support_ends if match else None


class AssetMove(PartModel):
    """One move of an asset from a lifecycle state to another: who, when, and why."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="+")
    from_state = models.CharField(max_length=20, choices=LifecycleState.choices)
    to_state = models.CharField(max_length=20, choices=LifecycleState.choices)
    moved_at = models.DateTimeField()
    moved_by = models.ForeignKey(
        "tenancy.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)

    area: ClassVar[str] = "assets"
    part_of: ClassVar[str] = "asset"
    attachable: ClassVar[bool] = False
    without_family: ClassVar[str] = (
        "a part of its asset, made only by assets.services.move: assets/tests/test_lifecycle.py"
    )

    class Meta:
        ordering = ["asset", "moved_at", "id"]
        indexes = [models.Index(fields=["asset", "moved_at", "id"], name="assetmove_asset_at")]

    def __str__(self) -> str:
        return f"{self.get_from_state_display()} → {self.get_to_state_display()}"


class Disposal(PartModel):
    """How a disposed asset was disposed of, and the certificate that proves it."""

    asset = models.OneToOneField(Asset, on_delete=models.CASCADE, related_name="+")
    method = models.CharField(max_length=20, choices=DisposalMethod.choices)
    certificate_reference = models.CharField(
        max_length=100, help_text="The disposal or data-destruction certificate's reference."
    )
    disposed_on = models.DateField()
    recorded_by = models.ForeignKey(
        "tenancy.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    area: ClassVar[str] = "assets"
    part_of: ClassVar[str] = "asset"
    attachable: ClassVar[bool] = False
    without_family: ClassVar[str] = (
        "a part of its asset, made only by assets.services.move to disposed: "
        "assets/tests/test_lifecycle.py"
    )

    class Meta:
        ordering = ["disposed_on", "id"]

    def __str__(self) -> str:
        return f"{self.get_method_display()} ({self.certificate_reference})"


class Sighting(PartModel):
    """An asset seen at a stock-take: who saw it, when and where."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField()
    seen_by = models.ForeignKey(
        "tenancy.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    site = models.ForeignKey(
        "estate.Site", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    location = models.CharField(max_length=200, blank=True, help_text="Room, desk or rack.")

    area: ClassVar[str] = "assets"
    part_of: ClassVar[str] = "asset"
    attachable: ClassVar[bool] = False
    without_family: ClassVar[str] = (
        "a part of its asset, made only by assets.services.record_sighting: "
        "assets/tests/test_stocktake.py"
    )

    class Meta:
        ordering = ["asset", "-seen_at", "id"]
        indexes = [models.Index(fields=["asset", "seen_at"], name="sighting_asset_at")]

    def __str__(self) -> str:
        return f"{self.asset} seen {self.seen_at:%Y-%m-%d}"


#: The longest stock-take interval a council may set: ten years.
MAX_CHECK_MONTHS = 120


class StocktakePolicy(PartnerOwnedModel):
    """How often a council's assets must be seen at a stock-take, for every kind of asset or
    one kind (servers every 6 months). Where several apply to an asset, the shortest interval
    does; a council with none for a kind uses DEFAULT_CHECK_MONTHS."""

    kind = models.CharField(
        "Kind of asset",
        max_length=20,
        choices=AssetKind.choices,
        blank=True,
        help_text="Leave empty for every kind.",
    )
    check_every_months = models.PositiveSmallIntegerField(
        "Check every (months)",
        validators=[MinValueValidator(1), MaxValueValidator(MAX_CHECK_MONTHS)],
        help_text="An asset not seen for this many months is overdue for a check (1 to 120).",
    )
    note = models.CharField(max_length=200, blank=True, help_text="Why this interval.")

    area: ClassVar[str] = "assets"
    constraint_fields: ClassVar[dict[str, str]] = {
        "stocktake_months_in_range": "check_every_months"
    }
    noun: ClassVar[str | None] = "stock-take interval"
    noun_plural: ClassVar[str | None] = "stock-take intervals"
    import_fields: ClassVar[tuple[str, ...]] = ("partner", "kind", "check_every_months", "note")
    import_example: ClassVar[dict[str, str]] = {
        "partner": "wcc",
        "kind": "server",
        "check_every_months": "6",
        "note": "Data-centre kit is audited twice a year",
    }

    class Meta:
        ordering = ["partner", "kind", "id"]
        indexes = [models.Index(fields=["partner", "kind", "id"], name="stocktake_partner_kind")]
        constraints = [
            models.CheckConstraint(
                condition=Q(check_every_months__gte=1, check_every_months__lte=MAX_CHECK_MONTHS),
                name="stocktake_months_in_range",
                violation_error_message="Give a number of months from 1 to 120.",
            )
        ]

    def __str__(self) -> str:
        which = self.get_kind_display().lower() + "s" if self.kind else "every asset"
        return f"Check {which} every {self.check_every_months} months"


class ConfigurationItem(SharedOwnershipModel):
    """Something the councils' IT is made of that others depend on: a business service, an
    application (a housing system, Microsoft Dynamics CRM), a database, a server. A hardware
    asset takes part in the graph through `asset` (decision 0019)."""

    name = models.CharField(max_length=200, db_index=True)
    kind = models.CharField(max_length=20, choices=CIKind.choices)
    description = models.TextField(blank=True)
    asset = models.OneToOneField(
        Asset,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The hardware asset this item is, for servers and network kit.",
        error_messages={"unique": "Another configuration item is already this asset"},
    )
    owner = models.ForeignKey(
        "tenancy.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="Service owner",
        help_text="The person answerable for it.",
    )
    is_live = models.BooleanField("Live", default=True)

    area: ClassVar[str] = "assets"
    natural_key: ClassVar[str | None] = "name"
    unique_for_reader: ClassVar[tuple[str, ...]] = ("name",)
    #: A re-import updates the item of the same name (unique among what a person sees).
    import_match_fields: ClassVar[tuple[str | tuple[str, ...], ...]] = ("name",)
    import_fields: ClassVar[tuple[str, ...]] = (
        "owner_shares",
        "name",
        "kind",
        "description",
        "asset",
        "owner",
        "is_live",
    )
    import_example: ClassVar[dict[str, str]] = {
        "owner_shares": "wcc",
        "name": "Housing system",
        "kind": "application",
        "description": "Rents, repairs and tenancies.",
        "asset": "",
        "owner": "",
        "is_live": "yes",
    }

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["name", "id"], name="ci_name_id")]

    def __str__(self) -> str:
        return self.name


class CIRelationship(PartModel):
    """One configuration item runs on, depends on or is connected to another. Seen only by
    those who see both ends, so a relationship never reveals an item the reader cannot see."""

    source = models.ForeignKey(ConfigurationItem, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=RelationshipKind.choices)
    target = models.ForeignKey(ConfigurationItem, on_delete=models.CASCADE, related_name="+")
    note = models.CharField(max_length=200, blank=True)

    area: ClassVar[str] = "assets"
    part_of: ClassVar[str] = "source"
    attachable: ClassVar[bool] = False
    #: Both ends named by their names, among the items the importing person sees.
    import_match_fields: ClassVar[tuple[str | tuple[str, ...], ...]] = (
        ("source", "kind", "target"),
    )
    import_fields: ClassVar[tuple[str, ...]] = ("source", "kind", "target", "note")
    import_example: ClassVar[dict[str, str]] = {
        "source": "Housing system",
        "kind": "runs_on",
        "target": "WCC-SQL-01",
        "note": "",
    }
    constraint_fields: ClassVar[dict[str, str]] = {"cirel_not_itself": "target"}
    noun: ClassVar[str | None] = "relationship"
    noun_plural: ClassVar[str | None] = "relationships"

    class Meta:
        ordering = ["source", "kind", "target", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "kind", "target"],
                name="cirel_unique",
                violation_error_message="These items already have this relationship",
            ),
            models.CheckConstraint(
                condition=~Q(source=models.F("target")),
                name="cirel_not_itself",
                violation_error_message="An item cannot be related to itself",
            ),
        ]
        indexes = [
            models.Index(fields=["target", "source"], name="cirel_target_source"),
            models.Index(fields=["source", "target"], name="cirel_source_target"),
        ]

    @classmethod
    def ownership_filter(cls, partner_ids: Any) -> Q | None:
        source = cls.parent_rows(partner_ids, "source")
        target = cls.parent_rows(partner_ids, "target")
        if source is None or target is None:
            return None
        return source & target

    def __str__(self) -> str:
        return f"{self.source} {self.get_kind_display().lower()} {self.target}"


#: Months between two checks of an asset, for a council with no StocktakePolicy.
DEFAULT_CHECK_MONTHS = 12


def months_ago(today: datetime.date, months: int) -> datetime.date:
    """The same day `months` months before `today` (the month's last day when shorter)."""
    import calendar

    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    month += 1
    if year < datetime.MINYEAR:
        return datetime.date.min
    if year > datetime.MAXYEAR:
        return datetime.date.max
    day = min(today.day, calendar.monthrange(year, month)[1])
    return datetime.date(year, month, day)
