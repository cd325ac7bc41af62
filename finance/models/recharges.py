"""Finance records: recharges (see finance/models/__init__.py and docs/finance.md, "Recharge
runs and statements").

A `RechargeRun` splits the costs of a period (a month or a quarter) between the councils and
gives each a `RechargeStatement`. A statement keeps its `RechargeLine`s grouped (per category,
spend type, rule and ledger code), never one row per cost and council: each cost's shares are
recomputed on demand, by the same arithmetic, from the run's frozen inputs, the weights each
council had under each rule (`RechargeWeight`) and the driver figures and member days they came
from (`RechargeDriver`) (decisions/0032). A run is made and re-made by
`finance.recharging.run_for` while it is a draft, and locked for good by `approve`; later
corrections are `RechargeAdjustment`s that the next run carries.

Who sees what: runs are a catalogue of the finance area (the period, its status and the shared
total, which every council's statement adds up to, are no council's secret); statements, their
lines, the weights, the driver figures and adjustments are each one council's, seen only by
that council and the shared service (a council never sees another council's figure).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from core.tenancy.access import access_for
from core.tenancy.records import CatalogueModel, PartModel, PartnerOwnedModel
from finance.choices import CostCategory, Driver, SpendType
from finance.models.ledger import MONEY_DIGITS, ApportionmentRule

__all__ = [
    "RechargeAdjustment",
    "RechargeDriver",
    "RechargeLine",
    "RechargeRun",
    "RechargeStatement",
    "RechargeWeight",
    "RunStatus",
]


class RunStatus(models.TextChoices):
    """A draft run may be re-made; an approved one is locked for good."""

    DRAFT = "draft", "Draft"
    APPROVED = "approved", "Approved"


#: Weights are kept to 12 decimal places: a run rounds each council's exact weight to that
#: before splitting with it, so that a statement's costs recomputed from the stored weights
#: split exactly as the run did.
WEIGHT_DIGITS: dict[str, Any] = {"max_digits": 30, "decimal_places": 12}


class RechargeRun(CatalogueModel):
    """The recharge of one period's costs to the councils: a month or a quarter. Made (and
    re-made while a draft) by `finance.recharging.run_for`; approved by
    `finance.recharging.approve`, after which it and the costs of its period are locked."""

    period_start = models.DateField(help_text="The first day of the month or quarter.")
    period_end = models.DateField(help_text="The last day of the month or quarter.")
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.DRAFT)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    approved_at = models.DateTimeField(null=True, blank=True, editable=False)
    inputs_digest = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        help_text="SHA-256 of every input of the run: a re-run of the same inputs gives it again.",
    )
    total = models.DecimalField(
        "Total (£)",
        default=0,
        editable=False,
        help_text="Every council's statement added up: the costs of the period and the "
        "adjustments carried.",
        **MONEY_DIGITS,
    )
    cost_count = models.PositiveIntegerField("Costs", default=0, editable=False)
    problems = models.TextField(
        blank=True,
        editable=False,
        help_text="Shared costs the run could not split (no rule, a rule that does not add up).",
    )

    area: ClassVar[str] = "finance"
    constraint_fields: ClassVar[dict[str, str]] = {"rechargerun_period": "period_end"}

    class Meta:
        verbose_name = "recharge run"
        verbose_name_plural = "recharge runs"
        ordering = ["-period_start", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["period_start", "period_end"],
                name="rechargerun_unique_period",
                violation_error_message="There is already a recharge run for this period",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="rechargerun_period",
                violation_error_message="The last day must be the same as or after the first day",
            ),
        ]
        indexes = [models.Index(fields=["-period_start", "-id"], name="rechargerun_period_id")]

    def __str__(self) -> str:
        return f"Recharge {self.period_label()}"

    @classmethod
    def visibility_filter(cls, user: Any, action: str = "view") -> Q | None:
        # Runs are read by whoever may read the finance area in any council (a council's
        # finance officer and lead, the shared service's staff); they are written only by
        # the run service, for the shared service's finance officer and manager.
        return Q() if access_for(user).can(action, cls.area) else None

    def period_label(self) -> str:
        """The period in words: "April 2026", or "1 April to 30 June 2026"."""
        if self.period_start is None or self.period_end is None:
            return ""
        start, end = self.period_start, self.period_end
        if start.day == 1 and start.month == end.month and start.year == end.year:
            return f"{start:%B %Y}"
        return f"{start.day} {start:%B %Y} to {end.day} {end:%B %Y}"

    @property
    def is_approved(self) -> bool:
        return self.status == RunStatus.APPROVED

    def clean(self) -> None:
        super().clean()
        if self.pk:
            stored = (
                RechargeRun.objects.unscoped("an approved run is never changed")
                .filter(pk=self.pk, status=RunStatus.APPROVED)
                .exists()
            )
            if stored:
                raise ValidationError(
                    "This recharge run is approved and locked: put corrections in a later "
                    "period as adjustments"
                )


class RechargeStatement(PartnerOwnedModel):
    """What one council owes for a run's period: its share of each shared cost, the costs it
    bears alone, and adjustments carried from earlier runs."""

    run = models.ForeignKey(RechargeRun, on_delete=models.CASCADE, related_name="+")
    total = models.DecimalField("Total (£)", default=0, **MONEY_DIGITS)
    adjustments = models.DecimalField(
        "Adjustments (£)",
        default=0,
        help_text="Corrections of earlier approved runs carried by this one.",
        **MONEY_DIGITS,
    )

    area: ClassVar[str] = "finance"

    class Meta:
        verbose_name = "recharge statement"
        verbose_name_plural = "recharge statements"
        ordering = ["-run__period_start", "partner__name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "partner"],
                name="rechargestatement_unique_council",
                violation_error_message="This council already has a statement in this run",
            )
        ]
        indexes = [
            models.Index(fields=["partner", "run"], name="rechargestmt_partner_run"),
        ]

    def __str__(self) -> str:
        run = self.run.period_label() if self.run_id else ""
        council = self.partner.name if self.partner_id else ""
        return f"{council}: recharge {run}"


class RechargeLine(PartModel):
    """One group of a statement: the council's share of the costs of one category, spend
    type and rule, booked to one cost centre and account (the council's ledger code)."""

    statement = models.ForeignKey(RechargeStatement, on_delete=models.CASCADE, related_name="+")
    category = models.CharField(max_length=20, choices=CostCategory.choices)
    spend_type = models.CharField(
        "Revenue or capital", max_length=10, choices=SpendType.choices, default=SpendType.REVENUE
    )
    rule = models.ForeignKey(
        ApportionmentRule, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    shared = models.BooleanField(
        default=True, help_text="A share of shared costs; not ticked: costs the council bears."
    )
    cost_centre = models.CharField(
        max_length=20, blank=True, help_text="The council's cost centre code (its ledger code)."
    )
    account_code = models.CharField(max_length=20, blank=True)
    cost_total = models.DecimalField(
        "Costs (£)", help_text="The costs of the group, before splitting.", **MONEY_DIGITS
    )
    amount = models.DecimalField("Share (£)", **MONEY_DIGITS)
    cost_count = models.PositiveIntegerField("Costs", default=0)

    area: ClassVar[str] = "finance"
    part_of: ClassVar[str] = "statement"
    attachable: ClassVar[bool] = False
    without_family: ClassVar[str] = (
        "Part of a statement, written only by a run: read with its statement (its page, API "
        "and files) and tested there (finance/tests/test_recharge_runs.py, "
        "test_recharge_statements.py)"
    )

    class Meta:
        verbose_name = "recharge line"
        verbose_name_plural = "recharge lines"
        ordering = ["statement", "category", "spend_type", "id"]
        indexes = [models.Index(fields=["statement", "category", "id"], name="rechargeline_stmt")]

    def __str__(self) -> str:
        kind = f"{self.get_category_display()} ({self.get_spend_type_display().lower()})"
        return f"{kind}: £{self.amount:,}"


class RechargeWeight(PartnerOwnedModel):
    """A council's weight under one rule in a run: its fixed percentage, driver figure or
    mix, pro-rated for its days in the partnership, as the run split every cost of the rule
    by (kept so that each cost's shares can be recomputed exactly)."""

    run = models.ForeignKey(RechargeRun, on_delete=models.CASCADE, related_name="+")
    rule = models.ForeignKey(ApportionmentRule, on_delete=models.PROTECT, related_name="+")
    weight = models.DecimalField(**WEIGHT_DIGITS)

    area: ClassVar[str] = "finance"
    attachable: ClassVar[bool] = False
    without_family: ClassVar[str] = (
        "A run's frozen input, written only by the run: shown on the council's statement and "
        "tested with the runs (finance/tests/test_recharge_runs.py)"
    )

    class Meta:
        verbose_name = "recharge weight"
        verbose_name_plural = "recharge weights"
        ordering = ["run", "rule", "partner", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "rule", "partner"],
                name="rechargeweight_unique",
                violation_error_message="This council already has a weight for this rule",
            )
        ]
        indexes = [models.Index(fields=["partner", "run", "rule"], name="rechargeweight_partner")]

    def __str__(self) -> str:
        return f"{self.rule}: {self.weight}"


class RechargeDriver(PartnerOwnedModel):
    """A council's driver figure and days in the partnership for a run, frozen as the run
    read them."""

    run = models.ForeignKey(RechargeRun, on_delete=models.CASCADE, related_name="+")
    driver = models.CharField(max_length=20, choices=Driver.choices)
    value = models.DecimalField(max_digits=16, decimal_places=2)
    member_days = models.PositiveIntegerField(
        help_text="The council's days in the partnership in the run's period."
    )

    area: ClassVar[str] = "finance"
    attachable: ClassVar[bool] = False
    without_family: ClassVar[str] = (
        "A run's frozen input, written only by the run: shown on the council's statement and "
        "tested with the runs (finance/tests/test_recharge_runs.py)"
    )

    class Meta:
        verbose_name = "recharge driver figure"
        verbose_name_plural = "recharge driver figures"
        ordering = ["run", "driver", "partner", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "partner", "driver"],
                name="rechargedriver_unique",
                violation_error_message="This council already has this driver in this run",
            )
        ]
        indexes = [models.Index(fields=["partner", "run", "driver"], name="rechargedrv_partner")]

    def __str__(self) -> str:
        return f"{self.get_driver_display()}: {self.value}"


class RechargeAdjustment(PartnerOwnedModel):
    """A correction of an approved run for one council (a credit is negative), carried by
    the next run made after it is entered: the approved run itself is never edited."""

    amount = models.DecimalField(
        "Amount (£)", help_text="In pounds; a credit to the council is negative.", **MONEY_DIGITS
    )
    reason = models.CharField(max_length=300, help_text="What is corrected, and why.")
    corrects_run = models.ForeignKey(
        RechargeRun,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="Corrects the run",
        help_text="The approved run this corrects.",
    )
    applied_in = models.ForeignKey(
        RechargeRun,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name="Carried by",
    )

    area: ClassVar[str] = "finance"
    import_fields: ClassVar[tuple[str, ...]] = ()

    class Meta:
        verbose_name = "recharge adjustment"
        verbose_name_plural = "recharge adjustments"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="rechargeadj_created"),
            models.Index(fields=["partner", "applied_in"], name="rechargeadj_partner"),
        ]

    def __str__(self) -> str:
        return f"£{self.amount:,}: {self.reason}" if self.amount is not None else self.reason

    def clean(self) -> None:
        super().clean()
        if self.corrects_run_id and not self.corrects_run.is_approved:
            raise ValidationError(
                {"corrects_run": "Choose an approved run: a draft is corrected by running it again"}
            )
        if self.pk and self.applied_in_id:
            stored = (
                RechargeAdjustment.objects.unscoped("a carried adjustment is locked")
                .filter(pk=self.pk, applied_in__status=RunStatus.APPROVED)
                .exists()
            )
            if stored:
                raise ValidationError("This adjustment is carried by an approved run and locked")
