"""Finance records: savings (see finance/models/__init__.py).

A business case is what the councils agreed to share a service for: the annual cost of the
service before (its baseline), the savings it promised year by year (cashable and not), the
one-off cost of the change each council bears, and how the councils split the savings. What
was saved is recorded against it per council and year, measured from the councils' actual
costs (finance.savings_services.measure_savings) or entered as a measure, with the evidence
kept beside each figure.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from core.tenancy.records import AudienceModel, PartModel, PartnerOwnedModel

__all__ = [
    "BusinessCase",
    "CaseStatus",
    "ImplementationCost",
    "RealisedSaving",
    "SavingsBasis",
    "SavingsSplit",
    "SavingsTarget",
]

#: The cost categories a business case's savings are measured on (finance.choices.CostCategory).
CATEGORY_CODES = ("staff", "contract", "licence", "hardware", "call_off", "other")

MONEY: dict[str, Any] = {
    "max_digits": 14,
    "decimal_places": 2,
    "validators": [MinValueValidator(Decimal("0"))],
}


class CaseStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    APPROVED = "approved", "Approved"
    CLOSED = "closed", "Closed"


class SavingsBasis(models.TextChoices):
    MEASURED = "measured", "Measured from costs"
    ENTERED = "entered", "Entered measure"


def validate_categories(value: str) -> None:
    """A comma-separated list of cost categories (staff, contract, licence, hardware,
    call_off, other)."""
    unknown = [c for c in split_categories(value) if c not in CATEGORY_CODES]
    if unknown:
        raise ValidationError(
            "Enter cost categories from: %(known)s, separated by commas (not %(bad)s)",
            params={"known": ", ".join(CATEGORY_CODES), "bad": ", ".join(unknown)},
            code="invalid",
        )


def split_categories(value: str) -> list[str]:
    """The categories of a comma-separated list, trimmed, in order, without repeats."""
    seen: list[str] = []
    for part in (value or "").split(","):
        code = part.strip().lower()
        if code and code not in seen:
            seen.append(code)
    return seen


class BusinessCase(AudienceModel):
    """A business case for sharing a service: the councils it is for (its audience), its
    annual baseline cost, the savings it promised per year, the one-off implementation costs
    and the councils' split of the savings."""

    reference = models.CharField(max_length=50, db_index=True, help_text="Like TB-2011-01.")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    approved_on = models.DateField(null=True, blank=True)
    baseline_cost = models.DecimalField(
        "Baseline cost (£ a year)",
        help_text="What the councils spent a year on the service before sharing it, in pounds.",
        **MONEY,
    )
    categories = models.CharField(
        "Cost categories",
        max_length=100,
        default="staff,contract,licence,hardware,call_off,other",
        validators=[validate_categories],
        help_text=(
            "The cost categories the baseline covers and savings are measured on, separated "
            "by commas: staff, contract, licence, hardware, call_off, other."
        ),
    )
    first_year = models.ForeignKey(
        "finance.FinancialYear",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The first financial year the savings count from.",
    )
    status = models.CharField(max_length=20, choices=CaseStatus.choices, default=CaseStatus.DRAFT)

    area: ClassVar[str] = "finance"
    natural_key: ClassVar[str | None] = "reference"
    unique_for_reader: ClassVar[tuple[str, ...]] = ("reference",)
    # The generic import, with the councils it is for (core.importing.audience: codes or all).
    import_fields: ClassVar[tuple[str, ...]] = (
        "reference",
        "name",
        "description",
        "approved_on",
        "baseline_cost",
        "categories",
        "first_year",
        "status",
        "councils",
    )
    import_example: ClassVar[dict[str, str]] = {
        "reference": "TB-2011-01",
        "name": "Tri-borough shared ICT",
        "description": "",
        "approved_on": "2011-03-01",
        "baseline_cost": "11000000",
        "categories": "staff,contract,licence,hardware,call_off,other",
        "first_year": "2026/27",
        "status": "approved",
        "councils": "wcc, rbkc",
    }

    class Meta:
        verbose_name = "business case"
        verbose_name_plural = "business cases"
        ordering = ["reference", "id"]
        indexes = [models.Index(fields=["reference", "id"], name="businesscase_reference_id")]

    def __str__(self) -> str:
        return f"{self.reference} {self.name}"

    def category_list(self) -> list[str]:
        """The case's cost categories, as codes."""
        return split_categories(self.categories)


class SavingsTarget(PartModel):
    """The savings a business case promised in one financial year, cashable and not."""

    business_case = models.ForeignKey(BusinessCase, on_delete=models.CASCADE, related_name="+")
    year = models.ForeignKey("finance.FinancialYear", on_delete=models.PROTECT, related_name="+")
    cashable = models.DecimalField("Cashable (£)", **MONEY)
    non_cashable = models.DecimalField("Non-cashable (£)", default=Decimal("0"), **MONEY)
    note = models.CharField(
        max_length=200,
        blank=True,
        help_text="Where the target comes from, like Business case section 4.",
    )

    area: ClassVar[str] = "finance"
    part_of: ClassVar[str] = "business_case"
    attachable: ClassVar[bool] = False
    constraint_fields: ClassVar[dict[str, str]] = {
        "savingstarget_cashable_not_negative": "cashable",
        "savingstarget_non_cashable_not_negative": "non_cashable",
    }

    class Meta:
        verbose_name = "savings target"
        verbose_name_plural = "savings targets"
        ordering = ["business_case", "year", "id"]
        indexes = [
            models.Index(fields=["business_case", "year", "id"], name="savingstarget_case_year")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["business_case", "year"],
                name="savingstarget_unique_year",
                violation_error_message="This business case already has a target for this year",
            ),
            models.CheckConstraint(
                condition=Q(cashable__gte=0),
                name="savingstarget_cashable_not_negative",
                violation_error_message="The cashable target must be zero or more",
            ),
            models.CheckConstraint(
                condition=Q(non_cashable__gte=0),
                name="savingstarget_non_cashable_not_negative",
                violation_error_message="The non-cashable target must be zero or more",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.business_case.reference} {self.year}: £{self.cashable:,}"


class ImplementationCost(PartnerOwnedModel):
    """A council's one-off cost of making the change a business case describes (the
    Tri-borough's £35,000 each)."""

    business_case = models.ForeignKey(BusinessCase, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField("Amount (£)", **MONEY)
    description = models.CharField(max_length=200, blank=True)

    area: ClassVar[str] = "finance"
    constraint_fields: ClassVar[dict[str, str]] = {"implementationcost_not_negative": "amount"}
    import_fields: ClassVar[tuple[str, ...]] = ("partner", "business_case", "amount", "description")
    import_example: ClassVar[dict[str, str]] = {
        "partner": "wcc",
        "business_case": "TB-2011-01",
        "amount": "35000.00",
        "description": "Change team and data migration",
    }

    class Meta:
        verbose_name = "implementation cost"
        verbose_name_plural = "implementation costs"
        ordering = ["business_case", "partner", "id"]
        indexes = [
            models.Index(fields=["business_case", "partner", "id"], name="implcost_case_partner"),
            models.Index(fields=["partner", "business_case", "id"], name="implcost_partner_case"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="implementationcost_not_negative",
                violation_error_message="The amount must be zero or more",
            ),
        ]

    def __str__(self) -> str:
        return f"£{self.amount:,} ({self.description or 'implementation'})"


class SavingsSplit(PartnerOwnedModel):
    """A council's share of a business case's savings, in percent: the councils' shares of a
    case add up to 100 (a share that would take them past 100 is refused; the case's page
    says when they fall short)."""

    business_case = models.ForeignKey(BusinessCase, on_delete=models.PROTECT, related_name="+")
    percent = models.DecimalField(
        "Share (%)",
        max_digits=6,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    note = models.CharField(
        max_length=200,
        blank=True,
        help_text="Where the share was agreed, like Joint committee 12 May 2011.",
    )

    area: ClassVar[str] = "finance"
    constraint_fields: ClassVar[dict[str, str]] = {"savingssplit_percent_range": "percent"}
    import_fields: ClassVar[tuple[str, ...]] = ("partner", "business_case", "percent", "note")
    import_example: ClassVar[dict[str, str]] = {
        "partner": "wcc",
        "business_case": "TB-2011-01",
        "percent": "33.333",
        "note": "Joint committee 12 May 2011",
    }

    class Meta:
        verbose_name = "savings split"
        verbose_name_plural = "savings splits"
        ordering = ["business_case", "partner", "id"]
        indexes = [
            models.Index(fields=["partner", "business_case", "id"], name="split_partner_case"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["business_case", "partner"],
                name="savingssplit_unique_council",
                violation_error_message="This council already has a share of this business case",
            ),
            models.CheckConstraint(
                condition=Q(percent__gte=0) & Q(percent__lte=100),
                name="savingssplit_percent_range",
                violation_error_message="The share must be between 0 and 100 percent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.percent}%"

    def clean(self) -> None:
        super().clean()
        if self.business_case_id is None or self.percent is None:
            return
        from finance.savings_services import split_total

        others = split_total(self.business_case_id, exclude_pk=self.pk)
        if others + self.percent > Decimal("100"):
            # The sum of the other councils' shares only, never a council's own figure.
            raise ValidationError(
                {"percent": "The councils' shares of the savings must not add up to more than 100%"}
            )


class RealisedSaving(PartnerOwnedModel):
    """What a council saved under a business case in one financial year: measured from its
    actual costs (its own cost lines and its recharged share against its share of the
    baseline) or entered as a measure, with the figures and evidence it was worked out from.
    A measured figure below zero says the council spent more than its baseline share."""

    business_case = models.ForeignKey(BusinessCase, on_delete=models.PROTECT, related_name="+")
    year = models.ForeignKey("finance.FinancialYear", on_delete=models.PROTECT, related_name="+")
    basis = models.CharField(
        max_length=20, choices=SavingsBasis.choices, default=SavingsBasis.ENTERED
    )
    cashable = models.DecimalField("Cashable (£)", max_digits=14, decimal_places=2)
    non_cashable = models.DecimalField(
        "Non-cashable (£)", default=Decimal("0"), max_digits=14, decimal_places=2
    )
    evidence = models.TextField(
        blank=True,
        help_text="What the figure rests on: the measure, its source, who checked it.",
    )
    # The figures a measured saving was worked out from (empty for an entered measure).
    baseline_share = models.DecimalField(
        "Baseline share (£)", max_digits=14, decimal_places=2, null=True, blank=True
    )
    own_costs = models.DecimalField(
        "Own costs (£)", max_digits=14, decimal_places=2, null=True, blank=True
    )
    recharged_costs = models.DecimalField(
        "Recharged share (£)", max_digits=14, decimal_places=2, null=True, blank=True
    )
    cost_line_count = models.PositiveIntegerField("Cost lines counted", null=True, blank=True)
    measured_to = models.DateField(
        null=True, blank=True, help_text="The last day of the year the measure covers."
    )

    area: ClassVar[str] = "finance"
    import_fields: ClassVar[tuple[str, ...]] = (
        "partner",
        "business_case",
        "year",
        "basis",
        "cashable",
        "non_cashable",
        "evidence",
    )
    import_example: ClassVar[dict[str, str]] = {
        "partner": "wcc",
        "business_case": "TB-2011-01",
        "year": "2026/27",
        "basis": "entered",
        "cashable": "120000.00",
        "non_cashable": "15000.00",
        "evidence": "Desk hours saved, from the service desk's report",
    }
    constraint_fields: ClassVar[dict[str, str]] = {
        "realisedsaving_non_cashable_not_negative": "non_cashable"
    }

    class Meta:
        verbose_name = "realised saving"
        verbose_name_plural = "realised savings"
        ordering = ["business_case", "year", "partner", "id"]
        indexes = [
            models.Index(
                fields=["business_case", "year", "partner", "id"], name="realised_case_year"
            ),
            models.Index(fields=["partner", "year", "id"], name="realised_partner_year"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["business_case", "partner", "year", "basis"],
                name="realisedsaving_unique_basis",
                violation_error_message=(
                    "This council already has a saving on this basis for this year: change it"
                ),
            ),
            models.CheckConstraint(
                condition=Q(non_cashable__gte=0),
                name="realisedsaving_non_cashable_not_negative",
                violation_error_message="The non-cashable saving must be zero or more",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_basis_display()}: £{self.cashable:,}"
