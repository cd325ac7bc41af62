"""Finance records: the ledger (see finance/models/__init__.py and docs/finance.md).

Financial years (a catalogue, April to March by default), each council's cost centres and
ledger codes, budgets per council, cost centre and year with every revision kept, cost lines
(one council's, or the partnership's to apportion), the apportionment rules that split a
shared cost (fixed percentages, a measured driver or a weighted mix of drivers) and the
driver figures they read per council and period.

The checks on one record alone are here (`clean` and the constraints); the rules that span
records (one rule per category in force, a budget's revisions, a locked period) are in
`finance.services`, which `clean` calls where a form, the API and an import must all meet
them.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, ClassVar

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from core.tenancy.access import access_for
from core.tenancy.records import AudienceModel, CatalogueModel, PartModel, PartnerOwnedModel
from finance.choices import (
    ApportionmentMethod,
    CostCategory,
    Driver,
    FigureSource,
    SpendType,
)

__all__ = [
    "ApportionmentRule",
    "Budget",
    "BudgetRevision",
    "CostCentre",
    "CostLine",
    "DriverFigure",
    "FinancialYear",
    "LedgerCode",
    "RuleComponent",
    "RuleShare",
]

#: Money in pounds and pence, up to £999,999,999,999.99.
MONEY_DIGITS: dict[str, Any] = {"max_digits": 14, "decimal_places": 2}
NOT_NEGATIVE = MinValueValidator(Decimal("0"))
PERCENT_DIGITS: dict[str, Any] = {
    "max_digits": 5,
    "decimal_places": 2,
    "validators": [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
}
#: The month a financial year starts in by default (April, as English councils' years do).
YEAR_START_MONTH = 4

CODE_PATTERN = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9./-]*$", "Use letters, digits, . / or -, like 400 or IT-01."
)


def year_bounds(on: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first and last days of the April-to-March financial year holding `on`."""
    first_year = on.year if on.month >= YEAR_START_MONTH else on.year - 1
    starts = datetime.date(first_year, YEAR_START_MONTH, 1)
    ends = datetime.date(first_year + 1, YEAR_START_MONTH, 1) - datetime.timedelta(days=1)
    return starts, ends


def year_name(starts_on: datetime.date) -> str:
    """The usual name of a year starting on `starts_on`: "2026/27"."""
    return f"{starts_on.year}/{(starts_on.year + 1) % 100:02d}"


class FinancialYear(CatalogueModel):
    """A financial year (April to March by default): what budgets are set for and what
    actual spend is reported against. Years never overlap."""

    name = models.CharField(
        max_length=20,
        unique=True,
        help_text="Like 2026/27.",
        error_messages={"unique": "A financial year with this name already exists"},
    )
    starts_on = models.DateField(
        unique=True,
        help_text="The first day of the year, like 1 April 2026.",
        error_messages={"unique": "A financial year starting on this day already exists"},
    )
    ends_on = models.DateField(help_text="The last day of the year, like 31 March 2027.")

    natural_key: ClassVar[str | None] = "name"
    import_fields: ClassVar[tuple[str, ...]] = ("name", "starts_on", "ends_on")
    import_example: ClassVar[dict[str, str]] = {
        "name": "2026/27",
        "starts_on": "2026-04-01",
        "ends_on": "2027-03-31",
    }
    constraint_fields: ClassVar[dict[str, str]] = {"financialyear_ends_after_start": "ends_on"}

    class Meta:
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gt=F("starts_on")),
                name="financialyear_ends_after_start",
                violation_error_message="The last day must be after the first day",
            )
        ]
        indexes = [models.Index(fields=["-starts_on", "-id"], name="finyear_starts")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if self.starts_on and self.ends_on and self.ends_on > self.starts_on:
            others = FinancialYear.objects.unscoped("financial years never overlap").filter(
                starts_on__lte=self.ends_on, ends_on__gte=self.starts_on
            )
            if self.pk:
                others = others.exclude(pk=self.pk)
            clash = others.first()
            if clash is not None:
                raise ValidationError(
                    {"starts_on": f"These dates overlap the financial year {clash.name}"}
                )

    @classmethod
    def for_date(cls, on: datetime.date) -> FinancialYear | None:
        """The financial year holding `on`, or None when there is none."""
        return (
            cls.objects.unscoped("financial years are everyone's")
            .filter(starts_on__lte=on, ends_on__gte=on)
            .first()
        )

    @classmethod
    def year_of(cls, on: datetime.date) -> FinancialYear:
        """The financial year holding `on`, made (April to March) if there is none yet."""
        found = cls.for_date(on)
        if found is not None:
            return found
        starts, ends = year_bounds(on)
        year = cls(name=year_name(starts), starts_on=starts, ends_on=ends)
        year.full_clean()
        year.save()
        return year

    def months(self) -> list[datetime.date]:
        """The first day of each month of the year, in order."""
        first = self.starts_on.replace(day=1)
        months = []
        while first <= self.ends_on:
            months.append(first)
            first = (first + datetime.timedelta(days=32)).replace(day=1)
        return months

    def holds(self, on: datetime.date) -> bool:
        """Whether `on` falls in this year."""
        return self.starts_on <= on <= self.ends_on


class CostCentre(PartnerOwnedModel):
    """A council's cost centre, like "400 Information Systems and Telephony": where its
    budgets are set and its costs (and its recharged share of shared ones) are booked."""

    code = models.CharField(
        max_length=20,
        validators=[CODE_PATTERN],
        help_text="The council's code for the cost centre, like 400; unique within the council.",
    )
    name = models.CharField(max_length=200, help_text="Like Information Systems and Telephony.")

    area: ClassVar[str] = "finance"
    natural_key: ClassVar[str | None] = "code"
    # "400" is a code in several councils: an import row of one council looks it up there.
    natural_key_within_council: ClassVar[bool] = True
    import_fields: ClassVar[tuple[str, ...]] = ("partner", "code", "name")
    import_example: ClassVar[dict[str, str]] = {
        "partner": "wcc",
        "code": "400",
        "name": "Information Systems and Telephony",
    }

    class Meta:
        verbose_name = "cost centre"
        verbose_name_plural = "cost centres"
        ordering = ["code", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "code"],
                name="costcentre_unique_code",
                violation_error_message=(
                    "A cost centre with this code already exists in this council"
                ),
            )
        ]
        indexes = [
            models.Index(fields=["code", "id"], name="costcentre_code_id"),
            models.Index(fields=["partner", "code", "id"], name="costcentre_partner_code"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class LedgerCode(PartnerOwnedModel):
    """Where a council's journal books its recharged share of one category of cost: the
    cost centre and account code, for revenue or capital spend."""

    category = models.CharField(max_length=20, choices=CostCategory.choices)
    spend_type = models.CharField(
        "Revenue or capital", max_length=10, choices=SpendType.choices, default=SpendType.REVENUE
    )
    cost_centre = models.ForeignKey(CostCentre, on_delete=models.PROTECT, related_name="+")
    account_code = models.CharField(
        max_length=20,
        validators=[CODE_PATTERN],
        help_text="The council's account (subjective) code, like 4510.",
    )

    area: ClassVar[str] = "finance"
    import_fields: ClassVar[tuple[str, ...]] = (
        "partner",
        "category",
        "spend_type",
        "cost_centre",
        "account_code",
    )
    import_example: ClassVar[dict[str, str]] = {
        "partner": "wcc",
        "category": "licence",
        "spend_type": "revenue",
        "cost_centre": "400",
        "account_code": "4510",
    }
    import_match_fields: ClassVar[tuple[str | tuple[str, ...], ...]] = (
        ("partner", "category", "spend_type"),
    )

    class Meta:
        verbose_name = "ledger code"
        verbose_name_plural = "ledger codes"
        ordering = ["category", "spend_type", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "category", "spend_type"],
                name="ledgercode_unique_category",
                violation_error_message=(
                    "This council already has a ledger code for this category and spend type"
                ),
            )
        ]
        indexes = [
            models.Index(fields=["category", "spend_type", "id"], name="ledgercode_category"),
            models.Index(
                fields=["partner", "category", "spend_type", "id"], name="ledgercode_partner"
            ),
        ]

    def __str__(self) -> str:
        kind = f"{self.get_category_display()} ({self.get_spend_type_display().lower()})"
        return f"{kind}: {self.account_code}"

    def clean(self) -> None:
        super().clean()
        if self.cost_centre_id and self.partner_id:
            same_council(self, "cost_centre")


def same_council(record: Any, field: str) -> None:
    """Refuse a record whose cost centre (`field`) is another council's than its own."""
    centre = getattr(record, field)
    if centre is not None and centre.partner_id != record.partner_id:
        raise ValidationError({field: "Choose a cost centre of the same council"})


class Budget(PartnerOwnedModel):
    """A council's budget for one cost centre, year and spend type. `amount` is the current
    figure; each change to it is a `BudgetRevision` (the first is the original budget), made
    by `finance.services.revise_budget`."""

    year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="+")
    cost_centre = models.ForeignKey(CostCentre, on_delete=models.PROTECT, related_name="+")
    spend_type = models.CharField(
        "Revenue or capital", max_length=10, choices=SpendType.choices, default=SpendType.REVENUE
    )
    amount = models.DecimalField(
        "Budget (£)",
        validators=[NOT_NEGATIVE],
        help_text="The budget for the year, in pounds.",
        **MONEY_DIGITS,
    )

    area: ClassVar[str] = "finance"
    import_fields: ClassVar[tuple[str, ...]] = (
        "partner",
        "year",
        "cost_centre",
        "spend_type",
        "amount",
    )
    # A row for a cost centre, year and spend type that has a budget changes its figure (kept
    # as a revision by `save`).
    import_match_fields: ClassVar[tuple[str | tuple[str, ...], ...]] = (
        ("cost_centre", "year", "spend_type"),
    )
    import_example: ClassVar[dict[str, str]] = {
        "partner": "wcc",
        "year": "2026/27",
        "cost_centre": "400",
        "spend_type": "revenue",
        "amount": "1250000.00",
    }
    constraint_fields: ClassVar[dict[str, str]] = {"budget_not_negative": "amount"}

    class Meta:
        ordering = ["-year__starts_on", "cost_centre__code", "spend_type", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cost_centre", "year", "spend_type"],
                name="budget_unique_centre_year",
                violation_error_message=(
                    "This cost centre already has a budget of this spend type for this year"
                ),
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="budget_not_negative",
                violation_error_message="The budget must be £0 or more",
            ),
        ]
        indexes = [
            models.Index(fields=["partner", "year", "id"], name="budget_partner_year"),
            models.Index(fields=["year", "id"], name="budget_year"),
        ]

    def __str__(self) -> str:
        centre = self.cost_centre.code if self.cost_centre_id else ""
        year = self.year.name if self.year_id else ""
        return f"{centre} {year} {self.get_spend_type_display().lower()}"

    def clean(self) -> None:
        super().clean()
        if self.cost_centre_id and self.partner_id:
            same_council(self, "cost_centre")

    #: Why the figure is what it is and since when, for the revision its next save records
    #: (set by finance.services and the demo; an import or an edit without one says so).
    revision_reason: str = ""
    revision_on: datetime.date | None = None
    #: Set by finance.services.revise_budget, which records the revision itself.
    revision_recorded: bool = False

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save, and keep the figure as a revision when the budget is new or its amount
        changed, whichever way it was written (page, API, import, service): a budget's
        revisions always end at its current figure. (Overriding save also makes an import
        write budgets a record at a time, so each has its revision.)"""
        adding = self._state.adding or self.pk is None
        before = None
        if not adding:
            before = (
                Budget.objects.unscoped("the figure before a change")
                .filter(pk=self.pk)
                .values_list("amount", flat=True)
                .first()
            )
        super().save(*args, **kwargs)
        if self.revision_recorded:
            self.revision_recorded = False
            return
        if adding or before is None or before != self.amount:
            reason = self.revision_reason or ("Original budget" if adding else NO_REASON)
            BudgetRevision(
                budget=self,
                amount=self.amount,
                reason=reason,
                revised_on=self.revision_on or timezone.localdate(),
            ).save()
        self.revision_reason, self.revision_on = "", None


#: A revision's reason when none was given (an import, an edit that said nothing).
NO_REASON = "No reason given"


class BudgetRevision(PartModel):
    """One figure a budget has had, with why: the first is the original budget, each later
    one a revision. Kept for ever; `Budget.amount` is the latest."""

    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="+")
    amount = models.DecimalField("Amount (£)", validators=[NOT_NEGATIVE], **MONEY_DIGITS)
    reason = models.CharField(
        max_length=300, help_text="Why the budget changed, like Growth agreed at Cabinet."
    )
    revised_on = models.DateField(help_text="The day the change was agreed.")

    area: ClassVar[str] = "finance"
    part_of: ClassVar[str] = "budget"
    attachable: ClassVar[bool] = False
    constraint_fields: ClassVar[dict[str, str]] = {"budgetrevision_not_negative": "amount"}

    class Meta:
        verbose_name = "budget revision"
        verbose_name_plural = "budget revisions"
        ordering = ["budget", "revised_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="budgetrevision_not_negative",
                violation_error_message="The budget must be £0 or more",
            )
        ]
        indexes = [models.Index(fields=["budget", "revised_on", "id"], name="budgetrev_budget")]

    def __str__(self) -> str:
        return f"£{self.amount:,} on {self.revised_on:%d %B %Y}: {self.reason}"

    KEPT = "A budget's revisions are kept as they were: record a new revision on the budget"

    def clean(self) -> None:
        # Its figure, day and budget are what the budget was: kept as they were (the reason's
        # words may be put right).
        super().clean()
        if self.pk is None:
            return
        before = (
            BudgetRevision.objects.unscoped("a revision as it was")
            .filter(pk=self.pk)
            .values("budget_id", "amount", "revised_on")
            .first()
        )
        if before is None:
            return
        for name, was in before.items():
            if getattr(self, name) != was:
                raise ValidationError({name.removesuffix("_id"): self.KEPT})

    def deletion_refused(self) -> str:
        # Gone only with its budget (deleting a budget takes its revisions with it).
        return f"{self.KEPT} instead."


class ApportionmentRule(CatalogueModel):
    """How a shared cost is split between the councils: fixed percentages agreed between
    them (`RuleShare`), a measured driver, or a weighted mix of drivers (`RuleComponent`).

    A rule with a `category` is that category's rule from `valid_from` to `valid_to`; at
    most one rule per category is in force on any day (`finance.services`). A rule without
    one applies only to the cost lines that name it."""

    name = models.CharField(
        max_length=200,
        unique=True,
        error_messages={"unique": "An apportionment rule with this name already exists"},
    )
    method = models.CharField(max_length=10, choices=ApportionmentMethod.choices)
    category = models.CharField(
        "Default rule for category",
        max_length=20,
        choices=CostCategory.choices,
        blank=True,
        help_text="Leave empty for a rule that only the cost lines naming it use.",
    )
    valid_from = models.DateField(help_text="The first day the rule applies.")
    valid_to = models.DateField(
        null=True, blank=True, help_text="The last day it applies; empty while it still does."
    )
    description = models.TextField(blank=True, help_text="What was agreed, when and by whom.")

    natural_key: ClassVar[str | None] = "name"
    import_fields: ClassVar[tuple[str, ...]] = (
        "name",
        "method",
        "category",
        "valid_from",
        "valid_to",
        "description",
    )
    import_example: ClassVar[dict[str, str]] = {
        "name": "Staff 50/50",
        "method": "fixed",
        "category": "staff",
        "valid_from": "2025-04-01",
        "valid_to": "",
        "description": "Agreed by the joint committee, March 2025.",
    }
    constraint_fields: ClassVar[dict[str, str]] = {"apportionmentrule_dates": "valid_to"}

    class Meta:
        verbose_name = "apportionment rule"
        verbose_name_plural = "apportionment rules"
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="apportionmentrule_dates",
                violation_error_message="The last day must be the same as or after the first day",
            )
        ]
        indexes = [
            models.Index(fields=["name", "id"], name="apprule_name_id"),
            models.Index(fields=["category", "valid_from"], name="apprule_category"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        from finance.services import rule_overlap

        problem = rule_overlap(self)
        if problem:
            raise ValidationError({"category": problem})

    def in_force(self, on: datetime.date) -> bool:
        """Whether the rule applies on `on`."""
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)


class RuleComponent(PartModel):
    """One driver of a driver rule (at 100%) or of a weighted mix (the weights of a mix sum
    to 100%)."""

    rule = models.ForeignKey(ApportionmentRule, on_delete=models.CASCADE, related_name="+")
    driver = models.CharField(max_length=20, choices=Driver.choices)
    weight = models.DecimalField(
        "Weight (%)",
        help_text="The driver's share of the mix, in percent; 100 for a driver rule.",
        **PERCENT_DIGITS,
    )

    area: ClassVar[str] = "catalogue"
    # Part of a catalogue record, so, like it, owned by no council (no partner export carries
    # it; its change records are the shared service's).
    ownership: ClassVar[str] = "catalogue"
    part_of: ClassVar[str] = "rule"
    attachable: ClassVar[bool] = False
    constraint_fields: ClassVar[dict[str, str]] = {"rulecomponent_weight_positive": "weight"}

    class Meta:
        verbose_name = "rule driver"
        verbose_name_plural = "rule drivers"
        ordering = ["rule", "driver", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "driver"],
                name="rulecomponent_unique_driver",
                violation_error_message="This rule already has this driver",
            ),
            models.CheckConstraint(
                condition=Q(weight__gt=0) & Q(weight__lte=100),
                name="rulecomponent_weight_positive",
                violation_error_message="The weight must be more than 0% and at most 100%",
            ),
        ]
        indexes = [models.Index(fields=["rule", "driver", "id"], name="rulecomp_rule")]

    def __str__(self) -> str:
        return f"{self.get_driver_display()} {self.weight}%"

    @classmethod
    def visibility_filter(cls, user: Any, action: str = "view") -> Q | None:
        # A rule is a catalogue record every signed-in person reads and only the shared
        # service changes; its drivers are read and changed as it is.
        return Q() if access_for(user).can(action, cls.area) else None

    def clean(self) -> None:
        super().clean()
        if self.rule_id and self.rule.method == ApportionmentMethod.FIXED:
            raise ValidationError(
                {"rule": "A rule of fixed percentages has councils' shares, not drivers"}
            )
        one_driver = self.rule_id and self.rule.method == ApportionmentMethod.DRIVER
        if one_driver and self.weight is not None and self.weight != 100:
            raise ValidationError({"weight": "A rule with one driver weighs it at 100%"})


class RuleShare(PartnerOwnedModel):
    """A council's percentage under a rule of fixed percentages (a rule's shares sum to
    100%). Each council sees only its own share, never another council's."""

    rule = models.ForeignKey(ApportionmentRule, on_delete=models.PROTECT, related_name="+")
    percent = models.DecimalField(
        "Share (%)", help_text="The council's agreed share, in percent.", **PERCENT_DIGITS
    )

    area: ClassVar[str] = "finance"
    import_fields: ClassVar[tuple[str, ...]] = ("partner", "rule", "percent")
    import_example: ClassVar[dict[str, str]] = {
        "partner": "wcc",
        "rule": "Staff 50/50",
        "percent": "50",
    }
    import_match_fields: ClassVar[tuple[str | tuple[str, ...], ...]] = (("partner", "rule"),)
    constraint_fields: ClassVar[dict[str, str]] = {"ruleshare_percent_range": "percent"}

    class Meta:
        verbose_name = "rule share"
        verbose_name_plural = "rule shares"
        ordering = ["rule", "partner", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "partner"],
                name="ruleshare_unique_council",
                violation_error_message="This council already has a share under this rule",
            ),
            models.CheckConstraint(
                condition=Q(percent__gte=0) & Q(percent__lte=100),
                name="ruleshare_percent_range",
                violation_error_message="The share must be between 0% and 100%",
            ),
        ]
        indexes = [models.Index(fields=["partner", "rule", "id"], name="ruleshare_partner")]

    def __str__(self) -> str:
        rule = self.rule.name if self.rule_id else ""
        return f"{rule}: {self.percent}%"

    def clean(self) -> None:
        super().clean()
        if self.rule_id and self.rule.method != ApportionmentMethod.FIXED:
            raise ValidationError({"rule": "Only a rule of fixed percentages has councils' shares"})


class DriverFigure(PartnerOwnedModel):
    """A council's figure for one driver over a period (its headcount, tickets logged...).
    Measured ones are written by `finance.drivers.measure_period`; an entered one (by the
    council or the shared service) wins over a measured one for the same period."""

    driver = models.CharField(max_length=20, choices=Driver.choices)
    period_start = models.DateField(help_text="The first day the figure covers.")
    period_end = models.DateField(help_text="The last day the figure covers.")
    value = models.DecimalField(
        max_digits=16,
        decimal_places=2,
        validators=[NOT_NEGATIVE],
        help_text="People, tickets, devices, seats, or hours of staff time.",
    )
    source = models.CharField(
        max_length=10, choices=FigureSource.choices, default=FigureSource.ENTERED
    )
    note = models.CharField(max_length=300, blank=True, help_text="Where the figure comes from.")

    area: ClassVar[str] = "finance"
    import_fields: ClassVar[tuple[str, ...]] = (
        "partner",
        "driver",
        "period_start",
        "period_end",
        "value",
        "note",
    )
    import_example: ClassVar[dict[str, str]] = {
        "partner": "wcc",
        "driver": "headcount",
        "period_start": "2026-04-01",
        "period_end": "2026-04-30",
        "value": "2150",
        "note": "HR establishment report",
    }
    import_match_fields: ClassVar[tuple[str | tuple[str, ...], ...]] = (
        ("partner", "driver", "period_start", "period_end"),
    )
    # An imported figure is entered, as a typed one is: it wins over a measured one, and a
    # measured one it updates becomes entered (finance.choices.FigureSource).
    import_values: ClassVar[dict[str, Any]] = {"source": FigureSource.ENTERED}
    constraint_fields: ClassVar[dict[str, str]] = {
        "driverfigure_period": "period_end",
        "driverfigure_not_negative": "value",
    }

    class Meta:
        verbose_name = "driver figure"
        verbose_name_plural = "driver figures"
        ordering = ["-period_start", "driver", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "driver", "period_start", "period_end"],
                name="driverfigure_unique_period",
                violation_error_message=(
                    "This council already has a figure for this driver and period"
                ),
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="driverfigure_period",
                violation_error_message="The last day must be the same as or after the first day",
            ),
            models.CheckConstraint(
                condition=Q(value__gte=0),
                name="driverfigure_not_negative",
                violation_error_message="The figure must be 0 or more",
            ),
        ]
        indexes = [
            models.Index(fields=["-period_start", "driver", "id"], name="driverfig_period"),
        ]

    def __str__(self) -> str:
        period = f"{self.period_start:%d %b %Y} to {self.period_end:%d %b %Y}"
        return f"{self.get_driver_display()} {period}: {self.value}"


class CostLine(AudienceModel):
    """A cost: an invoice, a journal or a month of a contract. Who bears it is its audience:
    one council (not shared: exactly one council, and a cost centre of that council), or
    the partnership (shared: apportioned among its councils by its rule, or its category's
    rule in force). A cost in a period with an approved recharge run is locked
    (`finance.services.period_is_locked`)."""

    is_shared = models.BooleanField(
        "Shared cost",
        default=False,
        help_text="Ticked: the partnership bears it, split between its councils by the rule. "
        "Not ticked: the one council chosen bears it.",
    )
    reference = models.CharField(
        max_length=50, blank=True, help_text="The invoice or journal reference."
    )
    description = models.CharField(max_length=300)
    amount = models.DecimalField(
        "Amount (£)", help_text="In pounds; a credit is negative.", **MONEY_DIGITS
    )
    incurred_on = models.DateField("Date", help_text="The invoice or journal date.")
    period_start = models.DateField(
        null=True, blank=True, help_text="For a cost of a period: its first day."
    )
    period_end = models.DateField(
        null=True, blank=True, help_text="For a cost of a period: its last day."
    )
    category = models.CharField(max_length=20, choices=CostCategory.choices)
    spend_type = models.CharField(
        "Revenue or capital", max_length=10, choices=SpendType.choices, default=SpendType.REVENUE
    )
    supplier = models.ForeignKey(
        "contracts.Supplier", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cost_centre = models.ForeignKey(
        CostCentre,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="For one council's cost: its cost centre.",
    )
    rule = models.ForeignKey(
        ApportionmentRule,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="Apportionment rule",
        help_text="For a shared cost: leave empty to use its category's rule.",
    )
    source_type = models.ForeignKey(
        ContentType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    source_id = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    source = GenericForeignKey("source_type", "source_id")

    area: ClassVar[str] = "finance"
    # Imported through the generic import (decision 0039): councils by code or ``all``
    # (core.importing.audience), the cost centre by code within the row's one council.
    import_fields: ClassVar[tuple[str, ...]] = (
        "reference",
        "description",
        "amount",
        "incurred_on",
        "period_start",
        "period_end",
        "category",
        "spend_type",
        "supplier",
        "is_shared",
        "councils",
        "cost_centre",
        "rule",
    )
    import_example: ClassVar[dict[str, str]] = {
        "reference": "INV-20417",
        "description": "Microsoft enterprise agreement, April",
        "amount": "41250.00",
        "incurred_on": "2026-04-30",
        "period_start": "2026-04-01",
        "period_end": "2026-04-30",
        "category": "licence",
        "spend_type": "revenue",
        "supplier": "Microsoft Limited",
        "is_shared": "yes",
        "councils": "all",
        "cost_centre": "",
        "rule": "",
    }
    constraint_fields: ClassVar[dict[str, str]] = {
        "costline_period_both": "period_end",
        "costline_period_order": "period_end",
        "costline_shared_no_centre": "cost_centre",
        "costline_own_no_rule": "rule",
    }

    class Meta:
        verbose_name = "cost line"
        verbose_name_plural = "cost lines"
        ordering = ["-incurred_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_start__isnull=True, period_end__isnull=True)
                | Q(period_start__isnull=False, period_end__isnull=False),
                name="costline_period_both",
                violation_error_message=(
                    "Give both the first and last day of the period, or neither"
                ),
            ),
            models.CheckConstraint(
                condition=Q(period_end__isnull=True) | Q(period_end__gte=F("period_start")),
                name="costline_period_order",
                violation_error_message="The period's last day must be on or after its first day",
            ),
            models.CheckConstraint(
                condition=Q(is_shared=False) | Q(cost_centre__isnull=True),
                name="costline_shared_no_centre",
                violation_error_message=(
                    "A shared cost has no cost centre: each council's share is booked by its "
                    "ledger codes"
                ),
            ),
            models.CheckConstraint(
                condition=Q(is_shared=True) | Q(rule__isnull=True),
                name="costline_own_no_rule",
                violation_error_message="Only a shared cost is apportioned by a rule",
            ),
        ]
        indexes = [
            models.Index(fields=["-incurred_on", "-id"], name="costline_incurred"),
            models.Index(fields=["is_shared", "incurred_on"], name="costline_shared_date"),
            models.Index(fields=["cost_centre", "incurred_on"], name="costline_centre_date"),
            models.Index(fields=["source_type", "source_id"], name="costline_source"),
        ]

    def __str__(self) -> str:
        head = self.reference or self.description
        return f"{head} £{self.amount:,}" if self.amount is not None else head

    def clean(self) -> None:
        super().clean()
        from finance.services import cost_line_problems

        problems = cost_line_problems(self)
        if problems:
            raise ValidationError(problems)

    def audience_problem(self, councils: list[Any], for_all: bool) -> str:
        # A cost that is not shared is one council's, its cost centre that council's (an
        # import reports it on its councils column; the form and the API ask the same).
        from finance.services import audience_problem

        return audience_problem(self.is_shared, self.cost_centre, councils, for_all)

    def deletion_refused(self) -> str:
        # A cost in a period an approved recharge run covers stays (the generic delete page
        # says why; ConcordModel.deletion_refused).
        from finance.services import LOCKED_MESSAGE, cost_line_locked

        return f"{LOCKED_MESSAGE}." if cost_line_locked(self) else ""

    def spread_start(self) -> datetime.date:
        """The first day the cost is spread over (its period's, else its date)."""
        return self.period_start or self.incurred_on

    def spread_end(self) -> datetime.date:
        """The last day the cost is spread over (its period's, else its date)."""
        return self.period_end or self.incurred_on
